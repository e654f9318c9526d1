using System;
using System.Globalization;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// RSA-OAEP with SHA-256, MGF1-SHA-256 and no label (the Classic protocol's cipher): key
    /// generation and public key import. On .NET 8 and later the platform's RSA does the work; on
    /// netstandard2.0 (Windows PowerShell 5.1, whose RSACryptoServiceProvider has no OAEP-SHA256)
    /// BouncyCastle does. Both accept the same keys and produce interchangeable ciphertexts.
    /// </summary>
    public static class RsaOaep
    {
        /// <summary>The key size the protocol uses: 2048 bits.</summary>
        public const int DefaultKeySizeBits = 2048;

        /// <summary>The smallest modulus accepted, generated or imported: 2048 bits.</summary>
        public const int MinKeySizeBits = 2048;

        /// <summary>The largest modulus accepted, generated or imported: 4096 bits.</summary>
        public const int MaxKeySizeBits = 4096;

        /// <summary>The PEM label of a SubjectPublicKeyInfo.</summary>
        internal const string PemLabel = "PUBLIC KEY";

        /// <summary>Far above the 800 or so characters of an RSA-4096 public key PEM; bounds the work on hostile input.</summary>
        private const int MaxPemLength = 8192;

        /// <summary>
        /// Generates a new key pair with public exponent 65537.
        /// </summary>
        /// <param name="keySizeBits">The modulus size: a multiple of 8 from <see cref="MinKeySizeBits"/> to <see cref="MaxKeySizeBits"/>.</param>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="keySizeBits"/> is not an accepted size.</exception>
        public static RsaPrivateKey Generate(int keySizeBits = DefaultKeySizeBits)
        {
            if (keySizeBits < MinKeySizeBits || keySizeBits > MaxKeySizeBits || keySizeBits % 8 != 0)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(keySizeBits),
                    keySizeBits,
                    string.Format(
                        CultureInfo.InvariantCulture,
                        "The key size must be a multiple of 8 from {0} to {1} bits.",
                        MinKeySizeBits,
                        MaxKeySizeBits));
            }

#if NET8_0_OR_GREATER
            return BclRsaOaep.Generate(keySizeBits);
#else
            return BouncyCastleRsaOaep.Generate(keySizeBits);
#endif
        }

        /// <summary>
        /// Reads an unencrypted PKCS#8 RSA private key (an <see cref="IdentityKeyFile"/>). Its public
        /// half must pass the checks of <see cref="ImportPublicKey"/>.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="pkcs8"/> is null.</exception>
        /// <exception cref="CryptographicException">The bytes are not such a key; the message says why.</exception>
        internal static RsaPrivateKey ImportPkcs8(byte[] pkcs8)
        {
#if NET8_0_OR_GREATER
            return BclRsaOaep.ImportPkcs8(pkcs8);
#else
            return BouncyCastleRsaOaep.ImportPkcs8(pkcs8);
#endif
        }

        /// <summary>
        /// Reads an RSA public key from a DER SubjectPublicKeyInfo, as received from the network.
        /// </summary>
        /// <param name="subjectPublicKeyInfo">The DER bytes.</param>
        /// <exception cref="ArgumentNullException"><paramref name="subjectPublicKeyInfo"/> is null.</exception>
        /// <exception cref="CryptographicException">
        /// The bytes are not an acceptable RSA public key: not a DER SubjectPublicKeyInfo, not
        /// rsaEncryption, a modulus outside <see cref="MinKeySizeBits"/> to <see cref="MaxKeySizeBits"/>
        /// bits, a public exponent that is even, below 3 or over 32 bits, not canonical DER, or
        /// trailing bytes. The message says which. No other exception comes from bad bytes.
        /// </exception>
        public static RsaPublicKey ImportPublicKey(byte[] subjectPublicKeyInfo)
        {
            RsaSpki spki = RsaSpki.Parse(subjectPublicKeyInfo);
#if NET8_0_OR_GREATER
            return BclRsaOaep.CreatePublicKey(spki);
#else
            return BouncyCastleRsaOaep.CreatePublicKey(spki);
#endif
        }

        /// <summary>
        /// Reads an RSA public key from PEM text with the label <c>PUBLIC KEY</c> (a SubjectPublicKeyInfo),
        /// as <see cref="RsaPublicKey.ToPem"/> and Python's <c>cryptography</c> write it. Accepts "\n" or
        /// "\r\n" line ends, a final line end or none, and white space around the block.
        /// </summary>
        /// <param name="pem">The PEM text.</param>
        /// <exception cref="ArgumentNullException"><paramref name="pem"/> is null.</exception>
        /// <exception cref="CryptographicException">
        /// The text is not one PEM block labelled <c>PUBLIC KEY</c> holding an acceptable RSA public
        /// key (see <see cref="ImportPublicKey"/>); the message says why. No other exception comes
        /// from bad text.
        /// </exception>
        public static RsaPublicKey ImportPublicKeyPem(string pem)
        {
            if (pem is null)
            {
                throw new ArgumentNullException(nameof(pem));
            }

            if (pem.Length > MaxPemLength)
            {
                throw new CryptographicException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The PEM text is {0} characters long; an RSA public key of at most {1} bits needs well under {2}.",
                    pem.Length,
                    MaxKeySizeBits,
                    MaxPemLength));
            }

            return ImportPublicKey(Pem.Decode(PemLabel, pem));
        }
    }
}
