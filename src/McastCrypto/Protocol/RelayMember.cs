using System;
using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>A member as the relay knows it (a snapshot).</summary>
    public sealed class RelayMember
    {
        public RelayMember(IPEndPoint endPoint, string? name, bool connected, DateTimeOffset registeredAt, DateTimeOffset lastSeen, string keyFingerprint)
        {
            EndPoint = endPoint;
            Name = name;
            Connected = connected;
            RegisteredAt = registeredAt;
            LastSeen = lastSeen;
            KeyFingerprint = keyFingerprint;
        }

        /// <summary>The source address:port of the member's datagrams: its name in the Classic protocol.</summary>
        public IPEndPoint EndPoint { get; }

        /// <summary>The member's display name, where the protocol carries one.</summary>
        public string? Name { get; }

        /// <summary>True once the member joined (CONNECT); a member can be registered without having joined.</summary>
        public bool Connected { get; }

        public DateTimeOffset RegisteredAt { get; }

        public DateTimeOffset LastSeen { get; }

        public string KeyFingerprint { get; }

        public override string ToString() => EndPoint + (Connected ? " (joined)" : " (registered)");
    }
}
