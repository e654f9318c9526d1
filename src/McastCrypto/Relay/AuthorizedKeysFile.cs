using System;
using System.Collections.Generic;
using System.IO;

namespace McastCrypto.Relay
{
    /// <summary>
    /// The members a relay admits: a text file with one key fingerprint per line (SHA256:base64),
    /// optionally followed by white space and a note; blank lines and lines starting with '#' are
    /// ignored. A line that is anything else is an error naming the file and the line, so a typo
    /// never silently locks a member out or lets one in.
    /// </summary>
    public static class AuthorizedKeysFile
    {
        /// <summary>The largest file read: far above any real list, and a bound on what a wrong path costs.</summary>
        public const long MaxBytes = 4 * 1024 * 1024;

        /// <exception cref="FileNotFoundException">No file at the path.</exception>
        /// <exception cref="InvalidDataException">A line is not a fingerprint, or the file is too large.</exception>
        public static ISet<string> Load(string path) =>
            FingerprintListFile.Load(path, "authorized-keys", MaxBytes, Parse);

        /// <summary>The fingerprints in <paramref name="lines"/>; <paramref name="source"/> names them in errors.</summary>
        public static ISet<string> Parse(IEnumerable<string> lines, string source) =>
            FingerprintListFile.Parse(lines, source, "is not a key fingerprint. Each line holds one fingerprint (SHA256: and 43 base64 characters, as New-McastIdentity shows it), optionally followed by a note; '#' starts a comment.");
    }
}
