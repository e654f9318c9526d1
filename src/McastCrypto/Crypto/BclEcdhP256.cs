#if NET8_0_OR_GREATER
using System;
using System.Security.Cryptography;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Crypto
{
    /// <summary>The .NET (8 and later) backend of <see cref="EcdhP256"/>: the platform's ECDiffieHellman.</summary>
    internal sealed class BclEcdhP256 : EcdhP256
    {
        private readonly ECDiffieHellman ecdh;

        private BclEcdhP256(ECDiffieHellman ecdh, byte[] publicKey)
            : base(publicKey)
        {
            this.ecdh = ecdh;
        }

        /// <summary>Whether the platform gives the raw shared secret (DeriveRawSecretAgreement): everywhere but Windows before 10.</summary>
        internal static bool IsSupported => !OperatingSystem.IsWindows() || OperatingSystem.IsWindowsVersionAtLeast(10);

        internal static new EcdhP256 Generate() => Adopt(ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256));

        internal static EcdhP256 FromScalar(BigInteger d)
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
                return Adopt(ECDiffieHellman.Create(parameters));
            }
            finally
            {
                Array.Clear(parameters.D, 0, parameters.D.Length);
            }
        }

        private protected override byte[] DeriveCore(byte[] peerPoint, Org.BouncyCastle.Math.EC.ECPoint q)
        {
            var parameters = new ECParameters
            {
                Curve = ECCurve.NamedCurves.nistP256,
                Q = new ECPoint { X = P256.CoordinateX(peerPoint), Y = P256.CoordinateY(peerPoint) },
            };
            using ECDiffieHellman peer = ECDiffieHellman.Create(parameters);
            using ECDiffieHellmanPublicKey peerKey = peer.PublicKey;
            byte[] secret = ecdh.DeriveRawSecretAgreement(peerKey);
            if (secret.Length != SharedSecretSize)
            {
                throw new CryptographicException("The platform returned an ECDH secret of an unexpected length.");
            }

            return secret;
        }

        private protected override void DisposeCore() => ecdh.Dispose();

        private static EcdhP256 Adopt(ECDiffieHellman ecdh)
        {
            try
            {
                ECParameters parameters = ecdh.ExportParameters(false);
                byte[] point = P256.PointFromCoordinates(parameters.Q.X!, parameters.Q.Y!);
                return new BclEcdhP256(ecdh, point);
            }
            catch
            {
                ecdh.Dispose();
                throw;
            }
        }
    }
}
#endif
