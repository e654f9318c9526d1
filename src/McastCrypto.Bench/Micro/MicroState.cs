using System;
using System.Collections.Generic;
using McastCrypto.Crypto;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// What the benchmark classes share within one process (BenchmarkDotNet runs them in process, so
    /// statics hold): whether the run is the quick one, the RSA keys (generated once, not once per
    /// benchmark case: a 2048-bit key takes a noticeable part of the quick budget), and what a
    /// benchmark's own check found wrong after its run, for the report's notes.
    /// </summary>
    internal static class MicroState
    {
        private static readonly object Gate = new object();
        private static readonly List<string> Problems = new List<string>();
        private static readonly Lazy<RsaPrivateKey> BclRsaFirst = new Lazy<RsaPrivateKey>(() => RsaOaep.Generate());
        private static readonly Lazy<RsaPrivateKey> BclRsaSecond = new Lazy<RsaPrivateKey>(() => RsaOaep.Generate());
        private static readonly Lazy<RsaPrivateKey> BclRsaThird = new Lazy<RsaPrivateKey>(() => RsaOaep.Generate());
        private static readonly Lazy<RsaPrivateKey> BouncyCastleRsa = new Lazy<RsaPrivateKey>(BouncyCastleCopy);

        /// <summary>True for <c>--quick</c>: a smaller grid where a benchmark has parameters.</summary>
        public static bool Quick { get; set; }

        /// <summary>Three distinct 2048-bit keys of the platform's RSA (index 0 to 2).</summary>
        public static RsaPrivateKey BclRsa(int index) => index switch
        {
            0 => BclRsaFirst.Value,
            1 => BclRsaSecond.Value,
            2 => BclRsaThird.Value,
            _ => throw new ArgumentOutOfRangeException(nameof(index), index, "Three keys: 0 to 2."),
        };

        /// <summary>
        /// A 2048-bit key of the BouncyCastle backend (what the netstandard2.0 build uses): the first
        /// platform key, imported, since BouncyCastle takes seconds to generate one and a key's cost
        /// does not depend on who generated it.
        /// </summary>
        public static RsaPrivateKey BouncyCastle => BouncyCastleRsa.Value;

        private static RsaPrivateKey BouncyCastleCopy()
        {
            byte[] pkcs8 = BclRsa(0).ExportPkcs8();
            try
            {
                return BouncyCastleRsaOaep.ImportPkcs8(pkcs8);
            }
            finally
            {
                Array.Clear(pkcs8, 0, pkcs8.Length);
            }
        }

        /// <summary>Records that a benchmark did not do what it claims to measure (checked in its global cleanup).</summary>
        public static void Problem(string text)
        {
            lock (Gate)
            {
                Problems.Add(text);
            }
        }

        /// <summary>The problems recorded since the last call, and forgets them.</summary>
        public static List<string> TakeProblems()
        {
            lock (Gate)
            {
                var taken = new List<string>(Problems);
                Problems.Clear();
                return taken;
            }
        }
    }
}
