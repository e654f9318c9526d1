using System;
using System.Globalization;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.Pkcs;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An ECDSA P-256 private key that signs SHA-256 digests: the persistent identity of a relay, or
    /// of a member. On .NET 8 and later the platform's ECDsa signs (randomized nonces); on
    /// netstandard2.0 BouncyCastle does (deterministic nonces, RFC 6979). Either verifies the
    /// other's signatures. <see cref="Sign(byte[])"/> may be called from several threads at once (the calls run one at a time).
    /// Keep it in a file with <see cref="IdentityKeyFile"/>.
    /// </summary>
    public abstract class EcdsaP256PrivateKey : IDisposable
    {
        /// <summary>The length of a signature in IEEE P1363 form, r || s: 64 bytes.</summary>
        public const int SignatureSize = EcdsaP256PublicKey.SignatureSize;

        /// <summary>Far above the 240 or so characters of a P-256 PKCS#8 PEM; bounds the work on hostile input.</summary>
        private const int MaxPemLength = 4096;

        private readonly object gate = new object();
        private readonly EcdsaP256PublicKey publicKey;
        private bool disposed;

        /// <summary>Only this assembly's backends derive from this class.</summary>
        private protected EcdsaP256PrivateKey(EcdsaP256PublicKey publicKey)
        {
            this.publicKey = publicKey;
        }

        /// <summary>The public half of the key. It stays usable after this key is disposed.</summary>
        public EcdsaP256PublicKey PublicKey => publicKey;

        /// <summary>Generates a new key.</summary>
        public static EcdsaP256PrivateKey Generate()
        {
#if NET8_0_OR_GREATER
            return BclEcdsaP256PrivateKey.Generate();
#else
            return BouncyCastleEcdsaP256PrivateKey.Generate();
#endif
        }

        /// <summary>
        /// Reads a key from PEM text labelled <c>PRIVATE KEY</c>: an unencrypted PKCS#8
        /// PrivateKeyInfo holding an EC key on the named curve P-256, as <see cref="ExportPkcs8Pem"/>,
        /// <c>openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256</c> and Python's
        /// <c>cryptography</c> write it.
        /// </summary>
        /// <param name="pem">The PEM text.</param>
        /// <exception cref="ArgumentNullException"><paramref name="pem"/> is null.</exception>
        /// <exception cref="CryptographicException">
        /// The text is not one such PEM block, or the key is not an ECDSA P-256 key (an RSA key,
        /// another curve, explicit curve parameters, a scalar out of range, a stored public key that
        /// does not match); the message says which.
        /// </exception>
        public static EcdsaP256PrivateKey ImportPkcs8Pem(string pem)
        {
            if (pem is null)
            {
                throw new ArgumentNullException(nameof(pem));
            }

            if (pem.Length > MaxPemLength)
            {
                throw new CryptographicException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The PEM text is {0} characters long; a P-256 private key needs well under {1}.",
                    pem.Length,
                    MaxPemLength));
            }

            return ImportPkcs8(Pem.Decode(Pkcs8PrivateKey.PemLabel, pem));
        }

        /// <summary>Reads a key from DER PKCS#8 bytes; see <see cref="ImportPkcs8Pem"/>.</summary>
        internal static EcdsaP256PrivateKey ImportPkcs8(byte[] pkcs8) => FromPkcs8(Pkcs8PrivateKey.Parse(pkcs8));

        /// <summary>Makes a key of the build's backend from a parsed PrivateKeyInfo; refuses anything but an ECDSA P-256 key.</summary>
        internal static EcdsaP256PrivateKey FromPkcs8(PrivateKeyInfo info)
        {
            BigInteger d = ReadScalar(info);
#if NET8_0_OR_GREATER
            return BclEcdsaP256PrivateKey.FromScalar(d);
#else
            return BouncyCastleEcdsaP256PrivateKey.FromScalar(d);
#endif
        }

        /// <summary>The private scalar of a PrivateKeyInfo, checked to be an ECDSA P-256 key.</summary>
        internal static BigInteger ReadScalar(PrivateKeyInfo info)
        {
            if (Pkcs8PrivateKey.KindOf(info) != IdentityKeyKind.EcdsaP256)
            {
                throw new CryptographicException("The private key is an RSA key, not an ECDSA P-256 key.");
            }

            return P256.ReadPkcs8(info);
        }

        /// <summary>Signs SHA-256(<paramref name="data"/>) with ECDSA.</summary>
        /// <param name="data">The bytes to sign.</param>
        /// <returns>The signature in IEEE P1363 form, r || s, 64 bytes.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="data"/> is null.</exception>
        /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
        public byte[] Sign(byte[] data)
        {
            if (data is null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            return Sign(new ArraySegment<byte>(data));
        }

        /// <summary>Signs SHA-256 of a slice of a buffer (the datagram being built); see <see cref="Sign(byte[])"/>.</summary>
        /// <param name="data">The bytes to sign; not a default segment.</param>
        /// <returns>The signature in IEEE P1363 form, r || s, 64 bytes.</returns>
        public byte[] Sign(ArraySegment<byte> data)
        {
            if (data.Array is null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            byte[] signature;
            lock (gate)
            {
                ThrowIfDisposed();
                signature = SignCore(data.Array, data.Offset, data.Count);
            }

            if (signature.Length != SignatureSize)
            {
                throw new CryptographicException("The signer returned a signature of an unexpected length.");
            }

            return signature;
        }

        /// <summary>
        /// The key as PEM text labelled <c>PRIVATE KEY</c> (unencrypted PKCS#8, the named curve
        /// P-256, the public key included), lines of 64 characters ending in "\n". It is the secret:
        /// write it only where <see cref="IdentityKeyFile"/> would, readable by its owner alone.
        /// </summary>
        /// <exception cref="ObjectDisposedException">The key has been disposed.</exception>
        public string ExportPkcs8Pem()
        {
            byte[] der = ExportPkcs8();
            try
            {
                return Pem.Encode(Pkcs8PrivateKey.PemLabel, der);
            }
            finally
            {
                Array.Clear(der, 0, der.Length);
            }
        }

        /// <summary>The key as DER PKCS#8 bytes; see <see cref="ExportPkcs8Pem"/>.</summary>
        internal byte[] ExportPkcs8()
        {
            lock (gate)
            {
                ThrowIfDisposed();
                return ExportPkcs8Core();
            }
        }

        /// <summary>Releases the key. Later calls to <see cref="Sign(byte[])"/> and the exports throw <see cref="ObjectDisposedException"/>.</summary>
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

        /// <summary>Signs; the caller holds the lock.</summary>
        private protected abstract byte[] SignCore(byte[] data, int offset, int count);

        /// <summary>Exports as PKCS#8; the caller holds the lock.</summary>
        private protected abstract byte[] ExportPkcs8Core();

        /// <summary>Releases the backend's key; called once, under the lock.</summary>
        private protected abstract void DisposeCore();

        private void ThrowIfDisposed()
        {
            if (disposed)
            {
                throw new ObjectDisposedException(nameof(EcdsaP256PrivateKey));
            }
        }
    }
}
