using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Pkcs;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An ECDSA P-256 private key held as BouncyCastle parameters. Signatures use deterministic
    /// nonces (RFC 6979, HMAC-SHA-256), so they do not depend on the random generator.
    /// BouncyCastle's big integers are immutable, so Dispose drops the key but cannot wipe it.
    /// </summary>
    internal sealed class BouncyCastleEcdsaP256PrivateKey : EcdsaP256PrivateKey
    {
        private ECPrivateKeyParameters? key;

        private BouncyCastleEcdsaP256PrivateKey(ECPrivateKeyParameters key, EcdsaP256PublicKey publicKey)
            : base(publicKey)
        {
            this.key = key;
        }

        internal static new EcdsaP256PrivateKey Generate()
        {
            var generator = new ECKeyPairGenerator();
            generator.Init(new ECKeyGenerationParameters(P256.Domain, BouncyCastleRandom.Shared));
            var pair = generator.GenerateKeyPair();
            return Adopt(((ECPrivateKeyParameters)pair.Private).D);
        }

        /// <summary>Makes a key from a scalar checked by <see cref="P256.CheckScalar"/>.</summary>
        internal static EcdsaP256PrivateKey FromScalar(BigInteger d) => Adopt(d);

        private protected override byte[] SignCore(byte[] data, int offset, int count)
        {
            byte[] hash = BouncyCastleEcdsaP256PublicKey.Sha256(data, offset, count);
            var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
            signer.Init(true, key);
            BigInteger[] rs = signer.GenerateSignature(hash);
            return PlainDsaEncoding.Instance.Encode(P256.Domain.N, rs[0], rs[1]);
        }

        private protected override byte[] ExportPkcs8Core() => PrivateKeyInfoFactory.CreatePrivateKeyInfo(key).GetDerEncoded();

        private protected override void DisposeCore() => key = null;

        private static EcdsaP256PrivateKey Adopt(BigInteger d)
        {
            ECPoint q = P256.PublicPointOf(d);
            byte[] point = P256.EncodePoint(q);
            return new BouncyCastleEcdsaP256PrivateKey(
                new ECPrivateKeyParameters(d, P256.Domain),
                new BouncyCastleEcdsaP256PublicKey(point, q));
        }
    }
}
