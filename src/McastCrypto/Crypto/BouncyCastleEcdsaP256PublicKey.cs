using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An ECDSA P-256 public key backed by BouncyCastle. Verify builds its signer per call, so it
    /// needs no lock (BouncyCastle's point precomputations are safe to share).
    /// </summary>
    internal sealed class BouncyCastleEcdsaP256PublicKey : EcdsaP256PublicKey
    {
        private readonly ECPublicKeyParameters key;

        /// <summary>Takes a point checked by <see cref="P256.DecodePoint"/>, as bytes and as BouncyCastle's point.</summary>
        internal BouncyCastleEcdsaP256PublicKey(byte[] point, ECPoint q)
            : base(point)
        {
            key = new ECPublicKeyParameters(q, P256.Domain);
        }

        /// <summary>The SHA-256 of a slice of a buffer.</summary>
        internal static byte[] Sha256(byte[] data, int offset, int count)
        {
            var digest = new Sha256Digest();
            digest.BlockUpdate(data, offset, count);
            byte[] hash = new byte[digest.GetDigestSize()];
            digest.DoFinal(hash, 0);
            return hash;
        }

        private protected override bool VerifyCore(byte[] data, int offset, int count, byte[] signature, int signatureOffset)
        {
            // ECDsaSigner refuses r or s outside 1 .. n - 1 by returning false.
            var r = new BigInteger(1, signature, signatureOffset, P256.FieldSize);
            var s = new BigInteger(1, signature, signatureOffset + P256.FieldSize, P256.FieldSize);
            return Verify(Sha256(data, offset, count), r, s);
        }

        private bool Verify(byte[] hash, BigInteger r, BigInteger s)
        {
            var signer = new ECDsaSigner();
            signer.Init(false, key);
            return signer.VerifySignature(hash, r, s);
        }
    }
}
