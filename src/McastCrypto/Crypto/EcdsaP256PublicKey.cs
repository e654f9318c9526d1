using System;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Signers;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An ECDSA P-256 public key that checks SHA-256 signatures: a relay's or a member's identity in
    /// the Secure protocol. Get one from <see cref="Import"/>, <see cref="ImportSubjectPublicKeyInfo"/>
    /// or <see cref="EcdsaP256PrivateKey.PublicKey"/>. Importing checks the point once; keep the
    /// object and reuse it for every signature (a member checks every relay datagram with one).
    /// Immutable; <see cref="Verify(byte[], byte[])"/> may be called from several threads at once.
    /// </summary>
    public abstract class EcdsaP256PublicKey
    {
        /// <summary>The length of a signature in IEEE P1363 form, r || s: 64 bytes.</summary>
        public const int SignatureSize = 2 * P256.FieldSize;

        /// <summary>The longest DER signature of P-256: SEQUENCE of two INTEGERs of up to 33 bytes.</summary>
        private const int MaxDerSignatureSize = 72;

        private readonly byte[] point;
        private readonly byte[] spki;
        private string? fingerprint;

        /// <summary>Only this assembly's backends derive from this class, so every instance holds a checked point.</summary>
        private protected EcdsaP256PublicKey(byte[] point)
        {
            this.point = point;
            spki = P256.EncodeSubjectPublicKeyInfo(point);
        }

        /// <summary>The key as an uncompressed SEC1 point, 0x04 || X || Y (65 bytes); a new copy on every call.</summary>
        public byte[] Point => (byte[])point.Clone();

        /// <summary>The key as a canonical DER SubjectPublicKeyInfo (91 bytes); a new copy on every call.</summary>
        public byte[] SubjectPublicKeyInfo => (byte[])spki.Clone();

        /// <summary>
        /// <c>SHA256:</c> and the unpadded base64 of the SHA-256 of <see cref="SubjectPublicKeyInfo"/>;
        /// see <see cref="KeyFingerprint.Of"/>. The SubjectPublicKeyInfo is canonical, so a key has one fingerprint.
        /// </summary>
        public string Fingerprint => fingerprint ??= KeyFingerprint.Of(spki);

        /// <summary>Reads a public key from an uncompressed SEC1 point, as received from the network.</summary>
        /// <param name="uncompressedPoint">0x04 || X || Y, 65 bytes.</param>
        /// <exception cref="ArgumentNullException"><paramref name="uncompressedPoint"/> is null.</exception>
        /// <exception cref="CryptographicException">
        /// The bytes are not a valid P-256 point: a wrong length, not 0x04 first (compressed points
        /// are refused), a coordinate not below p, or not on the curve. The message says which.
        /// </exception>
        public static EcdsaP256PublicKey Import(byte[] uncompressedPoint)
        {
            ECPoint q = P256.DecodePoint(uncompressedPoint);
            return Create((byte[])uncompressedPoint.Clone(), q);
        }

        /// <summary>
        /// Reads a public key from a DER SubjectPublicKeyInfo: id-ecPublicKey, the named curve
        /// prime256v1, an uncompressed point, in canonical DER with nothing after it.
        /// </summary>
        /// <param name="subjectPublicKeyInfo">The DER bytes (91 of them).</param>
        /// <exception cref="ArgumentNullException"><paramref name="subjectPublicKeyInfo"/> is null.</exception>
        /// <exception cref="CryptographicException">The bytes are not such a key; the message says what they are instead.</exception>
        public static EcdsaP256PublicKey ImportSubjectPublicKeyInfo(byte[] subjectPublicKeyInfo)
        {
            byte[] point = P256.ReadSubjectPublicKeyInfo(subjectPublicKeyInfo);
            return Create(point, P256.DecodePoint(point));
        }

        /// <summary>
        /// Checks an ECDSA signature over SHA-256(<paramref name="data"/>). Never throws for any
        /// input: null, a signature of the wrong length, r or s out of range, a signature by
        /// another key all return false.
        /// </summary>
        /// <param name="data">The signed bytes.</param>
        /// <param name="signature">The signature in IEEE P1363 form, r || s, 64 bytes.</param>
        /// <returns>True when the signature is valid for this key and these bytes.</returns>
        public bool Verify(byte[] data, byte[] signature) =>
            data is not null && signature is not null && Verify(new ArraySegment<byte>(data), new ArraySegment<byte>(signature));

        /// <summary>
        /// Checks an ECDSA signature over SHA-256 of a slice of a buffer (a datagram followed by its
        /// signature needs no copying); see <see cref="Verify(byte[], byte[])"/>. Never throws; a
        /// default segment returns false.
        /// </summary>
        /// <param name="data">The signed bytes.</param>
        /// <param name="signature">The signature in IEEE P1363 form, r || s, 64 bytes.</param>
        /// <returns>True when the signature is valid for this key and these bytes.</returns>
        public bool Verify(ArraySegment<byte> data, ArraySegment<byte> signature)
        {
            if (data.Array is null || signature.Array is null || signature.Count != SignatureSize)
            {
                return false;
            }

            return VerifyCore(data.Array, data.Offset, data.Count, signature.Array, signature.Offset);
        }

        /// <summary>
        /// Checks a DER-encoded signature (SEQUENCE { r INTEGER, s INTEGER }) over
        /// SHA-256(<paramref name="data"/>); for the Wycheproof DER vectors. Never throws for any
        /// input. The DER is read here, strictly (it must be exactly the DER of the two integers,
        /// both from 0 to n - 1), for both backends: the platform's own reader takes an INTEGER
        /// missing its leading zero byte, a negative number, as the positive one (Wycheproof tcId 6).
        /// </summary>
        internal bool VerifyDer(byte[] data, byte[] derSignature)
        {
            if (data is null || derSignature is null || derSignature.Length == 0 || derSignature.Length > MaxDerSignatureSize)
            {
                return false;
            }

            byte[] signature;
            try
            {
                BigInteger[] rs = StandardDsaEncoding.Instance.Decode(P256.Domain.N, derSignature);
                signature = PlainDsaEncoding.Instance.Encode(P256.Domain.N, rs[0], rs[1]);
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // ArgumentException (not canonical DER, out of range), InvalidCastException (not
                // INTEGERs), IOException (truncated)...: not a DER signature.
                return false;
            }

            return VerifyCore(data, 0, data.Length, signature, 0);
        }

        /// <summary>Makes the object of the build's backend for a checked point.</summary>
        internal static EcdsaP256PublicKey Create(byte[] point, ECPoint q)
        {
#if NET8_0_OR_GREATER
            return new BclEcdsaP256PublicKey(point);
#else
            return new BouncyCastleEcdsaP256PublicKey(point, q);
#endif
        }

        /// <summary>Checks a 64-byte P1363 signature at <paramref name="signatureOffset"/>; returns false, never throws, when it is bad.</summary>
        private protected abstract bool VerifyCore(byte[] data, int offset, int count, byte[] signature, int signatureOffset);
    }
}
