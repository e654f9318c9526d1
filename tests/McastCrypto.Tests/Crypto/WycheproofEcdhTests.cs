using System;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// Wycheproof ECDH P-256 vectors against both backends of <see cref="EcdhP256"/>. The public keys
    /// are DER SubjectPublicKeyInfo; the seam reads them with the SPKI reader the ECDSA import uses
    /// (canonical, named curve, uncompressed point) and a key it cannot read counts as refused. A
    /// valid case must give the shared secret; an invalid one must be refused (a
    /// CryptographicException, from the reader or from DeriveSharedSecret); an acceptable one
    /// (a compressed point, unusual ASN.1) may go either way, but a secret given must be the right
    /// one. Any other exception fails the case.
    /// </summary>
    public sealed class WycheproofEcdhTests
    {
        private const string FileName = "ecdh_secp256r1_test.json";

        public static TheoryData<string, int> Cases => Vectors.CasesOnEveryBackend();

        private static WycheproofVectors Vectors => WycheproofVectors.Load(FileName);

        [Theory]
        [MemberData(nameof(Cases))]
        public void Vector(string backend, int tcId)
        {
            WycheproofVectors.VectorCase c = Vectors.Case(tcId);
            Assert.Equal("secp256r1", c.Group.String("curve"));
            Assert.Equal("asn", c.Group.String("encoding"));

            using EcdhP256 ecdh = CryptoBackends.EcdhImport(backend, c.Hex("private"));
            byte[]? secret = null;
            CryptographicException? refusal = null;
            try
            {
                byte[] point = P256.ReadSubjectPublicKeyInfo(c.Hex("public"));
                secret = ecdh.DeriveSharedSecret(point);
            }
            catch (CryptographicException ex)
            {
                refusal = ex;
            }

            switch (c.Result)
            {
                case "valid":
                    Assert.True(refusal is null, $"{c}: refused: {refusal?.Message}");
                    Assert.Equal(c.Hex("shared"), secret);
                    break;
                case "invalid":
                    Assert.True(secret is null, $"{c}: accepted, secret {Convert.ToHexString(secret ?? Array.Empty<byte>())}");
                    Assert.NotNull(refusal);
                    break;
                case "acceptable":
                    if (secret is not null)
                    {
                        Assert.Equal(c.Hex("shared"), secret);
                    }

                    break;
                default:
                    Assert.Fail($"{c}: unknown result");
                    break;
            }
        }

        [Fact]
        public void TheFileHoldsEveryCaseItClaims()
        {
            Vectors.AssertComplete("ECDH");
            Assert.Contains(Vectors.Cases, c => c.Result == "acceptable");
        }
    }
}
