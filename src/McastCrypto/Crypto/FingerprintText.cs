using System;
using System.Text.RegularExpressions;

namespace McastCrypto.Crypto
{
    /// <summary>Reads fingerprints that people type or keep in files: <c>SHA256:</c> and 43 characters of unpadded base64.</summary>
    public static class FingerprintText
    {
        private static readonly Regex Shape = new Regex("^SHA256:[A-Za-z0-9+/]{43}\\z", RegexOptions.CultureInvariant);

        /// <summary>True when <paramref name="text"/> has the shape of a fingerprint (the prefix is case-sensitive, as printed).</summary>
        public static bool IsValid(string? text) => text is not null && Shape.IsMatch(text);

        /// <summary>The fingerprint, trimmed; ArgumentException naming what is wrong otherwise.</summary>
        public static string Parse(string text, string what)
        {
            string trimmed = (text ?? throw new ArgumentNullException(nameof(text))).Trim();
            if (!IsValid(trimmed))
            {
                throw new ArgumentException(
                    "'" + text + "' is not a key fingerprint (" + what + "): a fingerprint is SHA256: followed by 43 base64 characters, as Get-McastRelay, New-McastIdentity and the sessions show it.");
            }

            return trimmed;
        }
    }
}
