using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// Trusts the first relay key seen for each group and port, and only that key afterwards: trust
    /// on first use, remembered in memory for as long as this object lives (share one object between
    /// sessions to have them agree). Thread-safe.
    /// </summary>
    public sealed class TrustOnFirstUseRelayTrust : IRelayTrust
    {
        private readonly Dictionary<string, string> known = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly object gate = new object();

        /// <summary>The fingerprint recorded for a group and port, or null.</summary>
        public string? Known(IPAddress group, int port)
        {
            lock (gate)
            {
                return known.TryGetValue(Key(group, port), out string? fingerprint) ? fingerprint : null;
            }
        }

        public RelayTrustDecision Evaluate(IPAddress group, int port, string relayFingerprint)
        {
            lock (gate)
            {
                string key = Key(group, port);
                if (!known.TryGetValue(key, out string? expected))
                {
                    known[key] = relayFingerprint;
                    return RelayTrustDecision.Trusted;
                }

                if (string.Equals(expected, relayFingerprint, StringComparison.Ordinal))
                {
                    return RelayTrustDecision.Trusted;
                }

                return RelayTrustDecision.NotTrusted(
                    expected,
                    string.Format(
                        CultureInfo.InvariantCulture,
                        "The relay of {0} signed with the key {1}, but the key first seen for this group was {2}. "
                        + "If the relay's key really changed, check its fingerprint (Get-McastRelay on the relay's host) and start over without the remembered key.",
                        key,
                        relayFingerprint,
                        expected));
            }
        }

        private static string Key(IPAddress group, int port) => AddressText.EndPoint(group ?? throw new ArgumentNullException(nameof(group)), port);
    }
}
