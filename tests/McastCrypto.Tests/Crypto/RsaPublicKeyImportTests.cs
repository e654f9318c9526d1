using System;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X9;
using Xunit;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Tests.Crypto
{
    public sealed class RsaPublicKeyImportTests
    {
        private static readonly BigInteger F4 = BigInteger.ValueOf(65537);

        private static byte[] ValidSpki => RsaBackends.SharedKey(RsaBackends.Bcl).PublicKey.SubjectPublicKeyInfo;

        private static BigInteger ValidModulus => SpkiBuilder.Read(ValidSpki).Modulus;

        [Fact]
        public void AValidKeyImportsWithTheBclOnThisBuild()
        {
            RsaPublicKey key = RsaOaep.ImportPublicKey(ValidSpki);
            Assert.IsType<BclRsaPublicKey>(key);
            Assert.Equal(ValidSpki, key.SubjectPublicKeyInfo);
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void A1024BitKeyIsRefused(string backend)
        {
            using RSA small = RSA.Create(1024);
            byte[] spki = small.ExportSubjectPublicKeyInfo();
            var ex = Assert.Throws<CryptographicException>(() => RsaBackends.ImportPublicKey(backend, spki));
            Assert.Contains("1024-bit", ex.Message);
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(spki));
        }

        [Fact]
        public void A4096BitKeyIsAcceptedAndAModulusAbove4096BitsIsNot()
        {
            using RSA large = RSA.Create(4096);
            RsaPublicKey key = RsaOaep.ImportPublicKey(large.ExportSubjectPublicKeyInfo());
            Assert.Equal(512, key.KeySizeBytes);
            Assert.Equal(446, key.MaxPlaintextLength);

            BigInteger tooLarge = BigInteger.One.ShiftLeft(4103).Add(BigInteger.ValueOf(0x1235));
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(SpkiBuilder.Rsa(tooLarge, F4)));
            Assert.Contains("4104-bit", ex.Message);
        }

        [Fact]
        public void TrailingBytesAreRefused()
        {
            byte[] spki = ValidSpki.Concat(new byte[] { 0 }).ToArray();
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(spki));
            Assert.Contains("trailing", ex.Message);
        }

        [Fact]
        public void AnEcKeyIsRefused()
        {
            using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(ec.ExportSubjectPublicKeyInfo()));
            Assert.Contains("not an RSA key", ex.Message);
            Assert.Contains("1.2.840.10045.2.1", ex.Message);
        }

        [Fact]
        public void RsaPssAndMissingParametersAreRefused()
        {
            var rsaKey = new DerSequence(new DerInteger(ValidModulus), new DerInteger(F4));
            var pss = SpkiBuilder.Build(PkcsObjectIdentifiers.IdRsassaPss, null, rsaKey);
            Assert.Contains("RSASSA-PSS", Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(pss)).Message);

            var noParameters = SpkiBuilder.Build(PkcsObjectIdentifiers.RsaEncryption, null, rsaKey);
            Assert.Contains("NULL", Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(noParameters)).Message);
        }

        [Theory]
        [InlineData(1L)]
        [InlineData(65536L)]
        [InlineData(0x1_0000_0001L)]
        public void UnacceptableExponentsAreRefused(long exponent)
        {
            byte[] spki = SpkiBuilder.Rsa(ValidModulus, BigInteger.ValueOf(exponent));
            Assert.Contains("exponent", Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(spki)).Message);
        }

        [Fact]
        public void ExponentThreeIsAccepted()
        {
            RsaPublicKey key = RsaOaep.ImportPublicKey(SpkiBuilder.Rsa(ValidModulus, BigInteger.Three));
            Assert.Equal(256, key.Encrypt(new byte[] { 1 }).Length);
        }

        [Fact]
        public void AModulusWithASmallFactorIsRefused()
        {
            BigInteger modulus = BigInteger.One.ShiftLeft(2047).Add(BigInteger.One); // 2^odd + 1 is divisible by 3
            Assert.Equal(0, modulus.Mod(BigInteger.Three).IntValue);
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(SpkiBuilder.Rsa(modulus, F4)));
            Assert.Contains("small prime factor", ex.Message);
        }

        [Fact]
        public void NonCanonicalEncodingsAreRefused()
        {
            // The modulus written as a negative INTEGER (its top bit set, no leading zero byte).
            byte[] unsigned = ValidModulus.ToByteArrayUnsigned();
            var negative = new DerSequence(new DerInteger(unsigned), new DerInteger(F4));
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(
                SpkiBuilder.Build(PkcsObjectIdentifiers.RsaEncryption, DerNull.Instance, negative)));

            // The outer length in a longer form than needed (BER, not DER).
            byte[] valid = ValidSpki;
            Assert.Equal(new byte[] { 0x30, 0x82 }, valid.Take(2).ToArray());
            byte[] longForm = new byte[] { 0x30, 0x83, 0x00 }.Concat(valid.Skip(2)).ToArray();
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(longForm));
        }

        [Fact]
        public void EmptyAndNullAreRefused()
        {
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(Array.Empty<byte>()));
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(new byte[3000]));
            Assert.Throws<ArgumentNullException>(() => RsaOaep.ImportPublicKey(null!));
            Assert.Throws<ArgumentNullException>(() => RsaOaep.ImportPublicKeyPem(null!));
        }

        [Fact]
        public void Pkcs1RsaPublicKeyWithoutTheSpkiWrapperIsRefused()
        {
            byte[] pkcs1 = new DerSequence(new DerInteger(ValidModulus), new DerInteger(F4)).GetEncoded(Asn1Encodable.Der);
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(pkcs1));
        }

        [Fact]
        public void AnEcNamedCurveOidInTheRsaSlotIsRefused()
        {
            byte[] spki = SpkiBuilder.Build(PkcsObjectIdentifiers.RsaEncryption, X9ObjectIdentifiers.Prime256v1, new DerSequence(new DerInteger(ValidModulus), new DerInteger(F4)));
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKey(spki));
        }
    }
}
