#if NET8_0_OR_GREATER
using System;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The .NET (8 and later) backend of <see cref="AesGcm256"/>: the platform's AesGcm. The base
    /// class serializes calls, which AesGcm needs (on OpenSSL it holds one cipher context).
    /// </summary>
    internal sealed class BclAesGcm256 : AesGcm256
    {
        private readonly AesGcm aes;

        /// <summary>The key has been checked by <see cref="AesGcm256"/>.</summary>
        internal BclAesGcm256(byte[] key)
        {
            aes = new AesGcm(key, TagSize);
        }

        private protected override void SealCore(
            byte[] nonce, byte[] plaintext, int plaintextOffset, int plaintextCount, byte[] aad, int aadOffset, int aadCount, byte[] destination, int destinationOffset)
        {
            aes.Encrypt(
                nonce,
                plaintext.AsSpan(plaintextOffset, plaintextCount),
                destination.AsSpan(destinationOffset, plaintextCount),
                destination.AsSpan(destinationOffset + plaintextCount, TagSize),
                aad.AsSpan(aadOffset, aadCount));
        }

        private protected override bool TryOpenCore(
            byte[] nonce, byte[] input, int offset, int count, byte[] aad, int aadOffset, int aadCount, out byte[]? plaintext)
        {
            int length = count - TagSize;
            byte[] output = new byte[length];
            try
            {
                aes.Decrypt(
                    nonce,
                    input.AsSpan(offset, length),
                    input.AsSpan(offset + length, TagSize),
                    output,
                    aad.AsSpan(aadOffset, aadCount));
            }
            catch (CryptographicException)
            {
                // AuthenticationTagMismatchException: the platform has already cleared the output.
                plaintext = null;
                return false;
            }

            plaintext = output;
            return true;
        }

        private protected override void DisposeCore() => aes.Dispose();
    }
}
#endif
