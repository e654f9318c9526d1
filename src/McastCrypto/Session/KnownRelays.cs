using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using McastCrypto.Crypto;

namespace McastCrypto.Session
{
    /// <summary>
    /// The relays a user has trusted, as SSH keeps known hosts: a text file with one line per group,
    /// <c>group:port interface fingerprint</c>, '#' comments (an IPv6 group is written
    /// <c>[ff15::1]:5007</c>). The first relay that answers for a group
    /// is written down (trust on first use); later, only that key is accepted for the group, and
    /// another one is refused with a message that shows both keys and how to trust the new one.
    /// </summary>
    public sealed class KnownRelays
    {
        /// <summary>The environment variable that moves the default file (tests, or a user who keeps it elsewhere).</summary>
        public const string PathVariable = "MCASTCRYPTO_KNOWN_RELAYS";

        private static readonly object FileGate = new object();
        private readonly string scope;

        /// <param name="path">The file; it need not exist yet.</param>
        /// <param name="scope">What the key is remembered for: <c>group:port interface</c>.</param>
        /// <param name="trustOnFirstUse">Remember and trust the first relay of a group that is not in the file yet.</param>
        public KnownRelays(string path, string scope, bool trustOnFirstUse)
        {
            Path = path ?? throw new ArgumentNullException(nameof(path));
            this.scope = scope ?? throw new ArgumentNullException(nameof(scope));
            TrustOnFirstUse = trustOnFirstUse;
        }

        /// <summary>
        /// Where the known relays are kept unless told otherwise: <c>$MCASTCRYPTO_KNOWN_RELAYS</c> when
        /// set, else <c>McastCrypto/known_relays</c> in the user's application-data folder
        /// (<c>$XDG_CONFIG_HOME</c> or <c>~/.config</c> on Linux and macOS, <c>%APPDATA%</c> on Windows).
        /// </summary>
        /// <exception cref="ArgumentException">The variable is not set and there is no application-data folder.</exception>
        public static string DefaultPath =>
            DefaultPathFor(
                Environment.GetEnvironmentVariable(PathVariable),
                // DoNotVerify: the folder need not exist yet (a new account has no ~/.config); without
                // it the answer would be "", and the file would land in the process's current folder.
                Environment.GetFolderPath(Environment.SpecialFolder.ApplicationData, Environment.SpecialFolderOption.DoNotVerify));

        /// <summary>
        /// <see cref="DefaultPath"/> as a function of the variable's value and the application-data
        /// folder, so that both can be tested without changing the process's environment.
        /// </summary>
        /// <exception cref="ArgumentException">No variable and no folder: a relative path would depend on the current folder.</exception>
        internal static string DefaultPathFor(string? variable, string? applicationData)
        {
            if (!string.IsNullOrEmpty(variable))
            {
                return variable!;
            }

            if (string.IsNullOrEmpty(applicationData))
            {
                throw new ArgumentException(
                    "This account has no application-data folder to keep the known relays in: pass -KnownRelaysPath, or set $env:" + PathVariable + " to a file.",
                    nameof(applicationData));
            }

            return System.IO.Path.Combine(applicationData!, "McastCrypto", "known_relays");
        }

        public string Path { get; }

        public bool TrustOnFirstUse { get; }

        /// <summary>
        /// The scope a session uses: the group and port (<c>239.1.2.3:5007</c>, <c>[ff15::1]:5007</c>)
        /// and the session's own address on the interface (an IPv6 link-local one with its %scope).
        /// </summary>
        public static string ScopeOf(System.Net.IPAddress group, int port, string interfaceAddress) =>
            McastCrypto.Transport.AddressText.EndPoint(group, port) + " " + interfaceAddress;

        /// <summary>
        /// Null when a relay with <paramref name="fingerprint"/> may be trusted for this scope (and
        /// remembers it when it is the first); otherwise why not, in words that say what to do.
        /// </summary>
        public string? Judge(string fingerprint)
        {
            lock (FileGate)
            {
                (string Fingerprint, int Line)? known = Find();
                if (known is not null)
                {
                    return known.Value.Fingerprint == fingerprint
                        ? null
                        : string.Format(
                            CultureInfo.InvariantCulture,
                            "The relay for {0} has the key {1}, but {2} is the key remembered for it in {3} (line {4}). Someone may be posing as the relay. If its key changed on purpose, remove that line, or pass -RelayFingerprint {1}.",
                            scope,
                            fingerprint,
                            known.Value.Fingerprint,
                            Path,
                            known.Value.Line);
                }

                if (!TrustOnFirstUse)
                {
                    return string.Format(
                        CultureInfo.InvariantCulture,
                        "No relay is known for {0} in {1}, and trust on first use is off. If {2} is the relay's key (compare it with Get-McastRelay on the relay's computer), pass -RelayFingerprint {2}.",
                        scope,
                        Path,
                        fingerprint);
                }

                Remember(fingerprint);
                return null;
            }
        }

        /// <summary>The fingerprint remembered for this scope, if any.</summary>
        public string? Lookup()
        {
            lock (FileGate)
            {
                return Find()?.Fingerprint;
            }
        }

        /// <summary>
        /// The lines of the file at <paramref name="path"/> that remember <paramref name="fingerprint"/>
        /// for <paramref name="groupAndPort"/> (group:port, on any interface), as the line number and
        /// its text: what to remove when that relay's key changed on purpose. Empty when the file is
        /// missing or unreadable, or has no such line.
        /// </summary>
        internal static IReadOnlyList<(int Line, string Text)> FindLines(string path, string groupAndPort, string fingerprint)
        {
            var found = new List<(int Line, string Text)>();
            lock (FileGate)
            {
                string[] lines;
                try
                {
                    if (!File.Exists(path))
                    {
                        return found;
                    }

                    lines = File.ReadAllLines(path);
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    return found;
                }

                for (int i = 0; i < lines.Length; i++)
                {
                    string[] parts = lines[i].Trim().Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length == 3 && parts[0] == groupAndPort && parts[2] == fingerprint)
                    {
                        found.Add((i + 1, lines[i].Trim()));
                    }
                }
            }

            return found;
        }

        private (string Fingerprint, int Line)? Find()
        {
            if (!File.Exists(Path))
            {
                return null;
            }

            int number = 0;
            foreach (string raw in File.ReadAllLines(Path))
            {
                number++;
                string line = raw.Trim();
                if (line.Length == 0 || line[0] == '#')
                {
                    continue;
                }

                string[] parts = line.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length != 3 || !FingerprintText.IsValid(parts[2]))
                {
                    throw new InvalidDataException(string.Format(
                        CultureInfo.InvariantCulture,
                        "{0}, line {1}: expected 'group:port interface fingerprint', found '{2}'.",
                        Path,
                        number,
                        line));
                }

                if (parts[0] + " " + parts[1] == scope)
                {
                    return (parts[2], number);
                }
            }

            return null;
        }

        private void Remember(string fingerprint)
        {
            string? folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path));
            if (!string.IsNullOrEmpty(folder))
            {
                Directory.CreateDirectory(folder);
            }

            bool isNew = !File.Exists(Path);
            var lines = new List<string>();
            if (isNew)
            {
                lines.Add("# Relays trusted by McastCrypto sessions: group:port interface fingerprint");
            }

            lines.Add(scope + " " + fingerprint);
            File.AppendAllLines(Path, lines);
        }
    }
}
