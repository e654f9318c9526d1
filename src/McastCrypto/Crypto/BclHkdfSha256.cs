#if NET8_0_OR_GREATER
using System;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>The .NET (8 and later) backend of <see cref="HkdfSha256"/>: the platform's HKDF.</summary>
    internal static class BclHkdfSha256
    {
        internal static byte[] Extract(byte[]? salt, byte[] ikm)
        {
            HkdfSha256.CheckExtract(ikm);
            return HKDF.Extract(HashAlgorithmName.SHA256, ikm, salt ?? Array.Empty<byte>());
        }

        internal static byte[] Expand(byte[] prk, byte[]? info, int length)
        {
            HkdfSha256.CheckExpand(prk, length);
            return HKDF.Expand(HashAlgorithmName.SHA256, prk, length, info ?? Array.Empty<byte>());
        }

        internal static byte[] DeriveKey(byte[] ikm, byte[]? salt, byte[]? info, int length)
        {
            HkdfSha256.CheckExtract(ikm);
            HkdfSha256.CheckLength(length);
            return HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, length, salt ?? Array.Empty<byte>(), info ?? Array.Empty<byte>());
        }
    }
}
#endif
