using System;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An RSA public key for RSA-OAEP with SHA-256 and MGF1-SHA-256 and no label, as the Classic
    /// protocol uses it. Get one from <see cref="RsaOaep.ImportPublicKey"/>,
    /// <see cref="RsaOaep.ImportPublicKeyPem"/> or <see cref="RsaPrivateKey.PublicKey"/>.
    /// Immutable; <see cref="Encrypt"/> may be called from several threads at once.
    /// </summary>
    public abstract class RsaPublicKey
    {
        /// <summary>The size of SHA-256 in bytes, the OAEP hash.</summary>
        private const int HashLength = 32;

        private string? fingerprint;
        private string? pem;

        /// <summary>Only this assembly's backends derive from this class, so every instance has been checked.</summary>
        private protected RsaPublicKey()
        {
        }

        /// <summary>The length of the modulus in bytes, and of every ciphertext: 256 for RSA-2048.</summary>
        public abstract int KeySizeBytes { get; }

        /// <summary>The longest plaintext <see cref="Encrypt"/> takes: <c>KeySizeBytes - 2*32 - 2</c>, 190 for RSA-2048.</summary>
        public int MaxPlaintextLength => KeySizeBytes - (2 * HashLength) - 2;

        /// <summary>The key as a DER SubjectPublicKeyInfo (canonical DER); a new copy on every call.</summary>
        public abstract byte[] SubjectPublicKeyInfo { get; }

        /// <summary>
        /// <c>SHA256:</c> and the unpadded base64 of the SHA-256 of <see cref="SubjectPublicKeyInfo"/>;
        /// see <see cref="KeyFingerprint.Of"/>.
        /// </summary>
        public string Fingerprint => fingerprint ??= KeyFingerprint.Of(SubjectPublicKeyInfo);

        /// <summary>
        /// Encrypts one block with RSA-OAEP (SHA-256, MGF1-SHA-256, no label). Randomized: the same
        /// plaintext gives a different ciphertext every time.
        /// </summary>
        /// <param name="plaintext">At most <see cref="MaxPlaintextLength"/> bytes; may be empty.</param>
        /// <returns>The ciphertext, exactly <see cref="KeySizeBytes"/> bytes.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="plaintext"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="plaintext"/> is longer than <see cref="MaxPlaintextLength"/>.</exception>
        /// <exception cref="CryptographicException">The platform failed to encrypt.</exception>
        public abstract byte[] Encrypt(byte[] plaintext);

        /// <summary>
        /// The key as PEM, exactly as Python's <c>cryptography</c> writes a SubjectPublicKeyInfo:
        /// <c>-----BEGIN PUBLIC KEY-----</c>, base64 in lines of 64 characters,
        /// <c>-----END PUBLIC KEY-----</c>, each line ending in "\n".
        /// </summary>
        public string ToPem() => pem ??= Pem.Encode(RsaOaep.PemLabel, SubjectPublicKeyInfo);

        /// <summary>Throws unless <paramref name="plaintext"/> fits in one block; for the backends' <see cref="Encrypt"/>.</summary>
        private protected void CheckPlaintext(byte[] plaintext)
        {
            if (plaintext is null)
            {
                throw new ArgumentNullException(nameof(plaintext));
            }

            if (plaintext.Length > MaxPlaintextLength)
            {
                throw new ArgumentException(
                    string.Format(
                        System.Globalization.CultureInfo.InvariantCulture,
                        "The plaintext is {0} bytes long; RSA-OAEP-SHA256 with a {1}-byte key takes at most {2}.",
                        plaintext.Length,
                        KeySizeBytes,
                        MaxPlaintextLength),
                    nameof(plaintext));
            }
        }
    }
}
