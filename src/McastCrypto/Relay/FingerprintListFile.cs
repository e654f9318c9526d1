using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using McastCrypto.Crypto;

namespace McastCrypto.Relay
{
    /// <summary>
    /// The format shared by <see cref="AuthorizedKeysFile"/> and <see cref="AuthorizedRelaysFile"/>: one
    /// fingerprint (SHA256:base64) per line, optionally followed by white space and a note; blank lines
    /// and lines starting with '#' are ignored; anything else is an error naming the file and the line.
    /// </summary>
    internal static class FingerprintListFile
    {
        /// <summary>Reads the file at <paramref name="path"/>; <paramref name="kind"/> ("authorized-keys") names it in errors.</summary>
        public static ISet<string> Load(string path, string kind, long maxBytes, Func<IEnumerable<string>, string, ISet<string>> parse)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            var file = new FileInfo(path);
            if (!file.Exists)
            {
                throw new FileNotFoundException("No " + kind + " file at " + file.FullName + ".", file.FullName);
            }

            if (file.Length > maxBytes)
            {
                throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "The {0} file {1} has {2} bytes; at most {3} are read.", kind, file.FullName, file.Length, maxBytes));
            }

            return parse(File.ReadAllLines(file.FullName), file.FullName);
        }

        /// <summary>
        /// The fingerprints in <paramref name="lines"/>. A bad line throws with "{source}, line {n}: '{text}' "
        /// followed by <paramref name="explanation"/>.
        /// </summary>
        public static ISet<string> Parse(IEnumerable<string> lines, string source, string explanation)
        {
            if (lines is null)
            {
                throw new ArgumentNullException(nameof(lines));
            }

            var fingerprints = new HashSet<string>(StringComparer.Ordinal);
            int number = 0;
            foreach (string raw in lines)
            {
                number++;
                string line = (raw ?? string.Empty).Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                int space = line.IndexOfAny(new[] { ' ', '\t' });
                string fingerprint = space < 0 ? line : line.Substring(0, space);
                if (!FingerprintText.IsValid(fingerprint))
                {
                    throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "{0}, line {1}: '{2}' {3}", source, number, fingerprint, explanation));
                }

                fingerprints.Add(fingerprint);
            }

            return fingerprints;
        }
    }
}
