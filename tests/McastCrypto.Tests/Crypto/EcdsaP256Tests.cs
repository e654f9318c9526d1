using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Xunit;
using BcBigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// <see cref="EcdsaP256PrivateKey"/> and <see cref="EcdsaP256PublicKey"/> on both backends:
    /// signatures, hostile signatures and keys, the SubjectPublicKeyInfo and PKCS#8 encodings, and
    /// interoperation with .NET's own ECDsa as an independent implementation.
    /// </summary>
    public sealed class EcdsaP256Tests
    {
        private static readonly byte[] Data = "a relay datagram"u8.ToArray();

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ASignatureVerifiesAndAnyChangeBreaksIt(string backend)
        {
            using EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(backend);
            byte[] signature = key.Sign(Data);
            Assert.Equal(64, signature.Length);
            Assert.True(key.PublicKey.Verify(Data, signature));

            for (int bit = 0; bit < signature.Length * 8; bit += 3)
            {
                Assert.False(key.PublicKey.Verify(Data, Flip(signature, bit)), $"signature bit {bit}");
            }

            for (int bit = 0; bit < Data.Length * 8; bit++)
            {
                Assert.False(key.PublicKey.Verify(Flip(Data, bit), signature), $"data bit {bit}");
            }

            using EcdsaP256PrivateKey other = CryptoBackends.EcdsaGenerate(backend);
            Assert.False(other.PublicKey.Verify(Data, signature));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void HostileSignaturesReturnFalseAndNeverThrow(string backend)
        {
            using EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(backend);
            EcdsaP256PublicKey publicKey = key.PublicKey;
            byte[] real = key.Sign(Data);
            byte[] n = EcdhP256Tests.Order;
            byte[] one = new byte[31].Append((byte)1).ToArray();
            var cases = new List<(string Name, byte[]? Data, byte[]? Signature)>
            {
                ("null data", null, real),
                ("null signature", Data, null),
                ("empty signature", Data, Array.Empty<byte>()),
                ("63 bytes", Data, real.Take(63).ToArray()),
                ("65 bytes", Data, real.Concat(new byte[1]).ToArray()),
                ("128 bytes", Data, real.Concat(real).ToArray()),
                ("zeros", Data, new byte[64]),
                ("all ones", Data, Enumerable.Repeat((byte)0xFF, 64).ToArray()),
                ("r = 0", Data, new byte[32].Concat(real.Skip(32)).ToArray()),
                ("s = 0", Data, real.Take(32).Concat(new byte[32]).ToArray()),
                ("r = n", Data, n.Concat(real.Skip(32)).ToArray()),
                ("s = n", Data, real.Take(32).Concat(n).ToArray()),
                ("r = s = 1", Data, one.Concat(one).ToArray()),
                ("s and r swapped", Data, real.Skip(32).Concat(real.Take(32)).ToArray()),
                ("DER instead of P1363", Data, ToDer(real)),
            };
            var random = new Random(6979);
            for (int i = 0; i < 100; i++)
            {
                byte[] garbage = new byte[i % 2 == 0 ? 64 : random.Next(0, 150)];
                random.NextBytes(garbage);
                cases.Add(($"garbage {i}", Data, garbage));
            }

            foreach (var (name, data, signature) in cases)
            {
                bool verified = true;
                Exception? ex = Record.Exception(() => verified = publicKey.Verify(data!, signature!));
                Assert.True(ex is null, $"{name}: {ex}");
                Assert.False(verified, name);
                if (name != "DER instead of P1363")
                {
                    Assert.False(publicKey.VerifyDer(data!, signature!), name + " (as DER)");
                }
            }

            Assert.False(publicKey.Verify(default, new ArraySegment<byte>(real)));
            Assert.False(publicKey.Verify(new ArraySegment<byte>(Data), default));
            Assert.True(publicKey.Verify(Data, real));
            Assert.True(publicKey.VerifyDer(Data, ToDer(real)));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void SlicesOfADatagramAreSignedAndVerifiedInPlace(string backend)
        {
            using EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(backend);
            byte[] datagram = new byte[5 + Data.Length + 64];
            Data.CopyTo(datagram, 5);
            byte[] signature = key.Sign(new ArraySegment<byte>(datagram, 5, Data.Length));
            signature.CopyTo(datagram, 5 + Data.Length);

            Assert.True(key.PublicKey.Verify(Data, signature));
            Assert.True(key.PublicKey.Verify(new ArraySegment<byte>(datagram, 5, Data.Length), new ArraySegment<byte>(datagram, 5 + Data.Length, 64)));
            Assert.False(key.PublicKey.Verify(new ArraySegment<byte>(datagram, 4, Data.Length), new ArraySegment<byte>(datagram, 5 + Data.Length, 64)));
            Assert.False(key.PublicKey.Verify(new ArraySegment<byte>(datagram, 5, Data.Length), new ArraySegment<byte>(datagram, 4 + Data.Length, 64)));
            Assert.Throws<ArgumentNullException>(() => key.Sign(default(ArraySegment<byte>)));
            Assert.Throws<ArgumentNullException>(() => key.Sign((byte[])null!));
        }

        [Fact]
        public void BouncyCastleSignaturesAreDeterministicAndThePlatformsRandomized()
        {
            using EcdsaP256PrivateKey bouncyCastle = CryptoBackends.EcdsaGenerate(CryptoBackends.BouncyCastle);
            Assert.Equal(bouncyCastle.Sign(Data), bouncyCastle.Sign(Data));
            using EcdsaP256PrivateKey bcl = CryptoBackends.EcdsaGenerate(CryptoBackends.Bcl);
            Assert.NotEqual(bcl.Sign(Data), bcl.Sign(Data));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void DotNetsOwnEcdsaVerifiesOurSignaturesAndWeVerifyItsSignatures(string backend)
        {
            using EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(backend);
            using ECDsa platform = ECDsa.Create();
            platform.ImportSubjectPublicKeyInfo(key.PublicKey.SubjectPublicKeyInfo, out int read);
            Assert.Equal(91, read);
            Assert.True(platform.VerifyData(Data, key.Sign(Data), HashAlgorithmName.SHA256));

            using ECDsa signer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            EcdsaP256PublicKey imported = CryptoBackends.EcdsaImportSpki(backend, signer.ExportSubjectPublicKeyInfo());
            Assert.True(imported.Verify(Data, signer.SignData(Data, HashAlgorithmName.SHA256)));
            Assert.True(imported.VerifyDer(Data, signer.SignData(Data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ThePublicKeyEncodingsAreThePlatformsAndTheFingerprintHashesTheSpki(string backend)
        {
            using ECDsa platform = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] spki = platform.ExportSubjectPublicKeyInfo();
            ECParameters parameters = platform.ExportParameters(false);
            byte[] point = new byte[] { 4 }.Concat(parameters.Q.X!).Concat(parameters.Q.Y!).ToArray();

            EcdsaP256PublicKey fromSpki = CryptoBackends.EcdsaImportSpki(backend, spki);
            EcdsaP256PublicKey fromPoint = CryptoBackends.EcdsaImport(backend, point);

            Assert.Equal(point, fromSpki.Point);
            Assert.Equal(spki, fromPoint.SubjectPublicKeyInfo);
            string expected = "SHA256:" + Convert.ToBase64String(SHA256.HashData(spki)).TrimEnd('=');
            Assert.Equal(expected, fromSpki.Fingerprint);
            Assert.Equal(expected, fromPoint.Fingerprint);
            Assert.Equal(50, expected.Length);

            // The properties hand out copies.
            fromSpki.Point[1] ^= 1;
            fromSpki.SubjectPublicKeyInfo[30] ^= 1;
            Assert.Equal(point, fromSpki.Point);
            Assert.Equal(spki, fromSpki.SubjectPublicKeyInfo);
        }

        [Fact]
        public void ThePublicImportsCheckAsTheBackendHelpersDo()
        {
            using ECDsa platform = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] spki = platform.ExportSubjectPublicKeyInfo();
            EcdsaP256PublicKey key = EcdsaP256PublicKey.ImportSubjectPublicKeyInfo(spki);
            Assert.IsType<BclEcdsaP256PublicKey>(key);
            Assert.Equal(key.Point, EcdsaP256PublicKey.Import(key.Point).Point);
            Assert.Throws<ArgumentNullException>(() => EcdsaP256PublicKey.Import(null!));
            Assert.Throws<ArgumentNullException>(() => EcdsaP256PublicKey.ImportSubjectPublicKeyInfo(null!));
            Assert.Throws<CryptographicException>(() => EcdsaP256PublicKey.Import(EcdhP256Tests.Generator.Take(33).ToArray()));
            Assert.Throws<CryptographicException>(() => EcdsaP256PublicKey.ImportSubjectPublicKeyInfo(spki.Take(90).ToArray()));
        }

        [Theory]
        [InlineData("RSA", "rsaEncryption")]
        [InlineData("P-384", "secp384r1")]
        [InlineData("compressed", "compressed")]
        [InlineData("explicit curve", "explicit parameters")]
        [InlineData("trailing byte", "not a DER SubjectPublicKeyInfo")]
        [InlineData("long-form length", "canonical DER")]
        [InlineData("not on the curve", "not a point on the curve")]
        [InlineData("garbage", "not a DER SubjectPublicKeyInfo")]
        [InlineData("empty", "not a DER SubjectPublicKeyInfo")]
        public void ASubjectPublicKeyInfoThatIsNotAP256KeyIsRefusedWithAClearMessage(string variant, string messagePart)
        {
            using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] valid = p256.ExportSubjectPublicKeyInfo();
            ECParameters q = p256.ExportParameters(false);
            byte[] spki = variant switch
            {
                "RSA" => RSA.Create(2048).ExportSubjectPublicKeyInfo(),
                "P-384" => ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportSubjectPublicKeyInfo(),
                "compressed" => new SubjectPublicKeyInfo(
                    new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, SecObjectIdentifiers.SecP256r1),
                    new[] { (byte)(2 + (q.Q.Y![31] & 1)) }.Concat(q.Q.X!).ToArray()).GetEncoded(Asn1Encodable.Der),
                "explicit curve" => new SubjectPublicKeyInfo(
                    new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, new X962Parameters(ECNamedCurveTable.GetByName("P-256"))),
                    valid.Skip(26).ToArray()).GetEncoded(Asn1Encodable.Der),
                "trailing byte" => valid.Append((byte)0).ToArray(),
                "long-form length" => new byte[] { 0x30, 0x81, 0x59 }.Concat(valid.Skip(2)).ToArray(),
                "not on the curve" => Flip(valid, (valid.Length * 8) - 1),
                "garbage" => new byte[91],
                "empty" => Array.Empty<byte>(),
                _ => throw new ArgumentOutOfRangeException(nameof(variant)),
            };
            foreach (string backend in new[] { CryptoBackends.Bcl, CryptoBackends.BouncyCastle })
            {
                var ex = Assert.Throws<CryptographicException>(() => CryptoBackends.EcdsaImportSpki(backend, spki));
                Assert.Contains(messagePart, ex.Message);
            }
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Pairs), MemberType = typeof(CryptoBackends))]
        public void ThePkcs8PemRoundTrips(string exporter, string importer)
        {
            using EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(exporter);
            string pem = key.ExportPkcs8Pem();
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", pem);
            Assert.EndsWith("-----END PRIVATE KEY-----\n", pem);

            using EcdsaP256PrivateKey back = CryptoBackends.EcdsaImportPkcs8(importer, Pem.Decode("PRIVATE KEY", pem));
            Assert.Equal(key.PublicKey.SubjectPublicKeyInfo, back.PublicKey.SubjectPublicKeyInfo);
            Assert.True(key.PublicKey.Verify(Data, back.Sign(Data)));

            // .NET reads what we write, as the same key.
            using ECDsa platform = ECDsa.Create();
            platform.ImportFromPem(pem);
            Assert.Equal(key.PublicKey.SubjectPublicKeyInfo, platform.ExportSubjectPublicKeyInfo());
        }

        [Fact]
        public void ImportPkcs8PemReadsWhatDotNetWrites()
        {
            using ECDsa platform = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            using EcdsaP256PrivateKey key = EcdsaP256PrivateKey.ImportPkcs8Pem(platform.ExportPkcs8PrivateKeyPem());
            Assert.Equal(platform.ExportSubjectPublicKeyInfo(), key.PublicKey.SubjectPublicKeyInfo);
            Assert.True(platform.VerifyData(Data, key.Sign(Data), HashAlgorithmName.SHA256));
        }

        [Theory]
        [InlineData("RSA key", "RSA key")]
        [InlineData("P-384 key", "secp384r1")]
        [InlineData("explicit curve", "explicit parameters")]
        [InlineData("SEC1 label", "EC PRIVATE KEY")]
        [InlineData("encrypted", "ENCRYPTED PRIVATE KEY")]
        [InlineData("public key", "PUBLIC KEY")]
        [InlineData("mismatched public key", "not the public key of its private scalar")]
        [InlineData("scalar zero", "out of range")]
        [InlineData("scalar n", "out of range")]
        [InlineData("33-byte scalar", "33 bytes long")]
        [InlineData("trailing bytes", "left over")]
        [InlineData("garbage", "not a PKCS#8 private key")]
        [InlineData("empty", "empty")]
        [InlineData("too long", "characters long")]
        public void ImportPkcs8PemRefusesAnythingButAP256KeyWithAClearMessage(string variant, string messagePart)
        {
            using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            ECParameters parameters = p256.ExportParameters(true);
            byte[] otherPoint = new byte[] { 4 }.Concat(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportParameters(false).Q.X!)
                .Concat(ECDsa.Create(ECCurve.NamedCurves.nistP256).ExportParameters(false).Q.Y!).ToArray();
            string pem = variant switch
            {
                "RSA key" => RSA.Create(2048).ExportPkcs8PrivateKeyPem(),
                "P-384 key" => ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportPkcs8PrivateKeyPem(),
                "explicit curve" => Pkcs8Pem(new X962Parameters(ECNamedCurveTable.GetByName("P-256")), parameters.D!, null),
                "SEC1 label" => p256.ExportECPrivateKeyPem(),
                "encrypted" => p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)),
                "public key" => p256.ExportSubjectPublicKeyInfoPem(),
                "mismatched public key" => Pkcs8Pem(new X962Parameters(SecObjectIdentifiers.SecP256r1), parameters.D!, otherPoint),
                "scalar zero" => Pkcs8Pem(new X962Parameters(SecObjectIdentifiers.SecP256r1), new byte[32], null),
                "scalar n" => Pkcs8Pem(new X962Parameters(SecObjectIdentifiers.SecP256r1), EcdhP256Tests.Order, null),
                "33-byte scalar" => Pkcs8Pem(new X962Parameters(SecObjectIdentifiers.SecP256r1), new byte[1].Concat(parameters.D!).ToArray(), null),
                "trailing bytes" => Pem.Encode("PRIVATE KEY", p256.ExportPkcs8PrivateKey().Append((byte)0).ToArray()),
                "garbage" => Pem.Encode("PRIVATE KEY", new byte[] { 1, 2, 3, 4 }),
                "empty" => string.Empty,
                "too long" => p256.ExportPkcs8PrivateKeyPem() + new string(' ', 5000),
                _ => throw new ArgumentOutOfRangeException(nameof(variant)),
            };
            var ex = Assert.Throws<CryptographicException>(() => EcdsaP256PrivateKey.ImportPkcs8Pem(pem));
            Assert.Contains(messagePart, ex.Message);
            if (variant == "too long")
            {
                return; // a limit of the PEM import alone: the key in it is fine
            }

            foreach (string backend in new[] { CryptoBackends.Bcl, CryptoBackends.BouncyCastle })
            {
                byte[] der;
                try
                {
                    der = Pem.Decode("PRIVATE KEY", pem);
                }
                catch (CryptographicException)
                {
                    continue; // refused before any backend sees it
                }

                Assert.Throws<CryptographicException>(() => CryptoBackends.EcdsaImportPkcs8(backend, der));
            }
        }

        [Fact]
        public void ImportPkcs8PemRefusesNull()
        {
            Assert.Throws<ArgumentNullException>(() => EcdsaP256PrivateKey.ImportPkcs8Pem(null!));
        }

        [Fact]
        public void APkcs8KeyWithoutItsPublicKeyOrCurveInsideIsAccepted()
        {
            // RFC 5915 makes both optional inside PKCS#8; the outer algorithm names the curve.
            using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            ECParameters parameters = p256.ExportParameters(true);
            var inner = new DerSequence(DerInteger.ValueOf(1), new DerOctetString(parameters.D!));
            var info = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, SecObjectIdentifiers.SecP256r1), inner);
            using EcdsaP256PrivateKey key = EcdsaP256PrivateKey.ImportPkcs8Pem(Pem.Encode("PRIVATE KEY", info.GetEncoded(Asn1Encodable.Der)));
            Assert.Equal(p256.ExportSubjectPublicKeyInfo(), key.PublicKey.SubjectPublicKeyInfo);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ADisposedKeyThrowsObjectDisposedButItsPublicKeyLives(string backend)
        {
            EcdsaP256PrivateKey key = CryptoBackends.EcdsaGenerate(backend);
            byte[] signature = key.Sign(Data);
            key.Dispose();
            key.Dispose();
            Assert.Throws<ObjectDisposedException>(() => key.Sign(Data));
            Assert.Throws<ObjectDisposedException>(() => key.ExportPkcs8Pem());
            Assert.True(key.PublicKey.Verify(Data, signature));
        }

        [Fact]
        public void GeneratePicksThePlatformOnDotNet8()
        {
            using EcdsaP256PrivateKey key = EcdsaP256PrivateKey.Generate();
            Assert.IsType<BclEcdsaP256PrivateKey>(key);
            Assert.IsType<BclEcdsaP256PublicKey>(key.PublicKey);
        }

        /// <summary>A P1363 signature as DER, by BouncyCastle's encoder.</summary>
        private static byte[] ToDer(byte[] p1363) =>
            Org.BouncyCastle.Crypto.Signers.StandardDsaEncoding.Instance.Encode(
                null, new BcBigInteger(1, p1363, 0, 32), new BcBigInteger(1, p1363, 32, 32));

        private static string Pkcs8Pem(X962Parameters curve, byte[] scalar, byte[]? publicPoint)
        {
            var fields = new Asn1EncodableVector(DerInteger.ValueOf(1), new DerOctetString(scalar));
            if (publicPoint is not null)
            {
                fields.Add(new DerTaggedObject(true, 1, new DerBitString(publicPoint)));
            }

            var info = new PrivateKeyInfo(new AlgorithmIdentifier(X9ObjectIdentifiers.IdECPublicKey, curve), new DerSequence(fields));
            return Pem.Encode("PRIVATE KEY", info.GetEncoded(Asn1Encodable.Der));
        }

        private static byte[] Flip(byte[] bytes, int bit)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[bit / 8] ^= (byte)(1 << (bit % 8));
            return copy;
        }
    }
}
