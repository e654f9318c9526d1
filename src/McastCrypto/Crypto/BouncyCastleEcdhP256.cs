using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Utilities;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The BouncyCastle backend of <see cref="EcdhP256"/>, used on netstandard2.0 and compiled into
    /// every build so that the .NET 8 tests cover it too. BouncyCastle's big integers are
    /// immutable, so Dispose drops the private key but cannot wipe it.
    /// </summary>
    internal sealed class BouncyCastleEcdhP256 : EcdhP256
    {
        private ECPrivateKeyParameters? privateKey;

        private BouncyCastleEcdhP256(ECPrivateKeyParameters privateKey, byte[] publicKey)
            : base(publicKey)
        {
            this.privateKey = privateKey;
        }

        internal static new EcdhP256 Generate()
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(P256.Domain, BouncyCastleRandom.Shared));
            var pair = generator.GenerateKeyPair();
            var publicKey = (ECPublicKeyParameters)pair.Public;
            return new BouncyCastleEcdhP256((ECPrivateKeyParameters)pair.Private, P256.EncodePoint(publicKey.Q));
        }

        internal static EcdhP256 FromScalar(BigInteger d) =>
            new BouncyCastleEcdhP256(new ECPrivateKeyParameters(d, P256.Domain), P256.EncodePoint(P256.PublicPointOf(d)));

        private protected override byte[] DeriveCore(byte[] peerPoint, ECPoint q)
        {
            var peer = new ECPublicKeyParameters(q, P256.Domain);
            var agreement = new ECDHBasicAgreement();
            agreement.Init(privateKey);
            BigInteger x = agreement.CalculateAgreement(peer);
            return BigIntegers.AsUnsignedByteArray(SharedSecretSize, x);
        }

        private protected override void DisposeCore() => privateKey = null;
    }
}
