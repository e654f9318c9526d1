using System;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>What a federation link knows of another relay, as shown to people (a snapshot).</summary>
    public sealed class FederationPeerInfo
    {
        internal FederationPeerInfo(
            string fingerprint, string relayId, string? site, string boot, DateTimeOffset lastHeard, ulong nextF, ulong expectedF,
            int held, ulong missing, bool hasKey, int members, string? refusal)
        {
            Fingerprint = fingerprint;
            RelayId = relayId;
            Site = site;
            Boot = boot;
            LastHeard = lastHeard;
            NextF = nextF;
            ExpectedF = expectedF;
            Held = held;
            Missing = missing;
            HasKey = hasKey;
            Members = members;
            Refusal = refusal;
        }

        /// <summary>The relay's identity fingerprint (SHA256:...).</summary>
        public string Fingerprint { get; }

        /// <summary>The relay's id in subjects: 16 hex digits of SHA-256 of its identity key.</summary>
        public string RelayId { get; }

        /// <summary>Its site name, once its key grant has been opened; null before.</summary>
        public string? Site { get; }

        /// <summary>Its current boot id (32 hex digits): new at every start of that relay.</summary>
        public string Boot { get; }

        /// <summary>When its last announce was accepted (or the bus came back).</summary>
        public DateTimeOffset LastHeard { get; }

        /// <summary>The F of the next envelope it will publish, as far as this relay knows (its latest F is one less).</summary>
        public ulong NextF { get; }

        /// <summary>The F of its next envelope this relay will deliver.</summary>
        public ulong ExpectedF { get; }

        /// <summary>Its envelopes held out of order.</summary>
        public int Held { get; }

        /// <summary>Its envelopes missing below <see cref="NextF"/> (being repaired).</summary>
        public ulong Missing { get; }

        /// <summary>Whether this relay holds its publish key (can read what it publishes).</summary>
        public bool HasKey { get; }

        /// <summary>Its members known here.</summary>
        public int Members { get; }

        /// <summary>Why its stream is refused (a different MaxDatagramBytes), or null.</summary>
        public string? Refusal { get; }

        /// <inheritdoc/>
        public override string ToString() => (Site ?? "?") + " " + Fingerprint;
    }
}
