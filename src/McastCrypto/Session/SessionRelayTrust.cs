using System;
using System.IO;
using System.Net;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>
    /// How a session decides whether to trust a relay's key: the pinned fingerprint when there is one
    /// (New-McastSession -RelayFingerprint), the known-relays file otherwise.
    /// </summary>
    internal sealed class SessionRelayTrust : IRelayTrust
    {
        private readonly string? pinned;
        private readonly string knownRelaysPath;
        private readonly bool trustOnFirstUse;
        private readonly string interfaceAddress;

        public SessionRelayTrust(string? pinned, string knownRelaysPath, bool trustOnFirstUse, string interfaceAddress)
        {
            this.pinned = pinned;
            this.knownRelaysPath = knownRelaysPath;
            this.trustOnFirstUse = trustOnFirstUse;
            this.interfaceAddress = interfaceAddress;
        }

        public RelayTrustDecision Evaluate(IPAddress group, int port, string relayFingerprint)
        {
            if (pinned is not null)
            {
                return pinned == relayFingerprint
                    ? RelayTrustDecision.Trusted
                    : RelayTrustDecision.NotTrusted(pinned, "The relay for " + McastCrypto.Transport.AddressText.EndPoint(group, port) + " has the key " + relayFingerprint + ", but -RelayFingerprint pins " + pinned + ". Someone may be posing as the relay; if its key changed on purpose, pin the new one.");
            }

            var known = new KnownRelays(knownRelaysPath, KnownRelays.ScopeOf(group, port, interfaceAddress), trustOnFirstUse);
            try
            {
                string? why = known.Judge(relayFingerprint);
                return why is null ? RelayTrustDecision.Trusted : RelayTrustDecision.NotTrusted(known.Lookup(), why);
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                // A broken line, or a file that cannot be read: the file's fault, said as such.
                return RelayTrustDecision.NotTrusted(null, "The known-relays file " + knownRelaysPath + " cannot be used: " + e.Message + " Fix or remove it, or pass -RelayFingerprint " + relayFingerprint + ".");
            }
        }
    }
}
