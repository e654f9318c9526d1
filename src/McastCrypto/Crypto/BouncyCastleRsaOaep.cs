using System;
using System.Globalization;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The BouncyCastle backend of <see cref="RsaOaep"/>, used on netstandard2.0 and compiled into
    /// every build so that the .NET 8 tests cover it too.
    /// </summary>
    internal static class BouncyCastleRsaOaep
    {
        /// <summary>The certainty (1 - 2^-100) that generated factors are prime; BouncyCastle's default.</summary>
        private const int PrimeCertainty = 100;

        private static readonly BigInteger PublicExponent = BigInteger.ValueOf(65537);

        /// <summary>Generates a key pair with public exponent 65537.</summary>
        internal static RsaPrivateKey Generate(int keySizeBits)
        {
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(PublicExponent, BouncyCastleRandom.Shared, keySizeBits, PrimeCertainty));
            return Adopt((RsaPrivateCrtKeyParameters)generator.GenerateKeyPair().Private);
        }

        /// <summary>Wraps a checked public key.</summary>
        internal static RsaPublicKey CreatePublicKey(RsaSpki spki) => new BouncyCastleRsaPublicKey(spki);

        /// <summary>
        /// Imports an unencrypted PKCS#8 RSA private key with CRT parameters (for tests with known
        /// keys). The public half must pass the same checks as an imported public key.
        /// </summary>
        /// <exception cref="CryptographicException">The bytes are not such a key.</exception>
        internal static RsaPrivateKey ImportPkcs8(byte[] pkcs8)
        {
            if (pkcs8 is null)
            {
                throw new ArgumentNullException(nameof(pkcs8));
            }

            AsymmetricKeyParameter key;
            try
            {
                key = PrivateKeyFactory.CreateKey(pkcs8);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The bytes are not a PKCS#8 private key: {0}", ex.Message),
                    ex);
            }

            if (!(key is RsaPrivateCrtKeyParameters rsa))
            {
                throw new CryptographicException("The PKCS#8 private key is not an RSA key with CRT parameters.");
            }

            return Adopt(rsa);
        }

        /// <summary>A fresh OAEP (SHA-256, MGF1-SHA-256, no label) cipher: a few small objects, cheaper than sharing one under a lock.</summary>
        internal static OaepEncoding CreateOaep(IAsymmetricBlockCipher engine) =>
            new OaepEncoding(engine, new Sha256Digest(), new Sha256Digest(), null);

        private static RsaPrivateKey Adopt(RsaPrivateCrtKeyParameters key)
        {
            RsaSpki spki = RsaSpki.FromPublicKey(key.Modulus, key.PublicExponent);
            return new BouncyCastleRsaPrivateKey(key, new BouncyCastleRsaPublicKey(spki));
        }
    }
}
