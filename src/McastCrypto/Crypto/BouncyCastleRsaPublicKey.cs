using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace McastCrypto.Crypto
{
    /// <summary>An RSA public key backed by BouncyCastle. Encrypt builds its cipher per call, so it needs no lock.</summary>
    internal sealed class BouncyCastleRsaPublicKey : RsaPublicKey
    {
        private readonly ParametersWithRandom parameters;
        private readonly byte[] der;
        private readonly int keySizeBytes;

        internal BouncyCastleRsaPublicKey(RsaSpki spki)
        {
            der = spki.Der;
            keySizeBytes = spki.KeySizeBytes;
            parameters = new ParametersWithRandom(spki.Key, BouncyCastleRandom.Shared);
        }

        public override int KeySizeBytes => keySizeBytes;

        public override byte[] SubjectPublicKeyInfo => (byte[])der.Clone();

        public override byte[] Encrypt(byte[] plaintext)
        {
            CheckPlaintext(plaintext);
            OaepEncoding oaep = BouncyCastleRsaOaep.CreateOaep(new RsaEngine());
            oaep.Init(true, parameters);

            // The RSA engine pads its output to the modulus length when encrypting.
            return oaep.ProcessBlock(plaintext, 0, plaintext.Length);
        }
    }
}
