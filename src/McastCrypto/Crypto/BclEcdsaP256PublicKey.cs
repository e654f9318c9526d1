#if NET8_0_OR_GREATER
using System;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>An ECDSA P-256 public key backed by the platform's ECDsa.</summary>
    internal sealed class BclEcdsaP256PublicKey : EcdsaP256PublicKey
    {
        private readonly ECDsa ecdsa;

        /// <summary>
        /// Platform ECDsa objects are not documented as safe for concurrent use: one call at a time.
        /// A verification is short, so the lock costs little.
        /// </summary>
        private readonly object gate = new object();

        /// <summary>Takes a point checked by <see cref="P256.DecodePoint"/>.</summary>
        internal BclEcdsaP256PublicKey(byte[] point)
            : base(point)
        {
            ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = P256.CoordinateX(point), Y = P256.CoordinateY(point) },
            });
        }

        private protected override bool VerifyCore(byte[] data, int offset, int count, byte[] signature, int signatureOffset)
        {
            lock (gate)
            {
                try
                {
                    return ecdsa.VerifyData(
                        data.AsSpan(offset, count),
                        signature.AsSpan(signatureOffset, SignatureSize),
                        HashAlgorithmName.SHA256,
                        DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
                }
                catch (CryptographicException)
                {
                    return false;
                }
            }
        }
    }
}
#endif
