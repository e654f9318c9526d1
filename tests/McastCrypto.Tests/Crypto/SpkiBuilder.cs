using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>Builds SubjectPublicKeyInfo bytes, well-formed or deliberately not, for import tests.</summary>
    internal static class SpkiBuilder
    {
        internal static byte[] Rsa(BigInteger modulus, BigInteger exponent) =>
            Build(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance, new DerSequence(new DerInteger(modulus), new DerInteger(exponent)));

        internal static byte[] Build(DerObjectIdentifier algorithm, Asn1Encodable? parameters, Asn1Encodable publicKey)
        {
            AlgorithmIdentifier id = parameters is null ? new AlgorithmIdentifier(algorithm) : new AlgorithmIdentifier(algorithm, parameters);
            return new DerSequence(id, new DerBitString(publicKey)).GetEncoded(Asn1Encodable.Der);
        }

        /// <summary>The modulus and exponent of an SPKI the library accepted.</summary>
        internal static (BigInteger Modulus, BigInteger Exponent) Read(byte[] spki)
        {
            var rsa = RsaPublicKeyStructure.GetInstance(SubjectPublicKeyInfo.GetInstance(spki).ParsePublicKey());
            return (rsa.Modulus, rsa.PublicExponent);
        }
    }
}
