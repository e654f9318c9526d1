using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary><see cref="EcdhP256"/> on both backends: known answers, and hostile peer keys refused with CryptographicException.</summary>
    public sealed class EcdhP256Tests
    {
        /// <summary>The generator G of P-256 (FIPS 186-4, D.1.2.3), uncompressed.</summary>
        internal static readonly byte[] Generator = Convert.FromHexString(
            "04" + "6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296"
            + "4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5");

        /// <summary>The field prime p of P-256.</summary>
        internal static readonly byte[] Prime = Convert.FromHexString("FFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF");

        /// <summary>The group order n of P-256.</summary>
        internal static readonly byte[] Order = Convert.FromHexString("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ThePublicKeyOfScalarOneIsTheGenerator(string backend)
        {
            using EcdhP256 one = CryptoBackends.EcdhImport(backend, new byte[] { 1 });
            Assert.Equal(Generator, one.PublicKey);

            // And the secret of d with G is the X coordinate of d·G, the other side's public key.
            using EcdhP256 other = CryptoBackends.EcdhGenerate(backend);
            Assert.Equal(other.PublicKey.Skip(1).Take(32).ToArray(), other.DeriveSharedSecret(Generator));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void GeneratedKeysAreFreshValidPointsAndAgree(string backend)
        {
            using EcdhP256 a = CryptoBackends.EcdhGenerate(backend);
            using EcdhP256 b = CryptoBackends.EcdhGenerate(backend);
            Assert.Equal(EcdhP256.PublicKeySize, a.PublicKey.Length);
            Assert.Equal(0x04, a.PublicKey[0]);
            Assert.NotEqual(a.PublicKey, b.PublicKey);
            P256.DecodePoint(a.PublicKey);
            Assert.Equal(a.DeriveSharedSecret(b.PublicKey), b.DeriveSharedSecret(a.PublicKey));

            // PublicKey hands out copies.
            a.PublicKey[1] ^= 1;
            P256.DecodePoint(a.PublicKey);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void HostilePeerKeysAreRefusedWithCryptographicException(string backend)
        {
            using EcdhP256 ecdh = CryptoBackends.EcdhGenerate(backend);
            byte[] x = Generator.Skip(1).Take(32).ToArray();
            byte[] y = Generator.Skip(33).ToArray();
            var cases = new List<(string Name, byte[] Key)>
            {
                ("empty", Array.Empty<byte>()),
                ("the point at infinity", new byte[] { 0x00 }),
                ("compressed G", new byte[] { 0x02 }.Concat(x).ToArray()),
                ("compressed G, odd", new byte[] { 0x03 }.Concat(x).ToArray()),
                ("X || Y without the 0x04", x.Concat(y).ToArray()),
                ("one byte more", Generator.Concat(new byte[1]).ToArray()),
                ("one byte less", Generator.Take(64).ToArray()),
                ("0x05 first", new byte[] { 0x05 }.Concat(x).Concat(y).ToArray()),
                ("hybrid 0x06", new byte[] { 0x06 }.Concat(x).Concat(y).ToArray()),
                ("hybrid 0x07", new byte[] { 0x07 }.Concat(x).Concat(y).ToArray()),
                ("(0, 0)", new byte[65].Select((b, i) => i == 0 ? (byte)4 : b).ToArray()),
                ("Y with its last bit flipped: off the curve", Flip(Generator, 64, 0)),
                ("X with a bit flipped", Flip(Generator, 20, 3)),
                ("X = p", new byte[] { 4 }.Concat(Prime).Concat(y).ToArray()),
                ("Y = p", new byte[] { 4 }.Concat(x).Concat(Prime).ToArray()),
                ("X = Y = all ones", new byte[] { 4 }.Concat(Enumerable.Repeat((byte)0xFF, 64)).ToArray()),
                ("a P-384 point's length", new byte[97].Select((b, i) => i == 0 ? (byte)4 : b).ToArray()),
            };
            var random = new Random(256);
            for (int i = 0; i < 100; i++)
            {
                byte[] garbage = new byte[i % 2 == 0 ? 65 : random.Next(0, 200)];
                random.NextBytes(garbage);
                if (garbage.Length > 0 && i % 4 == 0)
                {
                    garbage[0] = 0x04;
                }

                cases.Add(($"garbage {i}", garbage));
            }

            foreach (var (name, key) in cases)
            {
                Exception? ex = Record.Exception(() => ecdh.DeriveSharedSecret(key));
                Assert.True(ex is CryptographicException, $"{name}: {(ex is null ? "accepted" : ex.ToString())}");
            }

            Assert.Throws<ArgumentNullException>(() => ecdh.DeriveSharedSecret(null!));

            // The key pair still works after all that.
            using EcdhP256 peer = CryptoBackends.EcdhGenerate(backend);
            Assert.Equal(peer.DeriveSharedSecret(ecdh.PublicKey), ecdh.DeriveSharedSecret(peer.PublicKey));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void TheNegationOfAPointIsAcceptedAndGivesTheSameX(string backend)
        {
            // -G = (x, p - y) is a valid point; d·(-G) = -(d·G) has the same X coordinate.
            var p = new System.Numerics.BigInteger(Prime, isUnsigned: true, isBigEndian: true);
            var gy = new System.Numerics.BigInteger(Generator.AsSpan(33), isUnsigned: true, isBigEndian: true);
            byte[] negY = (p - gy).ToByteArray(isUnsigned: true, isBigEndian: true);
            byte[] minusG = new byte[] { 4 }.Concat(Generator.Skip(1).Take(32)).Concat(new byte[32 - negY.Length]).Concat(negY).ToArray();

            using EcdhP256 ecdh = CryptoBackends.EcdhGenerate(backend);
            Assert.Equal(ecdh.DeriveSharedSecret(Generator), ecdh.DeriveSharedSecret(minusG));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ScalarsOutOfRangeAreRefused(string backend)
        {
            byte[] orderPlusOne = (byte[])Order.Clone();
            orderPlusOne[^1]++;
            foreach (byte[] scalar in new[] { Array.Empty<byte>(), new byte[] { 0 }, new byte[32], Order, orderPlusOne, Enumerable.Repeat((byte)0xFF, 32).ToArray(), new byte[] { 1 }.Concat(new byte[32]).ToArray() })
            {
                Assert.Throws<CryptographicException>(() => CryptoBackends.EcdhImport(backend, scalar));
            }

            byte[] orderMinusOne = (byte[])Order.Clone();
            orderMinusOne[^1]--;
            using EcdhP256 largest = CryptoBackends.EcdhImport(backend, orderMinusOne);

            // (n - 1)·G = -G
            Assert.Equal(Generator.Take(33).ToArray(), largest.PublicKey.Take(33).ToArray());
            Assert.NotEqual(Generator, largest.PublicKey);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ADisposedKeyPairThrowsObjectDisposed(string backend)
        {
            EcdhP256 ecdh = CryptoBackends.EcdhGenerate(backend);
            byte[] publicKey = ecdh.PublicKey;
            ecdh.Dispose();
            ecdh.Dispose();
            Assert.Throws<ObjectDisposedException>(() => ecdh.DeriveSharedSecret(Generator));
            Assert.Equal(publicKey, ecdh.PublicKey);
        }

        [Fact]
        public void GenerateAndImportPickThePlatformOnDotNet8()
        {
            using EcdhP256 generated = EcdhP256.Generate();
            using EcdhP256 imported = EcdhP256.ImportPrivateKey(new byte[] { 7 });
            Assert.IsType<BclEcdhP256>(generated);
            Assert.IsType<BclEcdhP256>(imported);
        }

        private static byte[] Flip(byte[] bytes, int index, int bit)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[index] ^= (byte)(1 << bit);
            return copy;
        }
    }
}
