#if NET8_0_OR_GREATER
using System;
using System.Globalization;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>The .NET (8 and later) backend of <see cref="RsaOaep"/>: the platform's RSA (OpenSSL, CNG, Apple).</summary>
    internal static class BclRsaOaep
    {
        /// <summary>Generates a key pair; the platform uses public exponent 65537.</summary>
        internal static RsaPrivateKey Generate(int keySizeBits)
        {
            RSA rsa = RSA.Create(keySizeBits);
            return Adopt(rsa);
        }

        /// <summary>Wraps a checked public key.</summary>
        internal static RsaPublicKey CreatePublicKey(RsaSpki spki) => new BclRsaPublicKey(spki);

        /// <summary>
        /// Imports an unencrypted PKCS#8 RSA private key (for tests with known keys). The public half
        /// must pass the same checks as an imported public key.
        /// </summary>
        /// <exception cref="CryptographicException">The bytes are not such a key.</exception>
        internal static RsaPrivateKey ImportPkcs8(byte[] pkcs8)
        {
            if (pkcs8 is null)
            {
                throw new ArgumentNullException(nameof(pkcs8));
            }

            RSA rsa = RSA.Create();
            try
            {
                rsa.ImportPkcs8PrivateKey(pkcs8, out int read);
                if (read != pkcs8.Length)
                {
                    throw new CryptographicException(string.Format(
                        CultureInfo.InvariantCulture,
                        "The PKCS#8 private key has {0} trailing bytes.",
                        pkcs8.Length - read));
                }
            }
            catch
            {
                rsa.Dispose();
                throw;
            }

            return Adopt(rsa);
        }

        /// <summary>Makes <paramref name="rsa"/>, which holds a private key, into an <see cref="RsaPrivateKey"/> that owns it.</summary>
        private static RsaPrivateKey Adopt(RSA rsa)
        {
            try
            {
                RsaSpki spki = RsaSpki.Parse(rsa.ExportSubjectPublicKeyInfo());
                return new BclRsaPrivateKey(rsa, new BclRsaPublicKey(spki));
            }
            catch
            {
                rsa.Dispose();
                throw;
            }
        }
    }
}
#endif
