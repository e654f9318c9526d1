using System;
using System.Net;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>A member of the group as one session knows it (a snapshot).</summary>
    public sealed class McastPeer
    {
        public McastPeer(McastSession session, MemberIdentity identity, string? name, bool isSelf, DateTimeOffset? joinedAt, DateTimeOffset lastSeen, McastPeerState state, long messages)
        {
            Session = session;
            Identity = identity;
            Name = name;
            IsSelf = isSelf;
            JoinedAt = joinedAt;
            LastSeen = lastSeen;
            State = state;
            Messages = messages;
        }

        /// <summary>
        /// The session that knows the member: live, so hidden from PowerShell's listings and, in
        /// PowerShell 7.4 and later, from ConvertTo-Json (see <see cref="McastMessage.Session"/>).
        /// </summary>
        [System.Management.Automation.Hidden]
#if NET
        [Newtonsoft.Json.JsonIgnore]
#endif
        public McastSession Session { get; }

        /// <summary>The name of the session that knows the member.</summary>
        public string? SessionName => Session?.Name;

        /// <summary>Who the member is, as the protocol knows it.</summary>
        public MemberIdentity Identity { get; }

        /// <summary>The member's id in the group (in Classic its address:port).</summary>
        public string Id => Identity.Id;

        /// <summary>
        /// The member's address:port, where known: its only name on the wire in the Classic protocol.
        /// (Not called Address: arrays have an Address method that would hide it from (Get-McastPeer).Address.)
        /// </summary>
        public IPEndPoint? EndPoint => Identity.EndPoint;

        /// <summary>Its name where known (Classic carries none; this session's own is known).</summary>
        public string? Name { get; }

        /// <summary>The fingerprint of its key (SHA256:base64), where the protocol tells it.</summary>
        public string? KeyFingerprint => Identity.KeyFingerprint;

        /// <summary>The peer's site when the group's relays are federated (each site's relay names its own); null otherwise.</summary>
        public string? Site => Identity.Site;

        /// <summary>True for this session itself.</summary>
        public bool IsSelf { get; }

        /// <summary>When the relay announced its join, if this session heard it.</summary>
        public DateTimeOffset? JoinedAt { get; }

        /// <summary>The last time this session heard of it.</summary>
        public DateTimeOffset LastSeen { get; }

        public McastPeerState State { get; }

        /// <summary>Messages (blocks, in Classic) received from it.</summary>
        public long Messages { get; }
    }
}
