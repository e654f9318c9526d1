using System.Linq;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// Wycheproof ECDSA P-256 / SHA-256 verification vectors against both backends of
    /// <see cref="EcdsaP256PublicKey"/>: the IEEE P1363 (r || s) file through the public Verify, the
    /// DER file through VerifyDer. Each group's key is imported from its DER SubjectPublicKeyInfo
    /// and must be the group's uncompressed point. A valid signature must verify, an invalid one
    /// must not (neither may throw). The files hold no acceptable cases; one would fail here
    /// until someone decides what it should do.
    /// </summary>
    public sealed class WycheproofEcdsaTests
    {
        private const string P1363File = "ecdsa_secp256r1_sha256_p1363_test.json";
        private const string DerFile = "ecdsa_secp256r1_sha256_test.json";

        public static TheoryData<string, int> P1363Cases => WycheproofVectors.Load(P1363File).CasesOnEveryBackend();

        public static TheoryData<string, int> DerCases => WycheproofVectors.Load(DerFile).CasesOnEveryBackend();

        [Theory]
        [MemberData(nameof(P1363Cases))]
        public void P1363Vector(string backend, int tcId)
        {
            WycheproofVectors.VectorCase c = WycheproofVectors.Load(P1363File).Case(tcId);
            Assert.Equal("EcdsaP1363Verify", c.Group.String("type"));
            EcdsaP256PublicKey key = ImportGroupKey(backend, c.Group);

            bool verified = key.Verify(c.Hex("msg"), c.Hex("sig"));

            Assert.True(verified == (c.Result == "valid"), $"{c}: Verify returned {verified}");
        }

        [Theory]
        [MemberData(nameof(DerCases))]
        public void DerVector(string backend, int tcId)
        {
            WycheproofVectors.VectorCase c = WycheproofVectors.Load(DerFile).Case(tcId);
            Assert.Equal("EcdsaVerify", c.Group.String("type"));
            EcdsaP256PublicKey key = ImportGroupKey(backend, c.Group);

            bool verified = key.VerifyDer(c.Hex("msg"), c.Hex("sig"));

            Assert.True(verified == (c.Result == "valid"), $"{c}: VerifyDer returned {verified}");
        }

        [Theory]
        [InlineData(P1363File)]
        [InlineData(DerFile)]
        public void TheFileHoldsEveryCaseItClaims(string fileName)
        {
            WycheproofVectors vectors = WycheproofVectors.Load(fileName);
            vectors.AssertComplete("ECDSA");
            Assert.DoesNotContain(vectors.Cases, c => c.Result == "acceptable");
            Assert.All(vectors.Groups, g => Assert.Equal("SHA-256", g.String("sha")));
            Assert.All(vectors.Groups, g => Assert.Equal("secp256r1", g.Json.GetProperty("publicKey").GetProperty("curve").GetString()));
        }

        private static EcdsaP256PublicKey ImportGroupKey(string backend, WycheproofVectors.VectorGroup group)
        {
            EcdsaP256PublicKey key = CryptoBackends.EcdsaImportSpki(backend, group.Hex("publicKeyDer"));
            string uncompressed = group.Json.GetProperty("publicKey").GetProperty("uncompressed").GetString()!;
            Assert.Equal(System.Convert.FromHexString(uncompressed), key.Point);
            Assert.Equal(group.Hex("publicKeyDer"), key.SubjectPublicKeyInfo);
            return key;
        }
    }
}
