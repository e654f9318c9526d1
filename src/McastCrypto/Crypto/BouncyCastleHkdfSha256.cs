using System;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The BouncyCastle backend of <see cref="HkdfSha256"/>, used on netstandard2.0 and compiled
    /// into every build so that the .NET 8 tests cover it too.
    /// </summary>
    internal static class BouncyCastleHkdfSha256
    {
        /// <summary>
        /// HKDF-Extract is by definition HMAC-SHA-256 keyed with the salt (RFC 5869, 2.2);
        /// HkdfBytesGenerator computes it only internally, so BouncyCastle's HMAC does it here.
        /// </summary>
        internal static byte[] Extract(byte[]? salt, byte[] ikm)
        {
            HkdfSha256.CheckExtract(ikm);
            var hmac = new HMac(new Sha256Digest());
            hmac.Init(new KeyParameter(salt is null || salt.Length == 0 ? new byte[HkdfSha256.HashSize] : salt));
            hmac.BlockUpdate(ikm, 0, ikm.Length);
            byte[] prk = new byte[HkdfSha256.HashSize];
            hmac.DoFinal(prk, 0);
            return prk;
        }

        internal static byte[] Expand(byte[] prk, byte[]? info, int length)
        {
            HkdfSha256.CheckExpand(prk, length);
            return Generate(HkdfParameters.SkipExtractParameters(prk, info ?? Array.Empty<byte>()), length);
        }

        internal static byte[] DeriveKey(byte[] ikm, byte[]? salt, byte[]? info, int length)
        {
            HkdfSha256.CheckExtract(ikm);
            HkdfSha256.CheckLength(length);

            // BouncyCastle takes a null salt as 32 zero bytes, as RFC 5869 says for a missing one;
            // an empty salt is the same key to HMAC, but say so plainly.
            byte[]? bcSalt = salt is null || salt.Length == 0 ? null : salt;
            return Generate(new HkdfParameters(ikm, bcSalt, info ?? Array.Empty<byte>()), length);
        }

        private static byte[] Generate(HkdfParameters parameters, int length)
        {
            var hkdf = new HkdfBytesGenerator(new Sha256Digest());
            hkdf.Init(parameters);
            byte[] okm = new byte[length];
            hkdf.GenerateBytes(okm, 0, length);
            return okm;
        }
    }
}
