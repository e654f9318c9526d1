using System;
using System.Collections.Generic;
using McastCrypto.Crypto;

namespace McastCrypto.Tests.Protocol.Classic
{
    /// <summary>RSA-2048 keys are slow to make: the tests share a few, made once per run.</summary>
    internal static class TestKeys
    {
        private static readonly Lazy<List<RsaPrivateKey>> Keys = new Lazy<List<RsaPrivateKey>>(() =>
        {
            var keys = new List<RsaPrivateKey>();
            for (int i = 0; i < 5; i++)
            {
                keys.Add(RsaOaep.Generate());
            }

            return keys;
        });

        /// <summary>A key the test does not own: wrap it so the protocol's Dispose leaves the shared one alone.</summary>
        public static RsaPrivateKey Get(int index) => new Borrowed(Keys.Value[index]);

        private sealed class Borrowed : RsaPrivateKey
        {
            private readonly RsaPrivateKey inner;

            public Borrowed(RsaPrivateKey inner) => this.inner = inner;

            public override RsaPublicKey PublicKey => inner.PublicKey;

            public override bool TryDecrypt(byte[] ciphertext, out byte[]? plaintext) => inner.TryDecrypt(ciphertext, out plaintext);

            public override void Dispose()
            {
            }
        }
    }
}
