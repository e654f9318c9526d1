using System;
using System.Globalization;
using McastCrypto.Protocol;

namespace McastCrypto.Commands
{
    /// <summary>
    /// The lines Start-McastRelay -Wait logs: one a line, each starting with the local time to the
    /// millisecond and its offset, so that a service log (journald, a file a scheduled task appends
    /// to) reads on its own and sorts by time.
    /// </summary>
    internal static class RelayLog
    {
        /// <summary>The events a service log shows; Relayed (one a message) only with -Verbose.</summary>
        public static bool IsLogged(RelayEventKind kind) => kind != RelayEventKind.Relayed;

        /// <summary>The time stamp every line starts with: local time, milliseconds and offset.</summary>
        public static string Stamp(DateTimeOffset at) =>
            at.ToLocalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

        /// <summary>The first line: where the relay serves, with what protocol and key.</summary>
        public static string Started(DateTimeOffset at, string name, string group, int port, string interfaceAddress, McastProtocol protocol, string fingerprint, string? identityPath, bool madeKey)
        {
            string key = identityPath is null
                ? " (a new key, for this run only)"
                : madeKey ? " (a new key, written to " + identityPath + ")" : " (from " + identityPath + ")";
            return string.Format(
                CultureInfo.InvariantCulture,
                "{0} Relay {1} started: {2}:{3} on {4}, {5}, key {6}{7}. Ctrl+C stops it.",
                Stamp(at),
                name,
                group.IndexOf(':') >= 0 ? "[" + group + "]" : group, // an IPv6 group: [ff15::1]:5007
                port,
                interfaceAddress,
                protocol,
                fingerprint,
                key);
        }

        /// <summary>A federated relay's link to its NATS server: made (at start, or again after an outage) or lost.</summary>
        public static string Federation(DateTimeOffset at, string name, string site, string url, bool connected) =>
            connected
                ? string.Format(CultureInfo.InvariantCulture, "{0} Relay {1} (site {2}) is connected to {3}: the other sites' relays hear it.", Stamp(at), name, site, url)
                : string.Format(CultureInfo.InvariantCulture, "{0} Relay {1} (site {2}) is not connected to {3}: it serves its own LAN and keeps trying to connect.", Stamp(at), name, site, url);

        /// <summary>The NATS server refused the relay or could not be reached again: what the client or the server said (never the credentials), and how often so far.</summary>
        public static string FederationFailure(DateTimeOffset at, string name, string site, string url, string error, long failures) =>
            string.Format(CultureInfo.InvariantCulture, "{0} Relay {1} (site {2}) failed to connect to {3}: {4} ({5} failure(s) so far; it keeps trying).", Stamp(at), name, site, url, error, failures);

        /// <summary>The last line: the relay stopped; <paramref name="members"/> were told it is going, when this cmdlet stopped it (null when it was stopped elsewhere).</summary>
        public static string Stopped(DateTimeOffset at, string name, int? members) =>
            members is null
                ? string.Format(CultureInfo.InvariantCulture, "{0} Relay {1} stopped.", Stamp(at), name)
                : string.Format(CultureInfo.InvariantCulture, "{0} Relay {1} stopped; {2} member(s) were told it is going.", Stamp(at), name, members);

        /// <summary>One event as a line; message text is never in it (events do not carry it).</summary>
        public static string Event(RelayEvent e)
        {
            if (e is null)
            {
                throw new ArgumentNullException(nameof(e));
            }

            MemberIdentity m = e.Member;
            string who = m.ToString();
            string key = m.KeyFingerprint is null || who.Contains(m.KeyFingerprint) ? string.Empty : ", key " + m.KeyFingerprint;
            string from = m.EndPoint is null || who.Contains(m.EndPoint.ToString()) ? string.Empty : ", from " + m.EndPoint;
            string what;
            switch (e.Kind)
            {
                case RelayEventKind.Joined:
                    what = "Joined: " + who + (m.Site is null ? string.Empty : ", site " + m.Site) + key + from;
                    break;
                case RelayEventKind.Left:
                    what = "Left: " + who + " said goodbye";
                    break;
                case RelayEventKind.TimedOut:
                    what = "TimedOut: " + who + " fell silent and was forgotten";
                    break;
                case RelayEventKind.Refused:
                    what = "Refused: " + who + key + from + " is not on the list of authorized keys";
                    break;
                case RelayEventKind.Rekeyed:
                    // A periodic change names the relay itself (member id 0) as its cause.
                    what = m.Id == "00000000" && m.Name == "relay"
                        ? "Rekeyed: a new group key, the rekey interval having passed"
                        : "Rekeyed: a new group key, after the join or leave of " + who;
                    break;
                case RelayEventKind.Registered:
                    what = "Registered: " + who + key;
                    break;
                case RelayEventKind.Relayed:
                    what = string.Format(CultureInfo.InvariantCulture, "Relayed: {0} bytes from {1} to {2} member(s)", e.TextBytes, who, e.Recipients);
                    break;
                default:
                    what = e.Kind + ": " + who;
                    break;
            }

            return Stamp(e.At) + " " + what;
        }
    }
}
