using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Xunit;
using Xunit.Abstractions;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>Input from the network: TryDecrypt never throws, imports throw only CryptographicException.</summary>
    public sealed class HostileInputTests
    {
        private readonly ITestOutputHelper output;

        public HostileInputTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void TryDecryptOfGarbageReturnsFalseAndNeverThrows(string backend)
        {
            RsaPrivateKey key = RsaBackends.SharedKey(backend);
            var random = new Random(1234);
            var inputs = new List<byte[]?> { null, Array.Empty<byte>(), new byte[1], new byte[255], new byte[257], new byte[512] };

            // Boundary values of the block's length: 0, 1, 2, n-2, n-1, n, n+1, all ones.
            BigInteger n = SpkiBuilder.Read(key.PublicKey.SubjectPublicKeyInfo).Modulus;
            foreach (BigInteger v in new[] { BigInteger.Zero, BigInteger.One, BigInteger.Two })
            {
                inputs.Add(Block(v));
            }

            foreach (int delta in new[] { -2, -1, 0, 1 })
            {
                inputs.Add(Block(n.Add(BigInteger.ValueOf(delta))));
            }

            inputs.Add(Enumerable.Repeat((byte)0xFF, 256).ToArray());

            for (int i = 0; i < 400; i++)
            {
                // Half of them the right length, which reaches the RSA operation and the padding check.
                int length = i % 2 == 0 ? 256 : random.Next(0, 600);
                byte[] garbage = new byte[length];
                random.NextBytes(garbage);
                inputs.Add(garbage);
            }

            // Real ciphertexts with one bit flipped.
            byte[] real = key.PublicKey.Encrypt(new byte[] { 1, 2, 3 });
            for (int bit = 0; bit < 256 * 8; bit += 37)
            {
                byte[] flipped = (byte[])real.Clone();
                flipped[bit / 8] ^= (byte)(1 << (bit % 8));
                inputs.Add(flipped);
            }

            foreach (byte[]? input in inputs)
            {
                bool ok = true;
                byte[]? plaintext = Array.Empty<byte>();
                Exception? ex = Record.Exception(() => ok = key.TryDecrypt(input!, out plaintext));
                Assert.Null(ex);
                Assert.False(ok, $"garbage of {input?.Length} bytes decrypted");
                Assert.Null(plaintext);
            }

            output.WriteLine($"{backend}: {inputs.Count} hostile ciphertexts refused.");

            static byte[] Block(BigInteger value) => BigIntegers256(value);
        }

        [Fact]
        public void ImportPublicKeyOfGarbageThrowsOnlyCryptographicException()
        {
            var random = new Random(99);
            byte[] valid = RsaBackends.SharedKey(RsaBackends.Bcl).PublicKey.SubjectPublicKeyInfo;
            int accepted = 0, refused = 0;

            void Try(byte[] input)
            {
                Exception? ex = Record.Exception(() => RsaOaep.ImportPublicKey(input));
                if (ex is null)
                {
                    accepted++;
                }
                else
                {
                    Assert.True(ex is CryptographicException, $"{ex.GetType().Name} for {Convert.ToHexString(input)}: {ex.Message}");
                    refused++;
                }
            }

            for (int i = 0; i < 300; i++)
            {
                byte[] garbage = new byte[random.Next(0, 400)];
                random.NextBytes(garbage);
                if (garbage.Length > 0 && i % 3 == 0)
                {
                    garbage[0] = 0x30; // looks like a SEQUENCE, to get further into the parser
                }

                Try(garbage);
            }

            // Every truncation, and single-byte corruptions of the header part (the ASN.1 structure).
            for (int length = 0; length < valid.Length; length++)
            {
                Try(valid.Take(length).ToArray());
            }

            for (int position = 0; position < 40; position++)
            {
                foreach (byte value in new byte[] { 0x00, 0x01, 0x7F, 0x80, 0x81, 0x84, 0xFF, (byte)(valid[position] ^ 1) })
                {
                    byte[] corrupted = (byte[])valid.Clone();
                    corrupted[position] = value;
                    Try(corrupted);
                }
            }

            // Deep nesting: the parser must refuse it, not overflow the stack.
            byte[] nested = Enumerable.Repeat(new byte[] { 0x30, 0x80 }, 1000).SelectMany(b => b).ToArray();
            Try(nested);

            output.WriteLine($"{refused} refused, {accepted} accepted (corruptions that still form a valid key).");
            Assert.True(refused > 600);
        }

        /// <summary>An unsigned value as a 256-byte big-endian block.</summary>
        private static byte[] BigIntegers256(BigInteger value)
        {
            byte[] bytes = value.ToByteArrayUnsigned();
            byte[] block = new byte[Math.Max(256, bytes.Length)];
            Array.Copy(bytes, 0, block, block.Length - bytes.Length, bytes.Length);
            return block;
        }
    }
}
