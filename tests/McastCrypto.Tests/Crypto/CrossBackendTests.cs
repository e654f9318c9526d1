using System;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// The two backends of each Secure-protocol primitive interoperate: what one produces, the
    /// other accepts, so a relay on .NET 8 and a member on Windows PowerShell 5.1 (netstandard2.0,
    /// BouncyCastle) understand each other.
    /// </summary>
    public sealed class CrossBackendTests
    {
        [Theory]
        [MemberData(nameof(CryptoBackends.Pairs), MemberType = typeof(CryptoBackends))]
        public void WhatOneBackendSealsTheOtherOpens(string sealer, string opener)
        {
            byte[] key = RandomNumberGenerator.GetBytes(AesGcm256.KeySize);
            using AesGcm256 a = CryptoBackends.Aes(sealer, key);
            using AesGcm256 b = CryptoBackends.Aes(opener, key);
            foreach (int length in new[] { 0, 1, 15, 16, 17, 1200, 65000 })
            {
                byte[] nonce = RandomNumberGenerator.GetBytes(AesGcm256.NonceSize);
                byte[] plaintext = RandomNumberGenerator.GetBytes(length);
                byte[] aad = RandomNumberGenerator.GetBytes(length % 40);

                byte[] sealedData = a.Seal(nonce, plaintext, aad);

                Assert.Equal(length + AesGcm256.TagSize, sealedData.Length);
                Assert.True(b.TryOpen(nonce, sealedData, aad, out byte[]? opened), $"{length} bytes");
                Assert.Equal(plaintext, opened);

                // Deterministic: the same key, nonce and inputs give the same bytes on both backends.
                using AesGcm256 again = CryptoBackends.Aes(opener, key);
                Assert.Equal(sealedData, again.Seal(nonce, plaintext, aad));
            }
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Pairs), MemberType = typeof(CryptoBackends))]
        public void WhatOneBackendSignsTheOtherVerifies(string signer, string verifier)
        {
            using EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(signer);
            EcdsaP256PublicKey imported = CryptoBackends.EcdsaImportSpki(verifier, key.PublicKey.SubjectPublicKeyInfo);
            Assert.Equal(key.PublicKey.Fingerprint, imported.Fingerprint);
            foreach (int length in new[] { 0, 1, 64, 1200 })
            {
                byte[] data = RandomNumberGenerator.GetBytes(length);
                byte[] signature = key.Sign(data);
                Assert.Equal(EcdsaP256PrivateKey.SignatureSize, signature.Length);
                Assert.True(imported.Verify(data, signature), $"{length} bytes");
            }
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Pairs), MemberType = typeof(CryptoBackends))]
        public void APrivateKeyExportedByOneBackendIsTheSameKeyInTheOther(string exporter, string importer)
        {
            using EcdsaP256PrivateKey original = CryptoBackends.EcdsaGenerate(exporter);
            using EcdsaP256PrivateKey copy = CryptoBackends.EcdsaImportPkcs8(importer, original.ExportPkcs8());

            Assert.Equal(original.PublicKey.Point, copy.PublicKey.Point);
            byte[] data = { 1, 2, 3 };
            Assert.True(original.PublicKey.Verify(data, copy.Sign(data)));
            Assert.True(copy.PublicKey.Verify(data, original.Sign(data)));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Pairs), MemberType = typeof(CryptoBackends))]
        public void EcdhSecretsAgreeAcrossBackends(string first, string second)
        {
            using EcdhP256 a = CryptoBackends.EcdhGenerate(first);
            using EcdhP256 b = CryptoBackends.EcdhGenerate(second);

            byte[] secretOfA = a.DeriveSharedSecret(b.PublicKey);
            byte[] secretOfB = b.DeriveSharedSecret(a.PublicKey);

            Assert.Equal(EcdhP256.SharedSecretSize, secretOfA.Length);
            Assert.Equal(secretOfA, secretOfB);
            Assert.NotEqual(new byte[EcdhP256.SharedSecretSize], secretOfA);
        }

        [Fact]
        public void EcdhFromTheSameScalarGivesTheSameKeysOnBothBackends()
        {
            byte[] scalar = RandomNumberGenerator.GetBytes(31); // below n
            using EcdhP256 peer = CryptoBackends.EcdhGenerate(CryptoBackends.Bcl);
            using EcdhP256 bcl = CryptoBackends.EcdhImport(CryptoBackends.Bcl, scalar);
            using EcdhP256 bouncyCastle = CryptoBackends.EcdhImport(CryptoBackends.BouncyCastle, scalar);

            Assert.Equal(bcl.PublicKey, bouncyCastle.PublicKey);
            Assert.Equal(bcl.DeriveSharedSecret(peer.PublicKey), bouncyCastle.DeriveSharedSecret(peer.PublicKey));
        }

        [Fact]
        public void HkdfOutputsAgreeAcrossBackends()
        {
            var random = new Random(5869);
            for (int i = 0; i < 50; i++)
            {
                byte[] ikm = Bytes(random, random.Next(0, 100));
                byte[]? salt = i % 5 == 0 ? null : Bytes(random, random.Next(0, 100));
                byte[]? info = i % 7 == 0 ? null : Bytes(random, random.Next(0, 100));
                int length = i switch { 0 => 1, 1 => HkdfSha256.MaxOutputLength, _ => random.Next(1, 200) };

                byte[] expected = CryptoBackends.HkdfDeriveKey(CryptoBackends.Bcl, ikm, salt, info, length);
                Assert.Equal(length, expected.Length);
                Assert.Equal(expected, CryptoBackends.HkdfDeriveKey(CryptoBackends.BouncyCastle, ikm, salt, info, length));

                byte[] prk = CryptoBackends.HkdfExtract(CryptoBackends.Bcl, salt, ikm);
                Assert.Equal(prk, CryptoBackends.HkdfExtract(CryptoBackends.BouncyCastle, salt, ikm));
                Assert.Equal(expected, CryptoBackends.HkdfExpand(CryptoBackends.BouncyCastle, prk, info, length));
                Assert.Equal(expected, HkdfSha256.DeriveKey(ikm, salt, info, length));
            }
        }

        private static byte[] Bytes(Random random, int length)
        {
            byte[] bytes = new byte[length];
            random.NextBytes(bytes);
            return bytes;
        }
    }
}
