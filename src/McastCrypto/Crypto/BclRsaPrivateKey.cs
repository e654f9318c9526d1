#if NET8_0_OR_GREATER
using System;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>An RSA private key held by the platform's RSA; it is never exported.</summary>
    internal sealed class BclRsaPrivateKey : RsaPrivateKey
    {
        private readonly RSA rsa;
        private readonly BclRsaPublicKey publicKey;

        /// <summary>One operation at a time on <see cref="rsa"/>, and none once it is disposed.</summary>
        private readonly object gate = new object();
        private bool disposed;

        /// <summary>Takes ownership of <paramref name="rsa"/>.</summary>
        internal BclRsaPrivateKey(RSA rsa, BclRsaPublicKey publicKey)
        {
            this.rsa = rsa;
            this.publicKey = publicKey;
        }

        public override RsaPublicKey PublicKey => publicKey;

        public override bool TryDecrypt(byte[] ciphertext, out byte[]? plaintext)
        {
            plaintext = null;
            lock (gate)
            {
                if (disposed)
                {
                    throw new ObjectDisposedException(nameof(RsaPrivateKey));
                }

                // Only a block of the modulus length can be a ciphertext; skip the private-key
                // operation (and the exception) for anything else.
                if (ciphertext is null || ciphertext.Length != publicKey.KeySizeBytes)
                {
                    return false;
                }

                try
                {
                    plaintext = rsa.Decrypt(ciphertext, RSAEncryptionPadding.OaepSHA256);
                    return true;
                }
                catch (CryptographicException)
                {
                    // Bad padding, another key's block, a value not below the modulus: all the same
                    // to the caller, who must not learn which (Manger's attack).
                    return false;
                }
            }
        }

        internal override byte[] ExportPkcs8()
        {
            lock (gate)
            {
                if (disposed)
                {
                    throw new ObjectDisposedException(nameof(RsaPrivateKey));
                }

                return rsa.ExportPkcs8PrivateKey();
            }
        }

        public override void Dispose()
        {
            lock (gate)
            {
                if (!disposed)
                {
                    disposed = true;
                    rsa.Dispose();
                }
            }
        }
    }
}
#endif
