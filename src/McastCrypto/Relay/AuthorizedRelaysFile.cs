using System;
using System.Collections.Generic;
using System.IO;

namespace McastCrypto.Relay
{
    /// <summary>
    /// The relays a federated relay accepts (-AuthorizedRelaysPath): a text file with one relay identity
    /// fingerprint per line (SHA256:base64, as Get-McastRelay and New-McastIdentity show it), optionally
    /// followed by white space and a note; blank lines and lines starting with '#' are ignored. The
    /// same format as <see cref="AuthorizedKeysFile"/>. A line that is anything else is an error naming
    /// the file and the line, so a typo never silently cuts a site off or lets a relay in.
    /// </summary>
    public static class AuthorizedRelaysFile
    {
        /// <summary>The largest file read: far above any real list, and a bound on what a wrong path costs.</summary>
        public const long MaxBytes = 1024 * 1024;

        /// <summary>Reads the fingerprints in the file at <paramref name="path"/>.</summary>
        /// <exception cref="FileNotFoundException">No file at the path.</exception>
        /// <exception cref="InvalidDataException">A line is not a fingerprint, or the file is too large.</exception>
        public static ISet<string> Load(string path) =>
            FingerprintListFile.Load(path, "authorized-relays", MaxBytes, Parse);

        /// <summary>The fingerprints in <paramref name="lines"/>; <paramref name="source"/> names them in errors.</summary>
        /// <exception cref="InvalidDataException">A line is not a fingerprint.</exception>
        public static ISet<string> Parse(IEnumerable<string> lines, string source) =>
            FingerprintListFile.Parse(lines, source, "is not a relay fingerprint. Each line holds one relay identity fingerprint (SHA256: and 43 base64 characters, as Get-McastRelay and New-McastIdentity show it), optionally followed by a note; '#' starts a comment.");
    }
}
