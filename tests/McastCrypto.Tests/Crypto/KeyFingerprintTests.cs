using System;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    public sealed class KeyFingerprintTests
    {
        [Fact]
        public void FingerprintOfAFixedSpkiMatchesAnIndependentSha256()
        {
            byte[] spki = Convert.FromBase64String(PemTests.FixedSpkiBase64);
            string expected = "SHA256:" + Convert.ToBase64String(SHA256.HashData(spki)).TrimEnd('=');

            string fingerprint = KeyFingerprint.Of(spki);

            Assert.Equal(expected, fingerprint);
            // Known answer, computed outside .NET: openssl dgst -sha256 -binary spki.der | base64
            Assert.Equal("SHA256:NmmNwnw3a+HGJ0oPFUrJc73I8JYVApN/n6KWUxnpZDc", fingerprint);
            Assert.Equal(7 + 43, fingerprint.Length);
            Assert.DoesNotContain('=', fingerprint);
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void APublicKeysFingerprintIsThatOfItsSpki(string backend)
        {
            RsaPublicKey key = RsaBackends.ImportPublicKey(backend, Convert.FromBase64String(PemTests.FixedSpkiBase64));
            Assert.Equal("SHA256:NmmNwnw3a+HGJ0oPFUrJc73I8JYVApN/n6KWUxnpZDc", key.Fingerprint);

            RsaPublicKey generated = RsaBackends.SharedKey(backend).PublicKey;
            Assert.Equal(KeyFingerprint.Of(generated.SubjectPublicKeyInfo), generated.Fingerprint);
        }

        [Fact]
        public void NullIsRefused()
        {
            Assert.Throws<ArgumentNullException>(() => KeyFingerprint.Of(null!));
        }
    }
}
