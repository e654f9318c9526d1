using System;
using System.Linq;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// Wycheproof AES-GCM vectors against both backends of <see cref="AesGcm256"/>. The groups with
    /// a 256-bit key, a 96-bit nonce and a 128-bit tag go through Seal and TryOpen: a valid case
    /// seals to exactly ct || tag and opens to msg (also from a slice of a larger buffer), an
    /// invalid one does not open. For every other group the seam must refuse the sizes: another
    /// key size at Create, another nonce size at Seal (an exception) and at TryOpen (false).
    /// </summary>
    public sealed class WycheproofAesGcmTests
    {
        private const string FileName = "aes_gcm_test.json";

        public static TheoryData<string, int> Cases => Vectors.CasesOnEveryBackend();

        private static WycheproofVectors Vectors => WycheproofVectors.Load(FileName);

        [Theory]
        [MemberData(nameof(Cases))]
        public void Vector(string backend, int tcId)
        {
            WycheproofVectors.VectorCase c = Vectors.Case(tcId);
            int keyBits = c.Group.Int("keySize");
            int nonceBits = c.Group.Int("ivSize");
            int tagBits = c.Group.Int("tagSize");
            byte[] key = c.Hex("key");
            byte[] nonce = c.Hex("iv");
            byte[] aad = c.Hex("aad");
            byte[] msg = c.Hex("msg");
            byte[] sealedVector = c.Hex("ct").Concat(c.Hex("tag")).ToArray();
            Assert.Equal(keyBits / 8, key.Length);
            Assert.Equal(nonceBits / 8, nonce.Length);

            if (keyBits != 256)
            {
                var ex = Assert.Throws<ArgumentException>(() => CryptoBackends.Aes(backend, key));
                Assert.Contains("AES-256", ex.Message);
                return;
            }

            using AesGcm256 aead = CryptoBackends.Aes(backend, key);
            if (nonceBits != 96 || tagBits != 128)
            {
                Assert.Throws<ArgumentException>(() => aead.Seal(nonce, msg, aad));
                Assert.False(aead.TryOpen(nonce, sealedVector, aad, out byte[]? refused), c.ToString());
                Assert.Null(refused);
                return;
            }

            if (c.Result == "valid")
            {
                Assert.Equal(sealedVector, aead.Seal(nonce, msg, aad));
                Assert.True(aead.TryOpen(nonce, sealedVector, aad, out byte[]? plaintext), c.ToString());
                Assert.Equal(msg, plaintext);

                // As a datagram is opened: the header is the associated data, the payload follows, and more may follow that.
                byte[] datagram = aad.Concat(sealedVector).Concat(new byte[] { 0xEE, 0xEE, 0xEE }).ToArray();
                Assert.True(aead.TryOpen(
                    nonce,
                    new ArraySegment<byte>(datagram, aad.Length, sealedVector.Length),
                    new ArraySegment<byte>(datagram, 0, aad.Length),
                    out byte[]? fromSlice));
                Assert.Equal(msg, fromSlice);
            }
            else
            {
                Assert.Equal("invalid", c.Result);
                Assert.False(aead.TryOpen(nonce, sealedVector, aad, out byte[]? plaintext), c.ToString());
                Assert.Null(plaintext);
                Assert.NotEqual(sealedVector, aead.Seal(nonce, msg, aad));
            }
        }

        [Fact]
        public void TheFileHoldsEveryCaseItClaimsAndTheGroupsThisSeamRuns()
        {
            Vectors.AssertComplete("AES-GCM");
            var runnable = Vectors.Cases.Where(c => c.Group.Int("keySize") == 256 && c.Group.Int("ivSize") == 96 && c.Group.Int("tagSize") == 128).ToList();
            Assert.Contains(runnable, c => c.Result == "valid");
            Assert.Contains(runnable, c => c.Result == "invalid");
            Assert.Contains(Vectors.Cases, c => c.Group.Int("keySize") != 256);
            Assert.Contains(Vectors.Cases, c => c.Group.Int("keySize") == 256 && c.Group.Int("ivSize") != 96);
        }
    }
}
