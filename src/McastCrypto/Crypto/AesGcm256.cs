using System;
using System.Globalization;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// AES-256-GCM with a 96-bit nonce and a 128-bit tag, the Secure protocol's AEAD. On .NET 8 and
    /// later the platform's AesGcm does the work (OpenSSL, CNG, Apple); on netstandard2.0, or where
    /// the platform has no AES-GCM, BouncyCastle does. Both produce identical output.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A nonce must never be used twice with one key: that reveals the XOR of the two plaintexts
    /// and lets anyone forge tags. The caller makes nonces unique (a counter, as the Secure
    /// protocol's sequence numbers). <see cref="Seal(byte[], ArraySegment{byte}, ArraySegment{byte}, byte[], int)"/>
    /// refuses only the crudest mistake, the nonce of this instance's previous seal, on both backends.
    /// </para>
    /// <para>
    /// Thread-safe: calls on one instance may come from several threads; they run one at a time
    /// under a lock (neither backend's cipher object may be used by two threads at once). For
    /// parallel throughput use one instance per thread.
    /// </para>
    /// </remarks>
    public abstract class AesGcm256 : IDisposable
    {
        /// <summary>The key length in bytes: 32 (AES-256).</summary>
        public const int KeySize = 32;

        /// <summary>The nonce length in bytes: 12 (96 bits, the length GCM is designed for).</summary>
        public const int NonceSize = 12;

        /// <summary>The tag length in bytes: 16 (128 bits).</summary>
        public const int TagSize = 16;

        private readonly object gate = new object();
        private readonly byte[] lastSealNonce = new byte[NonceSize];
        private bool hasSealed;
        private bool disposed;

        /// <summary>Only this assembly's backends derive from this class.</summary>
        private protected AesGcm256()
        {
        }

        /// <summary>Makes a cipher with the given key.</summary>
        /// <param name="key">The key: <see cref="KeySize"/> bytes. The cipher keeps its own copy.</param>
        /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="key"/> is not 32 bytes long.</exception>
        public static AesGcm256 Create(byte[] key)
        {
            CheckKey(key);
#if NET8_0_OR_GREATER
            if (AesGcm.IsSupported)
            {
                return new BclAesGcm256(key);
            }
#endif
            return new BouncyCastleAesGcm256(key);
        }

#if NET8_0_OR_GREATER
        /// <summary>The platform's backend, for tests.</summary>
        internal static AesGcm256 CreateBcl(byte[] key)
        {
            CheckKey(key);
            return new BclAesGcm256(key);
        }
#endif

        /// <summary>The BouncyCastle backend, for tests.</summary>
        internal static AesGcm256 CreateBouncyCastle(byte[] key)
        {
            CheckKey(key);
            return new BouncyCastleAesGcm256(key);
        }

        /// <summary>Encrypts and authenticates <paramref name="plaintext"/>.</summary>
        /// <param name="nonce">The nonce: <see cref="NonceSize"/> bytes, never used before with this key.</param>
        /// <param name="plaintext">The message; may be empty.</param>
        /// <param name="associatedData">Data authenticated but not encrypted; null is the same as empty.</param>
        /// <returns>The ciphertext followed by the tag: <c>plaintext.Length + 16</c> bytes.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="nonce"/> or <paramref name="plaintext"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="nonce"/> is not 12 bytes, or is the nonce of this instance's previous seal.</exception>
        /// <exception cref="ObjectDisposedException">The cipher has been disposed.</exception>
        public byte[] Seal(byte[] nonce, byte[] plaintext, byte[]? associatedData)
        {
            if (plaintext is null)
            {
                throw new ArgumentNullException(nameof(plaintext));
            }

            return Seal(nonce, new ArraySegment<byte>(plaintext), Segment(associatedData));
        }

        /// <summary>Encrypts and authenticates a slice of a buffer; see <see cref="Seal(byte[], byte[], byte[])"/>.</summary>
        /// <param name="nonce">The nonce: <see cref="NonceSize"/> bytes, never used before with this key.</param>
        /// <param name="plaintext">The message; may be empty, but not a default segment.</param>
        /// <param name="associatedData">Data authenticated but not encrypted; a default segment is the same as empty.</param>
        /// <returns>The ciphertext followed by the tag.</returns>
        public byte[] Seal(byte[] nonce, ArraySegment<byte> plaintext, ArraySegment<byte> associatedData)
        {
            if (plaintext.Array is null)
            {
                throw new ArgumentNullException(nameof(plaintext));
            }

            byte[] output = new byte[checked(plaintext.Count + TagSize)];
            Seal(nonce, plaintext, associatedData, output, 0);
            return output;
        }

        /// <summary>
        /// Encrypts and authenticates a slice of a buffer into another buffer, so that a datagram
        /// can be assembled (header, then sealed payload) without copying.
        /// </summary>
        /// <param name="nonce">The nonce: <see cref="NonceSize"/> bytes, never used before with this key.</param>
        /// <param name="plaintext">The message; may be empty, but not a default segment.</param>
        /// <param name="associatedData">Data authenticated but not encrypted; a default segment is the same as empty.</param>
        /// <param name="destination">Receives the ciphertext and then the tag; must not overlap the inputs.</param>
        /// <param name="destinationOffset">Where in <paramref name="destination"/> to write.</param>
        /// <returns>The number of bytes written: <c>plaintext.Count + 16</c>.</returns>
        /// <exception cref="ArgumentNullException">The nonce, the plaintext or the destination is null.</exception>
        /// <exception cref="ArgumentException">
        /// The nonce is not 12 bytes or repeats this instance's previous seal, the destination is
        /// too short, or it overlaps an input.
        /// </exception>
        /// <exception cref="ObjectDisposedException">The cipher has been disposed.</exception>
        public int Seal(byte[] nonce, ArraySegment<byte> plaintext, ArraySegment<byte> associatedData, byte[] destination, int destinationOffset)
        {
            if (nonce is null)
            {
                throw new ArgumentNullException(nameof(nonce));
            }

            if (nonce.Length != NonceSize)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The nonce is {0} bytes long; AES-256-GCM here takes {1}.", nonce.Length, NonceSize),
                    nameof(nonce));
            }

            if (plaintext.Array is null)
            {
                throw new ArgumentNullException(nameof(plaintext));
            }

            if (destination is null)
            {
                throw new ArgumentNullException(nameof(destination));
            }

            int length = checked(plaintext.Count + TagSize);
            if (destinationOffset < 0 || destinationOffset > destination.Length || destination.Length - destinationOffset < length)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The destination has no room for {0} bytes at offset {1}.", length, destinationOffset),
                    nameof(destination));
            }

            if (Overlaps(destination, destinationOffset, length, plaintext) || Overlaps(destination, destinationOffset, length, associatedData))
            {
                throw new ArgumentException("The destination overlaps the plaintext or the associated data.", nameof(destination));
            }

            byte[] aad = associatedData.Array ?? Array.Empty<byte>();
            lock (gate)
            {
                ThrowIfDisposed();
                if (hasSealed && SameNonce(nonce, lastSealNonce))
                {
                    throw new ArgumentException("The nonce is the one this cipher sealed with last; a nonce must never be used twice with a key.", nameof(nonce));
                }

                SealCore(nonce, plaintext.Array, plaintext.Offset, plaintext.Count, aad, associatedData.Offset, associatedData.Count, destination, destinationOffset);
                Buffer.BlockCopy(nonce, 0, lastSealNonce, 0, NonceSize);
                hasSealed = true;
            }

            return length;
        }

        /// <summary>
        /// Checks and decrypts the output of <see cref="Seal(byte[], byte[], byte[])"/>. Never throws
        /// for any input: a null or wrong-length nonce, data shorter than a tag, a wrong tag, other
        /// associated data all return false.
        /// </summary>
        /// <param name="nonce">The nonce it was sealed with.</param>
        /// <param name="sealedData">The ciphertext followed by the tag.</param>
        /// <param name="associatedData">The associated data it was sealed with; null is the same as empty.</param>
        /// <param name="plaintext">The plaintext when the result is true; null otherwise.</param>
        /// <returns>True when the tag is right and the plaintext is returned.</returns>
        /// <exception cref="ObjectDisposedException">The cipher has been disposed (a use after dispose, not a bad input).</exception>
        public bool TryOpen(byte[] nonce, byte[] sealedData, byte[]? associatedData, out byte[]? plaintext)
        {
            return TryOpen(nonce, Segment(sealedData), Segment(associatedData), out plaintext);
        }

        /// <summary>
        /// Checks and decrypts a slice of a buffer (a datagram's payload, with its header as the
        /// associated data) without copying it first; see <see cref="TryOpen(byte[], byte[], byte[], out byte[])"/>.
        /// Never throws for any input; a default segment as <paramref name="sealedData"/> returns false.
        /// </summary>
        /// <param name="nonce">The nonce it was sealed with.</param>
        /// <param name="sealedData">The ciphertext followed by the tag.</param>
        /// <param name="associatedData">The associated data it was sealed with; a default segment is the same as empty.</param>
        /// <param name="plaintext">The plaintext when the result is true; null otherwise.</param>
        /// <returns>True when the tag is right and the plaintext is returned.</returns>
        /// <exception cref="ObjectDisposedException">The cipher has been disposed.</exception>
        public bool TryOpen(byte[] nonce, ArraySegment<byte> sealedData, ArraySegment<byte> associatedData, out byte[]? plaintext)
        {
            plaintext = null;
            lock (gate)
            {
                ThrowIfDisposed();
                if (nonce is null || nonce.Length != NonceSize || sealedData.Array is null || sealedData.Count < TagSize)
                {
                    return false;
                }

                byte[] aad = associatedData.Array ?? Array.Empty<byte>();
                return TryOpenCore(nonce, sealedData.Array, sealedData.Offset, sealedData.Count, aad, associatedData.Offset, associatedData.Count, out plaintext);
            }
        }

        /// <summary>Releases the key. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            lock (gate)
            {
                if (!disposed)
                {
                    disposed = true;
                    DisposeCore();
                }
            }
        }

        /// <summary>Seals; the arguments are checked and the caller holds the lock.</summary>
        private protected abstract void SealCore(
            byte[] nonce, byte[] plaintext, int plaintextOffset, int plaintextCount, byte[] aad, int aadOffset, int aadCount, byte[] destination, int destinationOffset);

        /// <summary>Opens; <paramref name="count"/> is at least a tag, the caller holds the lock. Returns false (never throws) on a bad tag.</summary>
        private protected abstract bool TryOpenCore(
            byte[] nonce, byte[] input, int offset, int count, byte[] aad, int aadOffset, int aadCount, out byte[]? plaintext);

        /// <summary>Releases the backend's key; called once, under the lock.</summary>
        private protected abstract void DisposeCore();

        private static void CheckKey(byte[] key)
        {
            if (key is null)
            {
                throw new ArgumentNullException(nameof(key));
            }

            if (key.Length != KeySize)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The key is {0} bytes long; AES-256 takes {1}.", key.Length, KeySize),
                    nameof(key));
            }
        }

        private static ArraySegment<byte> Segment(byte[]? bytes) => bytes is null ? default : new ArraySegment<byte>(bytes);

        private static bool Overlaps(byte[] destination, int offset, int count, ArraySegment<byte> input) =>
            ReferenceEquals(destination, input.Array) && count > 0 && input.Count > 0
            && offset < input.Offset + input.Count && input.Offset < offset + count;

        private static bool SameNonce(byte[] a, byte[] b)
        {
            int difference = 0;
            for (int i = 0; i < NonceSize; i++)
            {
                difference |= a[i] ^ b[i];
            }

            return difference == 0;
        }

        private void ThrowIfDisposed()
        {
            if (disposed)
            {
                throw new ObjectDisposedException(nameof(AesGcm256));
            }
        }
    }
}
