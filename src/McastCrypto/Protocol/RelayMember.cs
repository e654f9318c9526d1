using System;
using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>A member as the relay knows it (a snapshot).</summary>
    public sealed class RelayMember
    {
        public RelayMember(MemberIdentity identity, bool connected, DateTimeOffset registeredAt, DateTimeOffset lastSeen, bool isRemote = false)
        {
            IsRemote = isRemote;
            Identity = identity ?? throw new ArgumentNullException(nameof(identity));
            Connected = connected;
            RegisteredAt = registeredAt;
            LastSeen = lastSeen;
        }

        /// <summary>Who the member is: its id, name, key fingerprint and address.</summary>
        public MemberIdentity Identity { get; }

        /// <summary>The member's id in the group (in Classic its address:port).</summary>
        public string Id => Identity.Id;

        /// <summary>The member's display name, where the protocol carries one.</summary>
        public string? Name => Identity.Name;

        /// <summary>The source address:port of the member's datagrams.</summary>
        public IPEndPoint? EndPoint => Identity.EndPoint;

        /// <summary>The fingerprint of the member's key (SHA256:base64).</summary>
        public string? KeyFingerprint => Identity.KeyFingerprint;

        /// <summary>
        /// The member's site when the relay is federated: the relay's own site for its members, the
        /// other site's for a member of another site (an alias); null when the relay is not federated.
        /// </summary>
        public string? Site => Identity.Site;

        /// <summary>True for a member of another site, shown by a federated relay (it is not on this relay's LAN and has no address).</summary>
        public bool IsRemote { get; }

        /// <summary>True once the member joined; a member can be registered without having joined.</summary>
        public bool Connected { get; }

        public DateTimeOffset RegisteredAt { get; }

        public DateTimeOffset LastSeen { get; }

        public override string ToString() => Identity + (Connected ? " (joined)" : " (registered)");
    }
}
