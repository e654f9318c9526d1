#if NET8_0_OR_GREATER
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>An RSA public key backed by the platform's RSA.</summary>
    internal sealed class BclRsaPublicKey : RsaPublicKey
    {
        private readonly RSA rsa;
        private readonly byte[] der;
        private readonly int keySizeBytes;

        /// <summary>
        /// Platform RSA objects are not documented as safe for concurrent use: one call at a time.
        /// A public-key operation is short, so the lock costs little.
        /// </summary>
        private readonly object gate = new object();

        internal BclRsaPublicKey(RsaSpki spki)
        {
            der = spki.Der;
            keySizeBytes = spki.KeySizeBytes;
            rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Modulus = spki.ModulusBytes, Exponent = spki.ExponentBytes });
        }

        public override int KeySizeBytes => keySizeBytes;

        public override byte[] SubjectPublicKeyInfo => (byte[])der.Clone();

        public override byte[] Encrypt(byte[] plaintext)
        {
            CheckPlaintext(plaintext);
            lock (gate)
            {
                return rsa.Encrypt(plaintext, RSAEncryptionPadding.OaepSHA256);
            }
        }
    }
}
#endif
