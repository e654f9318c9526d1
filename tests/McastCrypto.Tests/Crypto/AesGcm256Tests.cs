using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// <see cref="AesGcm256"/> on both backends: its argument checks, and hostile input to TryOpen
    /// (what the network sends), which must return false and never throw.
    /// </summary>
    public sealed class AesGcm256Tests
    {
        private static readonly byte[] Key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        private static readonly byte[] Nonce = Enumerable.Range(100, 12).Select(i => (byte)i).ToArray();
        private static readonly byte[] Aad = { 0x4D, 0x43, 0x01, 0x02 };
        private static readonly byte[] Message = Enumerable.Range(0, 100).Select(i => (byte)(i * 7)).ToArray();

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void TryOpenOfHostileInputReturnsFalseAndNeverThrows(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] real = aead.Seal(Nonce, Message, Aad);
            var cases = new List<(string Name, byte[]? Nonce, byte[]? Sealed, byte[]? Aad)>
            {
                ("null nonce", null, real, Aad),
                ("empty nonce", Array.Empty<byte>(), real, Aad),
                ("11-byte nonce", Nonce.Take(11).ToArray(), real, Aad),
                ("13-byte nonce", Nonce.Concat(new byte[1]).ToArray(), real, Aad),
                ("16-byte nonce", Nonce.Concat(new byte[4]).ToArray(), real, Aad),
                ("another nonce", Flip(Nonce, 0), real, Aad),
                ("null data", Nonce, null, Aad),
                ("empty data", Nonce, Array.Empty<byte>(), Aad),
                ("15 bytes", Nonce, real.Take(15).ToArray(), Aad),
                ("the tag alone", Nonce, real.Skip(real.Length - 16).ToArray(), Aad),
                ("truncated by one", Nonce, real.Take(real.Length - 1).ToArray(), Aad),
                ("one byte more", Nonce, real.Concat(new byte[1]).ToArray(), Aad),
                ("without the associated data", Nonce, real, null),
                ("empty associated data", Nonce, real, Array.Empty<byte>()),
                ("longer associated data", Nonce, real, Aad.Concat(new byte[1]).ToArray()),
                ("all zeros", Nonce, new byte[real.Length], Aad),
            };
            for (int bit = 0; bit < real.Length * 8; bit++)
            {
                cases.Add(($"bit {bit} of the ciphertext and tag flipped", Nonce, Flip(real, bit), Aad));
            }

            for (int bit = 0; bit < Aad.Length * 8; bit++)
            {
                cases.Add(($"bit {bit} of the associated data flipped", Nonce, real, Flip(Aad, bit)));
            }

            var random = new Random(4242);
            for (int i = 0; i < 200; i++)
            {
                byte[] garbage = new byte[random.Next(0, 300)];
                random.NextBytes(garbage);
                cases.Add(($"garbage {i}", Nonce, garbage, Aad));
            }

            foreach (var (name, nonce, sealedData, aad) in cases)
            {
                bool opened = true;
                byte[]? plaintext = Array.Empty<byte>();
                Exception? ex = Record.Exception(() => opened = aead.TryOpen(nonce!, sealedData!, aad, out plaintext));
                Assert.True(ex is null, $"{name}: {ex}");
                Assert.False(opened, name);
                Assert.Null(plaintext);
            }

            // The real one still opens: the failures above did not disturb the cipher's state.
            Assert.True(aead.TryOpen(Nonce, real, Aad, out byte[]? message));
            Assert.Equal(Message, message);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void TryOpenOfHostileSegmentsReturnsFalse(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] real = aead.Seal(Nonce, Message, Aad);
            byte[] datagram = Aad.Concat(real).ToArray();

            Assert.False(aead.TryOpen(Nonce, default, new ArraySegment<byte>(Aad), out byte[]? p1));
            Assert.Null(p1);
            Assert.False(aead.TryOpen(Nonce, new ArraySegment<byte>(datagram, Aad.Length, 15), new ArraySegment<byte>(datagram, 0, Aad.Length), out byte[]? p2));
            Assert.Null(p2);
            Assert.False(aead.TryOpen(Nonce, new ArraySegment<byte>(datagram, Aad.Length - 1, real.Length), new ArraySegment<byte>(datagram, 0, Aad.Length), out _));
            Assert.False(aead.TryOpen(Nonce, new ArraySegment<byte>(datagram, Aad.Length, real.Length), default, out _));
            Assert.True(aead.TryOpen(Nonce, new ArraySegment<byte>(datagram, Aad.Length, real.Length), new ArraySegment<byte>(datagram, 0, Aad.Length), out byte[]? ok));
            Assert.Equal(Message, ok);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void NullAndEmptyAssociatedDataAreTheSame(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] withNull = aead.Seal(Nonce, Message, null);
            Assert.True(aead.TryOpen(Nonce, withNull, Array.Empty<byte>(), out byte[]? p));
            Assert.Equal(Message, p);
            Assert.True(aead.TryOpen(Nonce, withNull, null, out _));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void AnEmptyMessageSealsToATagAlone(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] sealedData = aead.Seal(Nonce, Array.Empty<byte>(), Aad);
            Assert.Equal(AesGcm256.TagSize, sealedData.Length);
            Assert.True(aead.TryOpen(Nonce, sealedData, Aad, out byte[]? p));
            Assert.Empty(p!);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void SealIntoADatagramWritesWhereItIsTold(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] expected = aead.Seal(Nonce, Message, Aad);
            byte[] source = new byte[] { 9, 9 }.Concat(Message).Concat(new byte[] { 9 }).ToArray();
            byte[] datagram = Enumerable.Repeat((byte)0xAB, 3 + Aad.Length + expected.Length + 2).ToArray();
            Aad.CopyTo(datagram, 3);
            byte[] nonce = Flip(Nonce, 5); // Seal refuses the previous seal's nonce

            int written = aead.Seal(nonce, new ArraySegment<byte>(source, 2, Message.Length), new ArraySegment<byte>(datagram, 3, Aad.Length), datagram, 3 + Aad.Length);

            Assert.Equal(Message.Length + AesGcm256.TagSize, written);
            using (AesGcm256 other = CryptoBackends.Aes(backend, Key))
            {
                Assert.Equal(other.Seal(nonce, Message, Aad), datagram.Skip(3 + Aad.Length).Take(written).ToArray());
            }

            Assert.Equal(new byte[] { 0xAB, 0xAB, 0xAB }, datagram.Take(3).ToArray());
            Assert.Equal(new byte[] { 0xAB, 0xAB }, datagram.Skip(datagram.Length - 2).ToArray());
            Assert.True(aead.TryOpen(nonce, new ArraySegment<byte>(datagram, 3 + Aad.Length, written), new ArraySegment<byte>(datagram, 3, Aad.Length), out byte[]? p));
            Assert.Equal(Message, p);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void SealRefusesBadArguments(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            Assert.Throws<ArgumentNullException>(() => aead.Seal(null!, Message, Aad));
            Assert.Throws<ArgumentNullException>(() => aead.Seal(Nonce, null!, Aad));
            Assert.Throws<ArgumentNullException>(() => aead.Seal(Nonce, default(ArraySegment<byte>), default(ArraySegment<byte>)));
            foreach (int length in new[] { 0, 1, 8, 11, 13, 16, 32 })
            {
                Assert.Contains("12", Assert.Throws<ArgumentException>(() => aead.Seal(new byte[length], Message, Aad)).Message);
            }

            byte[] buffer = new byte[200];
            Assert.Throws<ArgumentNullException>(() => aead.Seal(Nonce, new ArraySegment<byte>(Message), default, null!, 0));
            Assert.Throws<ArgumentException>(() => aead.Seal(Nonce, new ArraySegment<byte>(Message), default, new byte[Message.Length + 15], 0));
            Assert.Throws<ArgumentException>(() => aead.Seal(Nonce, new ArraySegment<byte>(Message), default, buffer, 200 - Message.Length - 15));
            Assert.Throws<ArgumentException>(() => aead.Seal(Nonce, new ArraySegment<byte>(Message), default, buffer, -1));
            Assert.Throws<ArgumentException>(() => aead.Seal(Nonce, new ArraySegment<byte>(buffer, 0, 50), default, buffer, 40));
            Assert.Throws<ArgumentException>(() => aead.Seal(Nonce, new ArraySegment<byte>(Message), new ArraySegment<byte>(buffer, 150, 10), buffer, 40));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void SealRefusesTheNonceItSealedWithLast(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] first = aead.Seal(Nonce, Message, Aad);
            var ex = Assert.Throws<ArgumentException>(() => aead.Seal(Nonce, new byte[] { 1 }, Aad));
            Assert.Contains("never be used twice", ex.Message);

            // Opening with that nonce is fine, and so is sealing with another one.
            Assert.True(aead.TryOpen(Nonce, first, Aad, out _));
            aead.Seal(Flip(Nonce, 0), Message, Aad);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(16)]
        [InlineData(24)]
        [InlineData(31)]
        [InlineData(33)]
        [InlineData(64)]
        public void CreateRefusesKeysThatAreNot32Bytes(int length)
        {
            Assert.Contains("AES-256", Assert.Throws<ArgumentException>(() => AesGcm256.Create(new byte[length])).Message);
            Assert.Throws<ArgumentException>(() => AesGcm256.CreateBouncyCastle(new byte[length]));
            Assert.Throws<ArgumentException>(() => AesGcm256.CreateBcl(new byte[length]));
        }

        [Fact]
        public void CreateRefusesNull()
        {
            Assert.Throws<ArgumentNullException>(() => AesGcm256.Create(null!));
        }

        [Fact]
        public void CreatePicksThePlatformOnDotNet8()
        {
            using AesGcm256 aead = AesGcm256.Create(Key);
            Assert.IsType(AesGcm.IsSupported ? typeof(BclAesGcm256) : typeof(BouncyCastleAesGcm256), aead);
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public void ADisposedCipherThrowsObjectDisposed(string backend)
        {
            AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            byte[] real = aead.Seal(Nonce, Message, Aad);
            aead.Dispose();
            aead.Dispose();
            Assert.Throws<ObjectDisposedException>(() => aead.Seal(Flip(Nonce, 1), Message, Aad));
            Assert.Throws<ObjectDisposedException>(() => aead.TryOpen(Nonce, real, Aad, out _));
            Assert.Throws<ObjectDisposedException>(() => aead.TryOpen(null!, null!, null, out _));
        }

        [Theory]
        [MemberData(nameof(CryptoBackends.Names), MemberType = typeof(CryptoBackends))]
        public async Task ConcurrentSealsAndOpensOnOneInstanceAllGiveRightAnswers(string backend)
        {
            using AesGcm256 aead = CryptoBackends.Aes(backend, Key);
            using var reference = CryptoBackends.Aes(backend == CryptoBackends.Bcl ? CryptoBackends.BouncyCastle : CryptoBackends.Bcl, Key);
            const int Threads = 4;
            const int PerThread = 300;
            int failures = 0;
            var tasks = Enumerable.Range(0, Threads).Select(t => Task.Run(() =>
            {
                for (int i = 0; i < PerThread; i++)
                {
                    // A distinct nonce per seal: thread number and counter.
                    byte[] nonce = new byte[AesGcm256.NonceSize];
                    BitConverter.GetBytes(t).CopyTo(nonce, 0);
                    BitConverter.GetBytes(i).CopyTo(nonce, 4);
                    byte[] message = RandomNumberGenerator.GetBytes(1 + (i % 300));
                    byte[] sealedData = aead.Seal(nonce, message, Aad);
                    if (!aead.TryOpen(nonce, sealedData, Aad, out byte[]? opened) || !opened!.AsSpan().SequenceEqual(message)
                        || !reference.TryOpen(nonce, sealedData, Aad, out _) || aead.TryOpen(nonce, Flip(sealedData, i), Aad, out _))
                    {
                        Interlocked.Increment(ref failures);
                    }
                }
            })).ToArray();

            await Task.WhenAll(tasks).WaitAsync(TimeSpan.FromSeconds(60));
            Assert.Equal(0, failures);
        }

        private static byte[] Flip(byte[] bytes, int bit)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[bit / 8 % copy.Length] ^= (byte)(1 << (bit % 8));
            return copy;
        }
    }
}
