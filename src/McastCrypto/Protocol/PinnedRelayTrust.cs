using System;
using System.Globalization;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Protocol
{
    /// <summary>Trusts one relay key, given by its fingerprint (New-McastSession -RelayFingerprint): any other is refused.</summary>
    public sealed class PinnedRelayTrust : IRelayTrust
    {
        public PinnedRelayTrust(string fingerprint)
        {
            if (string.IsNullOrEmpty(fingerprint))
            {
                throw new ArgumentException("Give the fingerprint of the relay key to trust (SHA256:base64).", nameof(fingerprint));
            }

            Fingerprint = fingerprint;
        }

        /// <summary>The one fingerprint trusted.</summary>
        public string Fingerprint { get; }

        public RelayTrustDecision Evaluate(IPAddress group, int port, string relayFingerprint)
        {
            if (string.Equals(relayFingerprint, Fingerprint, StringComparison.Ordinal))
            {
                return RelayTrustDecision.Trusted;
            }

            return RelayTrustDecision.NotTrusted(
                Fingerprint,
                string.Format(
                    CultureInfo.InvariantCulture,
                    "The relay of {0} signed with the key {1}, not {2}, the key this session was told to trust. "
                    + "If the relay's key really changed, check its fingerprint (Get-McastRelay on the relay's host) and pin the new one with -RelayFingerprint.",
                    AddressText.EndPoint(group, port),
                    relayFingerprint,
                    Fingerprint));
        }
    }
}
