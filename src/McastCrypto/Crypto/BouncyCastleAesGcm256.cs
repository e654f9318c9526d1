using System;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The BouncyCastle backend of <see cref="AesGcm256"/>, used on netstandard2.0 and compiled
    /// into every build so that the .NET 8 tests cover it too. It keeps one GCM cipher for sealing
    /// and one for opening, each keyed once: BouncyCastle then reuses the key schedule and the GHASH
    /// tables. GcmBlockCipher is stateful; the base class serializes calls. BouncyCastle's key
    /// objects cannot be wiped, so Dispose drops them.
    /// </summary>
    internal sealed class BouncyCastleAesGcm256 : AesGcm256
    {
        private const int TagBits = TagSize * 8;

        private KeyParameter? key;
        private GcmBlockCipher? sealer;
        private GcmBlockCipher? opener;
        private bool sealerKeyed;
        private bool openerKeyed;

        /// <summary>The key has been checked by <see cref="AesGcm256"/>.</summary>
        internal BouncyCastleAesGcm256(byte[] key)
        {
            this.key = new KeyParameter(key);
            sealer = new GcmBlockCipher(AesUtilities.CreateEngine());
            opener = new GcmBlockCipher(AesUtilities.CreateEngine());
        }

        private protected override void SealCore(
            byte[] nonce, byte[] plaintext, int plaintextOffset, int plaintextCount, byte[] aad, int aadOffset, int aadCount, byte[] destination, int destinationOffset)
        {
            GcmBlockCipher gcm = sealer!;

            // A null key tells GCM to keep the one it has.
            gcm.Init(true, new AeadParameters(sealerKeyed ? null : key, TagBits, nonce));
            sealerKeyed = true;
            gcm.ProcessAadBytes(aad, aadOffset, aadCount);
            int written = gcm.ProcessBytes(plaintext, plaintextOffset, plaintextCount, destination, destinationOffset);
            gcm.DoFinal(destination, destinationOffset + written);
        }

        private protected override bool TryOpenCore(
            byte[] nonce, byte[] input, int offset, int count, byte[] aad, int aadOffset, int aadCount, out byte[]? plaintext)
        {
            GcmBlockCipher gcm = opener!;
            gcm.Init(false, new AeadParameters(openerKeyed ? null : key, TagBits, nonce));
            openerKeyed = true;
            gcm.ProcessAadBytes(aad, aadOffset, aadCount);

            // GCM decrypts before it checks the tag: the plaintext stays in this private buffer
            // and is cleared unless the tag is right.
            byte[] output = new byte[count - TagSize];
            try
            {
                int written = gcm.ProcessBytes(input, offset, count, output, 0);
                gcm.DoFinal(output, written);
            }
            catch (CryptoException)
            {
                // InvalidCipherTextException: the tag is wrong.
                Array.Clear(output, 0, output.Length);
                plaintext = null;
                return false;
            }

            plaintext = output;
            return true;
        }

        private protected override void DisposeCore()
        {
            key = null;
            sealer = null;
            opener = null;
        }
    }
}
