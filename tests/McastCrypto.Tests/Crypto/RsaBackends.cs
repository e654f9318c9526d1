using System;
using System.Collections.Concurrent;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>The two RSA-OAEP backends, by name, so theories can run every test against each.</summary>
    internal static class RsaBackends
    {
        internal const string Bcl = "Bcl";
        internal const string BouncyCastle = "BouncyCastle";

        private static readonly ConcurrentDictionary<string, Lazy<RsaPrivateKey>> SharedKeys = new();

        /// <summary>Theory data: each backend's name.</summary>
        public static TheoryData<string> Names => new() { Bcl, BouncyCastle };

        /// <summary>Theory data: every (encrypting backend, decrypting backend) pair, the crossed ones too.</summary>
        public static TheoryData<string, string> Pairs => new()
        {
            { Bcl, Bcl },
            { Bcl, BouncyCastle },
            { BouncyCastle, Bcl },
            { BouncyCastle, BouncyCastle },
        };

        internal static RsaPrivateKey Generate(string backend, int bits = RsaOaep.DefaultKeySizeBits) => backend switch
        {
            Bcl => BclRsaOaep.Generate(bits),
            BouncyCastle => BouncyCastleRsaOaep.Generate(bits),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
        };

        internal static RsaPrivateKey ImportPkcs8(string backend, byte[] pkcs8) => backend switch
        {
            Bcl => BclRsaOaep.ImportPkcs8(pkcs8),
            BouncyCastle => BouncyCastleRsaOaep.ImportPkcs8(pkcs8),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
        };

        internal static RsaPublicKey ImportPublicKey(string backend, byte[] spki) => backend switch
        {
            Bcl => BclRsaOaep.CreatePublicKey(RsaSpki.Parse(spki)),
            BouncyCastle => BouncyCastleRsaOaep.CreatePublicKey(RsaSpki.Parse(spki)),
            _ => throw new ArgumentOutOfRangeException(nameof(backend), backend, "Unknown backend."),
        };

        /// <summary>One RSA-2048 key per backend for the whole test run: generating keys is slow.</summary>
        internal static RsaPrivateKey SharedKey(string backend) =>
            SharedKeys.GetOrAdd(backend, b => new Lazy<RsaPrivateKey>(() => Generate(b))).Value;
    }
}
