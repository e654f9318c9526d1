using System;
using System.Security.Cryptography;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An ephemeral ECDH key pair on P-256, for one handshake. On .NET 8 and later the platform's
    /// ECDiffieHellman does the work; on netstandard2.0, or where the platform cannot give the raw
    /// shared secret (Windows before 10), BouncyCastle does. Both accept the same peer keys and
    /// derive the same secrets. Thread-safe (calls run one at a time).
    /// </summary>
    public abstract class EcdhP256 : IDisposable
    {
        /// <summary>The length of a public key: an uncompressed SEC1 point, 65 bytes.</summary>
        public const int PublicKeySize = P256.PointSize;

        /// <summary>The length of a shared secret: the X coordinate, 32 bytes.</summary>
        public const int SharedSecretSize = P256.FieldSize;

        private readonly object gate = new object();
        private readonly byte[] publicKey;
        private bool disposed;

        /// <summary>Only this assembly's backends derive from this class.</summary>
        private protected EcdhP256(byte[] publicKey)
        {
            this.publicKey = publicKey;
        }

        /// <summary>The public key to send to the peer: 0x04 || X || Y, 65 bytes; a new copy on every call.</summary>
        public byte[] PublicKey => (byte[])publicKey.Clone();

        /// <summary>Generates a new key pair.</summary>
        public static EcdhP256 Generate()
        {
#if NET8_0_OR_GREATER
            if (BclEcdhP256.IsSupported)
            {
                return BclEcdhP256.Generate();
            }
#endif
            return BouncyCastleEcdhP256.Generate();
        }

        /// <summary>
        /// Makes a key pair from a known private scalar (for tests with known answers): big-endian,
        /// leading zeros allowed, from 1 to n - 1.
        /// </summary>
        /// <exception cref="CryptographicException">The scalar is out of range.</exception>
        internal static EcdhP256 ImportPrivateKey(byte[] scalar)
        {
            BigInteger d = P256.ReadScalar(scalar);
#if NET8_0_OR_GREATER
            if (BclEcdhP256.IsSupported)
            {
                return BclEcdhP256.FromScalar(d);
            }
#endif
            return BouncyCastleEcdhP256.FromScalar(d);
        }

        /// <summary>
        /// Computes the raw ECDH shared secret with a peer's public key: the X coordinate of
        /// d·Q, 32 bytes. Feed it to a KDF (<see cref="HkdfSha256"/>); never use it as a key.
        /// </summary>
        /// <param name="peerPublicKey">The peer's public key: an uncompressed point, 0x04 || X || Y.</param>
        /// <returns>The shared secret, 32 bytes.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="peerPublicKey"/> is null.</exception>
        /// <exception cref="CryptographicException">
        /// <paramref name="peerPublicKey"/> is not a valid P-256 point: a wrong length, not 0x04
        /// first (compressed points are refused), a coordinate not below p, or not on the curve.
        /// </exception>
        /// <exception cref="ObjectDisposedException">The key pair has been disposed.</exception>
        public byte[] DeriveSharedSecret(byte[] peerPublicKey)
        {
            lock (gate)
            {
                if (disposed)
                {
                    throw new ObjectDisposedException(nameof(EcdhP256));
                }

                ECPoint q = P256.DecodePoint(peerPublicKey);
                return DeriveCore(peerPublicKey, q);
            }
        }

        /// <summary>Destroys the private key. Later calls to <see cref="DeriveSharedSecret"/> throw <see cref="ObjectDisposedException"/>.</summary>
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

        /// <summary>Derives with a point already checked (as bytes and as BouncyCastle's point); the caller holds the lock.</summary>
        private protected abstract byte[] DeriveCore(byte[] peerPoint, ECPoint q);

        /// <summary>Releases the private key; called once, under the lock.</summary>
        private protected abstract void DisposeCore();
    }
}
