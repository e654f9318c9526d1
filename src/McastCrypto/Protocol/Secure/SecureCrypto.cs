using System;
using System.Security.Cryptography;
using McastCrypto.Crypto;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// Every cryptographic operation of a Secure member or relay goes through here, so that it is
    /// counted (<see cref="SecureOperationCounts"/>) and its randomness can be injected for tests.
    /// </summary>
    internal sealed class SecureCrypto
    {
        private readonly Func<int, byte[]>? random;

        public SecureCrypto(Func<int, byte[]>? random)
        {
            this.random = random;
        }

        public SecureOperationCounts Counts { get; } = new SecureOperationCounts();

        /// <summary><paramref name="count"/> random bytes, from the injected source or the system's generator.</summary>
        public byte[] Random(int count)
        {
            if (random is not null)
            {
                byte[] bytes = random(count);
                if (bytes is null || bytes.Length != count)
                {
                    throw new InvalidOperationException("The injected random source returned the wrong number of bytes.");
                }

                return bytes;
            }

            var fresh = new byte[count];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(fresh);
            }

            return fresh;
        }

        /// <summary>
        /// A fresh ephemeral ECDH key pair: from the platform, or, with an injected random source, from
        /// 32 of its bytes taken as the private scalar (drawn again while out of range, as FIPS 186-5
        /// A.2.2 "rejection sampling" does), so that a known-answer test can fix it.
        /// </summary>
        public EcdhP256 NewEphemeral()
        {
            Counts.Generated();
            if (random is null)
            {
                return EcdhP256.Generate();
            }

            for (int attempt = 0; ; attempt++)
            {
                byte[] scalar = Random(P256.FieldSize);
                try
                {
                    return EcdhP256.ImportPrivateKey(scalar);
                }
                catch (CryptographicException) when (attempt < 64)
                {
                    // 0 or at least n: draw again (probability about 2^-32 per draw).
                }
                finally
                {
                    Array.Clear(scalar, 0, scalar.Length);
                }
            }
        }

        /// <summary>The ECDH shared secret with a peer's public key; CryptographicException when it is not a valid point.</summary>
        public byte[] Agree(EcdhP256 own, byte[] peerPublicKey)
        {
            Counts.Agreed();
            return own.DeriveSharedSecret(peerPublicKey);
        }

        public byte[] Sign(EcdsaP256PrivateKey key, byte[] data)
        {
            Counts.Signed();
            return key.Sign(data);
        }

        public bool Verify(EcdsaP256PublicKey key, byte[] data, byte[] value, int signatureOffset) =>
            Verify(key, new ArraySegment<byte>(data), value, signatureOffset);

        /// <summary>Checks the signature at <paramref name="signatureOffset"/> of <paramref name="value"/> over <paramref name="data"/>.</summary>
        public bool Verify(EcdsaP256PublicKey key, ArraySegment<byte> data, byte[] value, int signatureOffset)
        {
            Counts.Verified();
            return key.Verify(data, new ArraySegment<byte>(value, signatureOffset, SecureCodec.SignatureLength));
        }

        /// <summary>Signs <paramref name="data"/> and writes the signature into <paramref name="destination"/> at <paramref name="offset"/>.</summary>
        public void SignInto(EcdsaP256PrivateKey key, ArraySegment<byte> data, byte[] destination, int offset)
        {
            Counts.Signed();
            byte[] signature = key.Sign(data);
            Buffer.BlockCopy(signature, 0, destination, offset, signature.Length);
        }

        /// <summary>Seals into a new array: ciphertext ‖ tag.</summary>
        public byte[] Seal(AesGcm256 aead, byte[] nonce, byte[] plaintext, byte[] associatedData)
        {
            Counts.Sealed();
            return aead.Seal(nonce, plaintext, associatedData);
        }

        /// <summary>Seals <paramref name="plaintext"/> into <paramref name="destination"/> at <paramref name="offset"/> (ciphertext ‖ tag), so that a datagram is assembled without copies.</summary>
        public void SealInto(AesGcm256 aead, byte[] nonce, ArraySegment<byte> plaintext, ArraySegment<byte> associatedData, byte[] destination, int offset)
        {
            Counts.Sealed();
            aead.Seal(nonce, plaintext, associatedData, destination, offset);
        }

        /// <summary>Opens <paramref name="count"/> bytes of <paramref name="buffer"/> at <paramref name="offset"/> (ciphertext ‖ tag).</summary>
        public bool TryOpen(AesGcm256 aead, byte[] nonce, byte[] buffer, int offset, int count, ArraySegment<byte> associatedData, out byte[]? plaintext)
        {
            Counts.Opened();
            return aead.TryOpen(nonce, new ArraySegment<byte>(buffer, offset, count), associatedData, out plaintext);
        }
    }
}
