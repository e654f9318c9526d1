using System;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// Wycheproof HKDF-SHA-256 vectors against both backends of <see cref="HkdfSha256"/>. A valid case
    /// must give okm both from DeriveKey and from Extract then Expand; an empty salt or info must
    /// give the same as null. The invalid cases ask for more than 255 * 32 bytes, which must be
    /// refused with ArgumentOutOfRangeException.
    /// </summary>
    public sealed class WycheproofHkdfTests
    {
        private const string FileName = "hkdf_sha256_test.json";

        public static TheoryData<string, int> Cases => Vectors.CasesOnEveryBackend();

        private static WycheproofVectors Vectors => WycheproofVectors.Load(FileName);

        [Theory]
        [MemberData(nameof(Cases))]
        public void Vector(string backend, int tcId)
        {
            WycheproofVectors.VectorCase c = Vectors.Case(tcId);
            byte[] ikm = c.Hex("ikm");
            byte[] salt = c.Hex("salt");
            byte[] info = c.Hex("info");
            int size = c.Int("size");

            if (c.Result == "valid")
            {
                byte[] okm = c.Hex("okm");
                Assert.Equal(okm, CryptoBackends.HkdfDeriveKey(backend, ikm, salt, info, size));
                byte[] prk = CryptoBackends.HkdfExtract(backend, salt, ikm);
                Assert.Equal(HkdfSha256.HashSize, prk.Length);
                Assert.Equal(okm, CryptoBackends.HkdfExpand(backend, prk, info, size));
                if (salt.Length == 0)
                {
                    Assert.Equal(okm, CryptoBackends.HkdfDeriveKey(backend, ikm, null, info, size));
                    Assert.Equal(prk, CryptoBackends.HkdfExtract(backend, null, ikm));
                }

                if (info.Length == 0)
                {
                    Assert.Equal(okm, CryptoBackends.HkdfExpand(backend, prk, null, size));
                }
            }
            else
            {
                Assert.Equal("invalid", c.Result);
                Assert.True(size > HkdfSha256.MaxOutputLength, $"{c}: an invalid case this test does not know");
                Assert.Throws<ArgumentOutOfRangeException>(() => CryptoBackends.HkdfDeriveKey(backend, ikm, salt, info, size));
                byte[] prk = CryptoBackends.HkdfExtract(backend, salt, ikm);
                Assert.Throws<ArgumentOutOfRangeException>(() => CryptoBackends.HkdfExpand(backend, prk, info, size));
            }
        }

        [Fact]
        public void TheFileHoldsEveryCaseItClaims()
        {
            Vectors.AssertComplete("HKDF-SHA-256");
            Assert.Contains(Vectors.Cases, c => c.Result == "valid" && c.Int("size") == HkdfSha256.MaxOutputLength);
        }
    }
}
