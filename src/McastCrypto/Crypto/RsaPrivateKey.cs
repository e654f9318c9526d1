using System;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An RSA private key for RSA-OAEP with SHA-256 and MGF1-SHA-256 and no label. Its public API
    /// never gives out its private part: it only decrypts. Get one from <see cref="RsaOaep.Generate"/>,
    /// or keep it in a file, readable by its owner alone, with <see cref="IdentityKeyFile"/>.
    /// <see cref="TryDecrypt"/> may be called from several threads at once.
    /// </summary>
    public abstract class RsaPrivateKey : IDisposable
    {
        /// <summary>Only this assembly's backends derive from this class.</summary>
        private protected RsaPrivateKey()
        {
        }

        /// <summary>The public half of the key. It stays usable after this key is disposed.</summary>
        public abstract RsaPublicKey PublicKey { get; }

        /// <summary>
        /// Decrypts one RSA-OAEP (SHA-256, MGF1-SHA-256, no label) block. Never throws for any
        /// input: null, a wrong length, a ciphertext for another key, bad padding or a value out of
        /// range all just return false, and which of them it was is not told.
        /// </summary>
        /// <param name="ciphertext">The block, <see cref="RsaPublicKey.KeySizeBytes"/> bytes long.</param>
        /// <param name="plaintext">The plaintext when the result is true; null otherwise.</param>
        /// <returns>True when the block decrypted under this key.</returns>
        /// <exception cref="ObjectDisposedException">The key has been disposed (a use after dispose, not a bad input).</exception>
        public abstract bool TryDecrypt(byte[] ciphertext, out byte[]? plaintext);

        /// <summary>
        /// The key as DER PKCS#8 (an unencrypted PrivateKeyInfo), for <see cref="IdentityKeyFile"/>
        /// alone. A key made outside this assembly's backends cannot be exported.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
        /// <exception cref="NotSupportedException">The key is not one of this assembly's backends.</exception>
        internal virtual byte[] ExportPkcs8() => throw new NotSupportedException("This RSA private key cannot be exported.");

        /// <summary>Releases the key. Later calls to <see cref="TryDecrypt"/> throw <see cref="ObjectDisposedException"/>.</summary>
        public abstract void Dispose();
    }
}
