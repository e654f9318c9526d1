using System;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using McastCrypto.Crypto;
using Org.BouncyCastle.Asn1.X509;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    public sealed class RsaOaepRoundTripTests
    {
        [Theory]
        [MemberData(nameof(RsaBackends.Pairs), MemberType = typeof(RsaBackends))]
        public void EncryptThenDecryptGivesThePlaintextBack(string encryptingBackend, string decryptingBackend)
        {
            RsaPrivateKey key = RsaBackends.SharedKey(decryptingBackend);
            RsaPublicKey publicKey = RsaBackends.ImportPublicKey(encryptingBackend, key.PublicKey.SubjectPublicKeyInfo);
            foreach (int length in new[] { 0, 1, 2, 100, 189, 190 })
            {
                byte[] plaintext = RandomNumberGenerator.GetBytes(length);
                byte[] ciphertext = publicKey.Encrypt(plaintext);
                Assert.Equal(256, ciphertext.Length);
                Assert.True(key.TryDecrypt(ciphertext, out byte[]? decrypted), $"{length} bytes did not decrypt");
                Assert.Equal(plaintext, decrypted);
            }
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void PlaintextLongerThanOneBlockIsRefused(string backend)
        {
            RsaPublicKey publicKey = RsaBackends.SharedKey(backend).PublicKey;
            Assert.Equal(256, publicKey.KeySizeBytes);
            Assert.Equal(190, publicKey.MaxPlaintextLength);
            var ex = Assert.Throws<ArgumentException>(() => publicKey.Encrypt(new byte[191]));
            Assert.Contains("191", ex.Message);
            Assert.Throws<ArgumentNullException>(() => publicKey.Encrypt(null!));
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void EncryptionIsRandomized(string backend)
        {
            RsaPublicKey publicKey = RsaBackends.SharedKey(backend).PublicKey;
            byte[] plaintext = { 1, 2, 3 };
            Assert.NotEqual(publicKey.Encrypt(plaintext), publicKey.Encrypt(plaintext));
        }

        /// <summary>
        /// Every ciphertext is exactly the modulus length, also the 1 in 256 whose value has a
        /// leading zero byte. BouncyCastle encrypts (it builds the bytes from a big integer), the
        /// BCL decrypts, which is the fast direction for both.
        /// </summary>
        [Fact]
        public void CiphertextsAlwaysHaveTheModulusLength()
        {
            RsaPrivateKey key = RsaBackends.SharedKey(RsaBackends.Bcl);
            RsaPublicKey publicKey = RsaBackends.ImportPublicKey(RsaBackends.BouncyCastle, key.PublicKey.SubjectPublicKeyInfo);
            byte[] plaintext = { 42 };
            int leadingZero = 0;
            for (int i = 0; i < 1500; i++)
            {
                byte[] ciphertext = publicKey.Encrypt(plaintext);
                Assert.Equal(256, ciphertext.Length);
                if (ciphertext[0] == 0)
                {
                    leadingZero++;
                    Assert.True(key.TryDecrypt(ciphertext, out byte[]? decrypted));
                    Assert.Equal(plaintext, decrypted);
                }
            }

            // P(no leading zero in 1500) = (255/256)^1500, about 0.3%: this checks the test itself saw the case.
            Assert.True(leadingZero > 0, "No ciphertext with a leading zero byte was produced; rerun.");
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void GeneratedKeysAre2048BitWithExponent65537(string backend)
        {
            RsaPublicKey publicKey = RsaBackends.SharedKey(backend).PublicKey;
            var spki = SubjectPublicKeyInfo.GetInstance(publicKey.SubjectPublicKeyInfo);
            var rsa = RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey());
            Assert.Equal(2048, rsa.Modulus.BitLength);
            Assert.Equal(65537, rsa.PublicExponent.IntValueExact);
        }

        [Fact]
        public void GenerateOnThisBuildUsesTheBclAndChecksTheSize()
        {
            using RsaPrivateKey key = RsaOaep.Generate();
            Assert.IsType<BclRsaPrivateKey>(key);
            Assert.Equal(256, key.PublicKey.KeySizeBytes);
            Assert.Throws<ArgumentOutOfRangeException>(() => RsaOaep.Generate(1024));
            Assert.Throws<ArgumentOutOfRangeException>(() => RsaOaep.Generate(8192));
            Assert.Throws<ArgumentOutOfRangeException>(() => RsaOaep.Generate(2047));
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void BothBackendsEncodeTheSamePublicKeyIdentically(string backend)
        {
            RsaPublicKey original = RsaBackends.SharedKey(backend).PublicKey;
            byte[] spki = original.SubjectPublicKeyInfo;
            foreach (string other in new[] { RsaBackends.Bcl, RsaBackends.BouncyCastle })
            {
                RsaPublicKey imported = RsaBackends.ImportPublicKey(other, spki);
                Assert.Equal(spki, imported.SubjectPublicKeyInfo);
                Assert.Equal(original.Fingerprint, imported.Fingerprint);
                Assert.Equal(original.ToPem(), imported.ToPem());
            }
        }

        [Fact]
        public void SubjectPublicKeyInfoIsACopy()
        {
            RsaPublicKey publicKey = RsaBackends.SharedKey(RsaBackends.Bcl).PublicKey;
            byte[] first = publicKey.SubjectPublicKeyInfo;
            first[^1] ^= 0xFF;
            Assert.NotEqual(first, publicKey.SubjectPublicKeyInfo);
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void DisposedKeyThrowsObjectDisposedAndItsPublicKeyStillWorks(string backend)
        {
            RsaPrivateKey key = RsaBackends.Generate(backend);
            RsaPublicKey publicKey = key.PublicKey;
            byte[] ciphertext = publicKey.Encrypt(new byte[] { 7 });
            key.Dispose();
            key.Dispose();
            Assert.Throws<ObjectDisposedException>(() => key.TryDecrypt(ciphertext, out _));
            Assert.Equal(256, publicKey.Encrypt(new byte[] { 7 }).Length);
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void EncryptAndDecryptAreSafeFromSeveralThreads(string backend)
        {
            RsaPrivateKey key = RsaBackends.SharedKey(backend);
            RsaPublicKey publicKey = key.PublicKey;
            Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
            {
                byte[] plaintext = Enumerable.Repeat((byte)i, i).ToArray();
                byte[] ciphertext = publicKey.Encrypt(plaintext);
                Assert.True(key.TryDecrypt(ciphertext, out byte[]? decrypted));
                Assert.Equal(plaintext, decrypted);

                // A failing decrypt in between, as a member sees for other members' blocks.
                ciphertext[10] ^= 1;
                Assert.False(key.TryDecrypt(ciphertext, out _));
            });
        }
    }
}
