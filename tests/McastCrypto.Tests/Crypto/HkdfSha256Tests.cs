using System;
using System.Linq;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary><see cref="HkdfSha256"/>: a known answer through the public API, and the argument checks of both backends.</summary>
    public sealed class HkdfSha256Tests
    {
        /// <summary>RFC 5869, A.1 (Basic test case with SHA-256).</summary>
        [Fact]
        public void Rfc5869TestCase1ThroughThePublicApi()
        {
            byte[] ikm = Enumerable.Repeat((byte)0x0B, 22).ToArray();
            byte[] salt = Convert.FromHexString("000102030405060708090a0b0c");
            byte[] info = Convert.FromHexString("f0f1f2f3f4f5f6f7f8f9");
            byte[] prk = Convert.FromHexString("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
            byte[] okm = Convert.FromHexString("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");

            Assert.Equal(prk, HkdfSha256.Extract(salt, ikm));
            Assert.Equal(okm, HkdfSha256.Expand(prk, info, 42));
            Assert.Equal(okm, HkdfSha256.DeriveKey(ikm, salt, info, 42));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void BadArgumentsAreRefused(string backend)
        {
            byte[] prk = new byte[32];
            Assert.Throws<ArgumentNullException>(() => CryptoBackends.HkdfExtract(backend, null, null!));
            Assert.Throws<ArgumentNullException>(() => CryptoBackends.HkdfDeriveKey(backend, null!, null, null, 32));
            Assert.Throws<ArgumentNullException>(() => CryptoBackends.HkdfExpand(backend, null!, null, 32));
            Assert.Contains("at least 32", Assert.Throws<ArgumentException>(() => CryptoBackends.HkdfExpand(backend, new byte[31], null, 32)).Message);
            foreach (int length in new[] { int.MinValue, -1, 0, HkdfSha256.MaxOutputLength + 1, int.MaxValue })
            {
                Assert.Throws<ArgumentOutOfRangeException>(() => CryptoBackends.HkdfExpand(backend, prk, null, length));
                Assert.Throws<ArgumentOutOfRangeException>(() => CryptoBackends.HkdfDeriveKey(backend, prk, null, null, length));
            }
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ALongerPseudorandomKeyIsAccepted(string backend)
        {
            // RFC 5869 only asks for at least HashLen bytes; a longer PRK is HMAC-keyed as it is.
            byte[] prk = Enumerable.Range(0, 80).Select(i => (byte)i).ToArray();
            Assert.Equal(CryptoBackends.HkdfExpand(CryptoBackends.Bcl, prk, null, 50), CryptoBackends.HkdfExpand(backend, prk, null, 50));
        }

        [Fact]
        public void DifferentInfoGivesUnrelatedKeys()
        {
            byte[] prk = HkdfSha256.Extract(null, new byte[32]);
            byte[] a = HkdfSha256.Expand(prk, "client to relay"u8.ToArray(), 32);
            byte[] b = HkdfSha256.Expand(prk, "relay to client"u8.ToArray(), 32);
            Assert.NotEqual(a, b);

            // A shorter output is a prefix of a longer one with the same inputs (RFC 5869's T(1) || T(2) ...).
            Assert.Equal(a.Take(16).ToArray(), HkdfSha256.Expand(prk, "client to relay"u8.ToArray(), 16));
        }
    }
}
