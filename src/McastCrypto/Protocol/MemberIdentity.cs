using System;
using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// Who a member is, as far as a protocol can tell: an id unique in the group, and where the
    /// protocol has them a display name, the fingerprint of its key and the address its datagrams come
    /// from. The Classic protocol knows a member only by its address, so there the id is "address:port"
    /// and the address is all there is. Two identities are equal when their ids are.
    /// </summary>
    public sealed class MemberIdentity : IEquatable<MemberIdentity>
    {
        public MemberIdentity(string id, string? name = null, string? keyFingerprint = null, IPEndPoint? endPoint = null, string? site = null)
        {
            if (string.IsNullOrEmpty(id))
            {
                throw new ArgumentException("A member id cannot be empty.", nameof(id));
            }

            Id = id;

            // An empty display name (a Secure member that gave none) is no name.
            Name = string.IsNullOrEmpty(name) ? null : name;
            KeyFingerprint = keyFingerprint;
            EndPoint = endPoint;
            Site = string.IsNullOrEmpty(site) ? null : site;
        }

        /// <summary>The member's id in its group: what the relay calls it.</summary>
        public string Id { get; }

        /// <summary>The member's display name, where the protocol carries one.</summary>
        public string? Name { get; }

        /// <summary>The fingerprint of the member's key (SHA256:base64), where the protocol tells it.</summary>
        public string? KeyFingerprint { get; }

        /// <summary>The address:port the member's datagrams come from, where known.</summary>
        public IPEndPoint? EndPoint { get; }

        /// <summary>
        /// The site the member is at, when its relay is federated with other sites' relays (a Secure
        /// relay joined through NATS); null when the relay is not federated or the protocol has no sites.
        /// </summary>
        public string? Site { get; }

        /// <summary>The same member at <paramref name="site"/> (this very object when the site is the same).</summary>
        public MemberIdentity WithSite(string? site) =>
            string.Equals(Site, string.IsNullOrEmpty(site) ? null : site, StringComparison.Ordinal) ? this : new MemberIdentity(Id, Name, KeyFingerprint, EndPoint, site);

        /// <summary>A member known only by its address, as in the Classic protocol.</summary>
        public static MemberIdentity FromEndPoint(IPEndPoint endPoint, string? keyFingerprint = null)
        {
            if (endPoint is null)
            {
                throw new ArgumentNullException(nameof(endPoint));
            }

            return new MemberIdentity(endPoint.ToString(), null, keyFingerprint, endPoint);
        }

        public bool Equals(MemberIdentity? other) => other is not null && string.Equals(Id, other.Id, StringComparison.Ordinal);

        public override bool Equals(object? obj) => Equals(obj as MemberIdentity);

        public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Id);

        public override string ToString() => Name is null ? Id : Name + " (" + Id + ")";
    }
}
