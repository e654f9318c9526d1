using System;
using System.Security.Cryptography;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The fingerprint of a public key as people compare it: <c>SHA256:</c> followed by the base64 of
    /// the SHA-256 digest of the key's DER SubjectPublicKeyInfo, without '=' padding (the form
    /// <c>ssh-keygen -l</c> prints, though ssh-keygen hashes its own key encoding, not the SPKI).
    /// </summary>
    public static class KeyFingerprint
    {
        /// <summary>The prefix of every fingerprint.</summary>
        private const string Prefix = "SHA256:";

        /// <summary>
        /// Returns <c>SHA256:</c> + unpadded base64 of SHA-256(<paramref name="subjectPublicKeyInfo"/>),
        /// 50 characters in all. The bytes are hashed as they are; they are not checked to be a key.
        /// </summary>
        /// <param name="subjectPublicKeyInfo">The DER SubjectPublicKeyInfo of the key.</param>
        /// <exception cref="ArgumentNullException"><paramref name="subjectPublicKeyInfo"/> is null.</exception>
        public static string Of(byte[] subjectPublicKeyInfo)
        {
            if (subjectPublicKeyInfo is null)
            {
                throw new ArgumentNullException(nameof(subjectPublicKeyInfo));
            }

            byte[] digest;
            using (SHA256 sha256 = SHA256.Create())
            {
                digest = sha256.ComputeHash(subjectPublicKeyInfo);
            }

            return Prefix + Convert.ToBase64String(digest).TrimEnd('=');
        }
    }
}
