using System;
using BenchmarkDotNet.Attributes;
using McastCrypto.Crypto;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// Classic's primitive: RSA-OAEP-2048 (SHA-256) decryption of one 190-byte block, the largest a
    /// Classic block carries, on the platform backend (the net8.0 build) and on BouncyCastle (the
    /// netstandard2.0 build, Windows PowerShell 5.1).
    /// </summary>
    public class RsaOaepBenchmarks
    {
        private RsaPrivateKey bcl = null!;
        private RsaPrivateKey bouncy = null!;
        private byte[] bclCipher = null!;
        private byte[] bouncyCipher = null!;

        [GlobalSetup]
        public void Setup()
        {
            bcl = MicroState.BclRsa(0);
            bouncy = MicroState.BouncyCastle;
            byte[] plain = new byte[190];
            bclCipher = bcl.PublicKey.Encrypt(plain);
            bouncyCipher = bouncy.PublicKey.Encrypt(plain);
            if (RsaOaepDecrypt() is null || RsaOaepDecryptBouncyCastle() is null)
            {
                throw new InvalidOperationException("RsaOaepBenchmarks setup: a block did not decrypt.");
            }
        }

        [Benchmark(Description = "RSA-OAEP-2048: decrypt one block (platform)")]
        public byte[]? RsaOaepDecrypt() => bcl.TryDecrypt(bclCipher, out byte[]? plain) ? plain : null;

        [Benchmark(Description = "RSA-OAEP-2048: decrypt one block (BouncyCastle, the netstandard2.0 build)")]
        public byte[]? RsaOaepDecryptBouncyCastle() => bouncy.TryDecrypt(bouncyCipher, out byte[]? plain) ? plain : null;
    }
}
