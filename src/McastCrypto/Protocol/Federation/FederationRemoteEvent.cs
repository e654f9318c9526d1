using System;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>
    /// Something a member of another site did, checked (signature, authorization, order) by the
    /// federation before it is given to the relay. A member is named by its origin relay's fingerprint
    /// and the member id that relay gave it; the receiving relay maps the pair to an id of its own.
    /// </summary>
    public sealed class FederationRemoteEvent
    {
        /// <summary>Makes an event; the fields a kind does not use stay at their defaults.</summary>
        public FederationRemoteEvent(FederationRemoteEventKind kind, string originFingerprint, string originSite, uint memberId)
        {
            Kind = kind;
            OriginFingerprint = originFingerprint ?? throw new ArgumentNullException(nameof(originFingerprint));
            OriginSite = originSite ?? throw new ArgumentNullException(nameof(originSite));
            MemberId = memberId;
        }

        /// <summary>What happened.</summary>
        public FederationRemoteEventKind Kind { get; }

        /// <summary>The fingerprint (SHA256:...) of the relay that published it.</summary>
        public string OriginFingerprint { get; }

        /// <summary>That relay's site name.</summary>
        public string OriginSite { get; }

        /// <summary>The member id the origin relay gave the member.</summary>
        public uint MemberId { get; }

        /// <summary>Joined: the member's identity public key (65 bytes, uncompressed P-256).</summary>
        public byte[]? IdentityKey { get; set; }

        /// <summary>Joined: the member's display name.</summary>
        public string? Name { get; set; }

        /// <summary>Left: why.</summary>
        public SecureLeftReason LeftReason { get; set; }

        /// <summary>Data: the fragment, with the origin's member id and <c>Q</c>.</summary>
        public SecureFragment? Fragment { get; set; }

        /// <summary>Refused: the message id.</summary>
        public ulong MessageId { get; set; }

        /// <summary>Refused: why.</summary>
        public SecureRefusedReason RefusedReason { get; set; }

        /// <summary>Joined: the member's next <c>Q</c> at the origin; Progress and Lost: the next <c>Q</c> the origin holds.</summary>
        public ulong NextQ { get; set; }
    }
}
