using System;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// The two backends of the Secure protocol's primitives (AES-GCM, ECDH, ECDSA, HKDF), by the
    /// names <see cref="RsaBackends"/> uses, so theories run every test against each. Every factory
    /// goes through the same checks as the public API and differs only in the backend it picks.
    /// </summary>
    internal static class CryptoBackends
    {
        internal const string Bcl = RsaBackends.Bcl;
        internal const string BouncyCastle = RsaBackends.BouncyCastle;

        /// <summary>Theory data: each backend's name.</summary>
        public static TheoryData<string> Names => RsaBackends.Names;

        /// <summary>Theory data: every (producing backend, consuming backend) pair, the crossed ones too.</summary>
        public static TheoryData<string, string> Pairs => RsaBackends.Pairs;

        internal static AesGcm256 Aes(string backend, byte[] key) => backend switch
        {
            Bcl => AesGcm256.CreateBcl(key),
            BouncyCastle => AesGcm256.CreateBouncyCastle(key),
            _ => throw Unknown(backend),
        };

        internal static EcdhP256 EcdhGenerate(string backend) => backend switch
        {
            Bcl => BclEcdhP256.Generate(),
            BouncyCastle => BouncyCastleEcdhP256.Generate(),
            _ => throw Unknown(backend),
        };

        /// <summary>A key pair from a known scalar (big-endian, leading zeros allowed), checked as <see cref="EcdhP256.ImportPrivateKey"/> does.</summary>
        internal static EcdhP256 EcdhImport(string backend, byte[] scalar) => backend switch
        {
            Bcl => BclEcdhP256.FromScalar(P256.ReadScalar(scalar)),
            BouncyCastle => BouncyCastleEcdhP256.FromScalar(P256.ReadScalar(scalar)),
            _ => throw Unknown(backend),
        };

        internal static EcdsaP256PrivateKey EcdsaGenerate(string backend) => backend switch
        {
            Bcl => BclEcdsaP256PrivateKey.Generate(),
            BouncyCastle => BouncyCastleEcdsaP256PrivateKey.Generate(),
            _ => throw Unknown(backend),
        };

        /// <summary>A private key from DER PKCS#8, checked as <see cref="EcdsaP256PrivateKey.ImportPkcs8Pem"/> does.</summary>
        internal static EcdsaP256PrivateKey EcdsaImportPkcs8(string backend, byte[] pkcs8)
        {
            var d = EcdsaP256PrivateKey.ReadScalar(Pkcs8PrivateKey.Parse(pkcs8));
            return backend switch
            {
                Bcl => BclEcdsaP256PrivateKey.FromScalar(d),
                BouncyCastle => BouncyCastleEcdsaP256PrivateKey.FromScalar(d),
                _ => throw Unknown(backend),
            };
        }

        /// <summary>A public key from an uncompressed point, checked as <see cref="EcdsaP256PublicKey.Import"/> does.</summary>
        internal static EcdsaP256PublicKey EcdsaImport(string backend, byte[] point)
        {
            var q = P256.DecodePoint(point);
            byte[] copy = (byte[])point.Clone();
            return backend switch
            {
                Bcl => new BclEcdsaP256PublicKey(copy),
                BouncyCastle => new BouncyCastleEcdsaP256PublicKey(copy, q),
                _ => throw Unknown(backend),
            };
        }

        /// <summary>A public key from a DER SubjectPublicKeyInfo, checked as <see cref="EcdsaP256PublicKey.ImportSubjectPublicKeyInfo"/> does.</summary>
        internal static EcdsaP256PublicKey EcdsaImportSpki(string backend, byte[] spki) =>
            EcdsaImport(backend, P256.ReadSubjectPublicKeyInfo(spki));

        internal static byte[] HkdfExtract(string backend, byte[]? salt, byte[] ikm) => backend switch
        {
            Bcl => BclHkdfSha256.Extract(salt, ikm),
            BouncyCastle => BouncyCastleHkdfSha256.Extract(salt, ikm),
            _ => throw Unknown(backend),
        };

        internal static byte[] HkdfExpand(string backend, byte[] prk, byte[]? info, int length) => backend switch
        {
            Bcl => BclHkdfSha256.Expand(prk, info, length),
            BouncyCastle => BouncyCastleHkdfSha256.Expand(prk, info, length),
            _ => throw Unknown(backend),
        };

        internal static byte[] HkdfDeriveKey(string backend, byte[] ikm, byte[]? salt, byte[]? info, int length) => backend switch
        {
            Bcl => BclHkdfSha256.DeriveKey(ikm, salt, info, length),
            BouncyCastle => BouncyCastleHkdfSha256.DeriveKey(ikm, salt, info, length),
            _ => throw Unknown(backend),
        };

        private static ArgumentOutOfRangeException Unknown(string backend) =>
            new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend.");
    }
}
