#if NET8_0_OR_GREATER
using System;
using System.Security.Cryptography;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Crypto
{
    /// <summary>An ECDSA P-256 private key held by the platform's ECDsa; the base class serializes calls.</summary>
    internal sealed class BclEcdsaP256PrivateKey : EcdsaP256PrivateKey
    {
        private readonly ECDsa ecdsa;

        /// <summary>Takes ownership of <paramref name="ecdsa"/>.</summary>
        private BclEcdsaP256PrivateKey(ECDsa ecdsa, EcdsaP256PublicKey publicKey)
            : base(publicKey)
        {
            this.ecdsa = ecdsa;
        }

        internal static new EcdsaP256PrivateKey Generate() => Adopt(ECDsa.Create(ECCurve.NamedCurves.nistP256));

        /// <summary>Makes a key from a scalar checked by <see cref="P256.CheckScalar"/>.</summary>
        internal static EcdsaP256PrivateKey FromScalar(BigInteger d)
        {
            byte[] point = P256.EncodePoint(P256.PublicPointOf(d));
            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                D = P256.ScalarBytes(d),
                Q = new ECPoint { X = P256.CoordinateX(point), Y = P256.CoordinateY(point) },
            };
            try
            {
                return Adopt(ECDsa.Create(parameters));
            }
            finally
            {
                Array.Clear(parameters.D, 0, parameters.D.Length);
            }
        }

        private protected override byte[] SignCore(byte[] data, int offset, int count) =>
            ecdsa.SignData(data, offset, count, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);

        private protected override byte[] ExportPkcs8Core() => ecdsa.ExportPkcs8PrivateKey();

        private protected override void DisposeCore() => ecdsa.Dispose();

        private static EcdsaP256PrivateKey Adopt(ECDsa ecdsa)
        {
            try
            {
                ECParameters parameters = ecdsa.ExportParameters(false);
                byte[] point = P256.PointFromCoordinates(parameters.Q.X!, parameters.Q.Y!);
                P256.DecodePoint(point);
                return new BclEcdsaP256PrivateKey(ecdsa, new BclEcdsaP256PublicKey(point));
            }
            catch
            {
                ecdsa.Dispose();
                throw;
            }
        }
    }
}
#endif
