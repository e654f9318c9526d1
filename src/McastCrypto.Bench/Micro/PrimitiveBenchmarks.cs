using System;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using McastCrypto.Crypto;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// The primitives alone, on 1,200 bytes (about one Secure datagram): ECDSA P-256 sign and verify
    /// (SHA-256 of the data included) and AES-256-GCM seal and open, each through the library's seam
    /// (McastCrypto.Crypto), on the platform backend the net8.0 build uses and, for the signature and
    /// the seal, on BouncyCastle, which the netstandard2.0 build (Windows PowerShell 5.1) uses.
    /// Sealing takes a new nonce every time, as the seam requires.
    /// </summary>
    public class PrimitiveBenchmarks
    {
        /// <summary>The data signed, sealed and opened.</summary>
        public const int DataBytes = 1200;

        private byte[] data = null!;
        private EcdsaP256PrivateKey bclKey = null!;
        private EcdsaP256PrivateKey bouncyKey = null!;
        private byte[] bclSignature = null!;
        private byte[] bouncySignature = null!;
        private AesGcm256 bclAead = null!;
        private AesGcm256 bouncyAead = null!;
        private byte[] openNonce = null!;
        private byte[] sealedData = null!;
        private byte[] associatedData = null!;
        private byte[] sealNonce = null!;
        private ulong sealCounter;

        [GlobalSetup]
        public void Setup()
        {
            data = RandomNumberGenerator.GetBytes(DataBytes);
            associatedData = RandomNumberGenerator.GetBytes(13);
            bclKey = EcdsaP256PrivateKey.Generate();
            bouncyKey = BouncyCastleEcdsaP256PrivateKey.Generate();
            bclSignature = bclKey.Sign(data);
            bouncySignature = bouncyKey.Sign(data);
            byte[] key = RandomNumberGenerator.GetBytes(AesGcm256.KeySize);
            bclAead = AesGcm256.CreateBcl(key);
            bouncyAead = AesGcm256.CreateBouncyCastle(key);
            openNonce = new byte[AesGcm256.NonceSize];
            sealedData = bclAead.Seal(openNonce, data, associatedData);

            // Sealing starts from another nonce prefix than the one opened.
            sealNonce = new byte[AesGcm256.NonceSize];
            sealNonce[0] = 1;
            sealCounter = 0;
            if (!EcdsaVerify() || !EcdsaVerifyBouncyCastle() || AesGcmOpen() is null)
            {
                throw new InvalidOperationException("PrimitiveBenchmarks setup: a signature did not verify or the sealed data did not open.");
            }
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            bclKey.Dispose();
            bouncyKey.Dispose();
            bclAead.Dispose();
            bouncyAead.Dispose();
        }

        [Benchmark(Description = "ECDSA P-256: sign 1,200 bytes (platform)")]
        public byte[] EcdsaSign() => bclKey.Sign(data);

        [Benchmark(Description = "ECDSA P-256: verify a signature of 1,200 bytes (platform)")]
        public bool EcdsaVerify() => bclKey.PublicKey.Verify(data, bclSignature);

        [Benchmark(Description = "ECDSA P-256: sign 1,200 bytes (BouncyCastle, the netstandard2.0 build)")]
        public byte[] EcdsaSignBouncyCastle() => bouncyKey.Sign(data);

        [Benchmark(Description = "ECDSA P-256: verify a signature of 1,200 bytes (BouncyCastle, the netstandard2.0 build)")]
        public bool EcdsaVerifyBouncyCastle() => bouncyKey.PublicKey.Verify(data, bouncySignature);

        [Benchmark(Description = "AES-256-GCM: seal 1,200 bytes (platform)")]
        public byte[] AesGcmSeal() => bclAead.Seal(NextNonce(), data, associatedData);

        [Benchmark(Description = "AES-256-GCM: open 1,200 bytes (platform)")]
        public byte[]? AesGcmOpen() => bclAead.TryOpen(openNonce, sealedData, associatedData, out byte[]? plain) ? plain : null;

        [Benchmark(Description = "AES-256-GCM: seal 1,200 bytes (BouncyCastle, the netstandard2.0 build)")]
        public byte[] AesGcmSealBouncyCastle() => bouncyAead.Seal(NextNonce(), data, associatedData);

        private byte[] NextNonce()
        {
            sealCounter++;
            for (int i = 0; i < 8; i++)
            {
                sealNonce[AesGcm256.NonceSize - 1 - i] = (byte)(sealCounter >> (8 * i));
            }

            return sealNonce;
        }
    }
}
