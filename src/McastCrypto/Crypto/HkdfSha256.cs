using System;
using System.Globalization;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// HKDF with HMAC-SHA-256 (RFC 5869), for deriving the Secure protocol's keys from an ECDH
    /// secret and the handshake transcript. On .NET 8 and later the platform's HKDF does the work;
    /// on netstandard2.0 BouncyCastle does. Both give identical output. Stateless and thread-safe.
    /// </summary>
    public static class HkdfSha256
    {
        /// <summary>The length of SHA-256 and of a pseudorandom key (PRK): 32 bytes.</summary>
        public const int HashSize = 32;

        /// <summary>The longest output of Expand: 255 * 32 = 8160 bytes.</summary>
        public const int MaxOutputLength = 255 * HashSize;

        /// <summary>HKDF-Extract: a pseudorandom key from input keying material.</summary>
        /// <param name="salt">The salt; null or empty means 32 zero bytes (RFC 5869).</param>
        /// <param name="ikm">The input keying material (such as an ECDH secret); may be empty.</param>
        /// <returns>The pseudorandom key, 32 bytes.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="ikm"/> is null.</exception>
        public static byte[] Extract(byte[]? salt, byte[] ikm)
        {
#if NET8_0_OR_GREATER
            return BclHkdfSha256.Extract(salt, ikm);
#else
            return BouncyCastleHkdfSha256.Extract(salt, ikm);
#endif
        }

        /// <summary>HKDF-Expand: output keying material from a pseudorandom key.</summary>
        /// <param name="prk">The pseudorandom key: at least 32 bytes (the output of <see cref="Extract"/>).</param>
        /// <param name="info">Context that binds the output to its use; null is the same as empty.</param>
        /// <param name="length">The number of bytes wanted: 1 to <see cref="MaxOutputLength"/>.</param>
        /// <exception cref="ArgumentNullException"><paramref name="prk"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="prk"/> is shorter than 32 bytes.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is out of range.</exception>
        public static byte[] Expand(byte[] prk, byte[]? info, int length)
        {
#if NET8_0_OR_GREATER
            return BclHkdfSha256.Expand(prk, info, length);
#else
            return BouncyCastleHkdfSha256.Expand(prk, info, length);
#endif
        }

        /// <summary>HKDF: Extract then Expand.</summary>
        /// <param name="ikm">The input keying material; may be empty.</param>
        /// <param name="salt">The salt; null or empty means 32 zero bytes.</param>
        /// <param name="info">Context that binds the output to its use; null is the same as empty.</param>
        /// <param name="length">The number of bytes wanted: 1 to <see cref="MaxOutputLength"/>.</param>
        /// <exception cref="ArgumentNullException"><paramref name="ikm"/> is null.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="length"/> is out of range.</exception>
        public static byte[] DeriveKey(byte[] ikm, byte[]? salt, byte[]? info, int length)
        {
#if NET8_0_OR_GREATER
            return BclHkdfSha256.DeriveKey(ikm, salt, info, length);
#else
            return BouncyCastleHkdfSha256.DeriveKey(ikm, salt, info, length);
#endif
        }

        /// <summary>The argument checks of Extract, shared by the backends.</summary>
        internal static void CheckExtract(byte[] ikm)
        {
            if (ikm is null)
            {
                throw new ArgumentNullException(nameof(ikm));
            }
        }

        /// <summary>The argument checks of Expand, shared by the backends.</summary>
        internal static void CheckExpand(byte[] prk, int length)
        {
            if (prk is null)
            {
                throw new ArgumentNullException(nameof(prk));
            }

            if (prk.Length < HashSize)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The pseudorandom key is {0} bytes long; HKDF-SHA-256 needs at least {1}.", prk.Length, HashSize),
                    nameof(prk));
            }

            CheckLength(length);
        }

        /// <summary>Throws unless 1 &lt;= <paramref name="length"/> &lt;= 8160.</summary>
        internal static void CheckLength(int length)
        {
            if (length < 1 || length > MaxOutputLength)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(length),
                    length,
                    string.Format(CultureInfo.InvariantCulture, "HKDF-SHA-256 gives 1 to {0} bytes.", MaxOutputLength));
            }
        }
    }
}
