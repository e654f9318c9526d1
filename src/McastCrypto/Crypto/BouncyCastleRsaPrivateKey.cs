using System;
using System.Threading;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An RSA private key held as BouncyCastle parameters; it is never exported. TryDecrypt builds
    /// its cipher per call, so it needs no lock. Decryption is blinded (RsaBlindedEngine).
    /// BouncyCastle's big integers are immutable, so Dispose drops the key but cannot wipe it.
    /// </summary>
    internal sealed class BouncyCastleRsaPrivateKey : RsaPrivateKey
    {
        private readonly BouncyCastleRsaPublicKey publicKey;
        private ParametersWithRandom? parameters;

        internal BouncyCastleRsaPrivateKey(RsaPrivateCrtKeyParameters key, BouncyCastleRsaPublicKey publicKey)
        {
            this.publicKey = publicKey;
            parameters = new ParametersWithRandom(key, BouncyCastleRandom.Shared);
        }

        public override RsaPublicKey PublicKey => publicKey;

        public override bool TryDecrypt(byte[] ciphertext, out byte[]? plaintext)
        {
            plaintext = null;
            ParametersWithRandom key = Volatile.Read(ref parameters) ?? throw new ObjectDisposedException(nameof(RsaPrivateKey));

            // Only a block of the modulus length can be a ciphertext; skip the private-key
            // operation (and the exception) for anything else.
            if (ciphertext is null || ciphertext.Length != publicKey.KeySizeBytes)
            {
                return false;
            }

            OaepEncoding oaep = BouncyCastleRsaOaep.CreateOaep(new RsaBlindedEngine());
            oaep.Init(false, key);
            try
            {
                plaintext = oaep.ProcessBlock(ciphertext, 0, ciphertext.Length);
                return true;
            }
            catch (CryptoException)
            {
                // InvalidCipherTextException (bad padding, another key's block) and
                // DataLengthException (a value not below the modulus): all the same to the caller,
                // who must not learn which (Manger's attack).
                return false;
            }
        }

        internal override byte[] ExportPkcs8()
        {
            ParametersWithRandom key = Volatile.Read(ref parameters) ?? throw new ObjectDisposedException(nameof(RsaPrivateKey));
            return PrivateKeyInfoFactory.CreatePrivateKeyInfo((AsymmetricKeyParameter)key.Parameters).GetDerEncoded();
        }

        public override void Dispose() => Volatile.Write(ref parameters, null);
    }
}
