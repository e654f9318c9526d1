using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// What to do when New-McastSession fails on the network, on trust or on admission: the
    /// RecommendedAction of its error, from the failure and the settings the user gave.
    /// </summary>
    internal static class JoinFailureAdvice
    {
        /// <summary>No relay answered in time.</summary>
        public static string RelayNotFound(MulticastOptions network)
        {
            string where = network.Interface is null ? "the system's default interface (no -Interface)" : "-Interface " + network.Interface;
            return string.Format(
                CultureInfo.InvariantCulture,
                "Check that -Group {0}, -Port {1} and {2} are the group, port and network of the relay (Get-McastRelay on the relay's computer shows its Group, Port and Interface); that a relay runs for the group (Start-McastRelay); and that the firewall lets UDP through on port {1}, in and out, on this computer and on the relay's. -Timeout gives a slow relay more time.",
                network.Group,
                network.Port,
                where);
        }

        /// <summary>A socket could not be set up.</summary>
        public static string SocketSetupFailed(MulticastOptions network) =>
            network.IsIPv6
                ? string.Format(
                    CultureInfo.InvariantCulture,
                    "Check that the interface ({0}) is up, has IPv6 (a link-local address at least) and can do multicast, and that no program holds port {1} for itself. Linux's loopback interface carries no IPv6 multicast: to try an IPv6 group on one computer, use a veth pair in a network namespace.",
                    network.Interface ?? "none given",
                    network.Port)
                : string.Format(
                    CultureInfo.InvariantCulture,
                    "Check that the interface ({0}) is up and can do multicast, and that no program holds port {1} for itself; -Interface Loopback works on any computer.",
                    network.Interface ?? "the system's default",
                    network.Port);

        /// <summary>The relay's key is not trusted, or changed; <paramref name="knownRelaysPath"/> is null when the session pinned the relay.</summary>
        public static string RelayKey(MemberFailure failure, MulticastOptions network, string? knownRelaysPath, McastProtocol protocol)
        {
            string offered = failure.OfferedRelayFingerprint ?? "the key the relay offered";
            string compare = string.Format(
                CultureInfo.InvariantCulture,
                "Compare {0}, the key the relay offered, with the relay's KeyFingerprint on its own computer (Get-McastRelay), read there or told to you by a way no one can change. If they differ, someone else answers for the group: do not join.",
                offered);

            if (knownRelaysPath is null)
            {
                // Pinned with -RelayFingerprint, or Classic (nothing is remembered).
                return protocol == McastProtocol.Classic
                    ? compare + " If they match, the relay restarted with a new key: start a new session, or allow the change with New-McastSession -AllowRelayKeyChange."
                    : compare + " If they match, the relay's key changed on purpose: pin the new one with -RelayFingerprint " + offered + ".";
            }

            string groupAndPort = CmdletErrors.GroupTarget(network);
            var lines = failure.ExpectedRelayFingerprint is null
                ? Array.Empty<(int Line, string Text)>()
                : KnownRelays.FindLines(knownRelaysPath, groupAndPort, failure.ExpectedRelayFingerprint).ToArray();
            if (lines.Length == 0)
            {
                return compare + " If they match, pass -RelayFingerprint " + offered + " (or join once with -TrustOnFirstUse, which writes it into " + knownRelaysPath + ").";
            }

            string which = lines.Length == 1
                ? string.Format(CultureInfo.InvariantCulture, "line {0} of {1} ('{2}')", lines[0].Line, knownRelaysPath, lines[0].Text)
                : "lines " + string.Join(", ", lines.Select(l => l.Line.ToString(CultureInfo.InvariantCulture))) + " of " + knownRelaysPath;
            return compare + string.Format(
                CultureInfo.InvariantCulture,
                " If they match, the relay's key changed on purpose: remove {0}, then join again (it remembers the new key), or pass -RelayFingerprint {1}.",
                which,
                offered);
        }

        /// <summary>The relay refused this member's key; <paramref name="identityPath"/> is the member's key file, if any.</summary>
        public static string AdmissionRefused(string? identityPath)
        {
            const string Tail = " The relay reads its list when it starts: it must be restarted to admit the key.";
            if (identityPath is null)
            {
                return "This session made a key of its own, which no list of authorized keys can name. Make a key file once with New-McastIdentity, ask the relay's operator to add the fingerprint it shows to the relay's authorized-keys file (Start-McastRelay -AuthorizedKeysPath), and join with -IdentityPath." + Tail;
            }

            string? fingerprint = null;
            try
            {
                using (EcdsaP256PrivateKey key = IdentityKeyFile.LoadEcdsa(identityPath))
                {
                    fingerprint = key.PublicKey.Fingerprint;
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is CryptographicException)
            {
                // The join read this file a moment ago; if it is gone now, say what to do without the fingerprint.
            }

            return string.Format(
                CultureInfo.InvariantCulture,
                "Ask the relay's operator to add your key's fingerprint, {0}, to the relay's authorized-keys file (Start-McastRelay -AuthorizedKeysPath), and join again with -IdentityPath {1}.{2}",
                fingerprint ?? "as New-McastIdentity showed it",
                identityPath,
                Tail);
        }
    }
}
