namespace McastCrypto.Protocol.Secure
{
    /// <summary>The kind of a record in a GroupSealed plaintext: what the relay tells the group.</summary>
    public enum SecureGroupKind : byte
    {
        /// <summary>A member's message fragment, forwarded: sender id (4), Q (8), message id (8), index (4), count (4), content type (1), payload.</summary>
        Data = 1,

        /// <summary>A member joined: member id (4), identity key (65), name length (1), name.</summary>
        Joined = 2,

        /// <summary>A member left: member id (4), reason (1).</summary>
        Left = 3,

        /// <summary>The relay is alive; the datagram's R is its latest sequence number. Empty body.</summary>
        Heartbeat = 4,

        /// <summary>Members present: count (2), then count entries as in Joined.</summary>
        Roster = 5,

        /// <summary>The relay holds every Data fragment of a member below a Q: member id (4), next Q (8).</summary>
        Ack = 6,

        /// <summary>Relay datagrams the relay can no longer repair: first R (8), length (4), 1 to 65,535.</summary>
        Unavailable = 7,

        /// <summary>The relay refused a member's message: member id (4), message id (8), reason (1).</summary>
        Refused = 8,

        /// <summary>
        /// A federated relay names a member's site; it comes before that member's Joined record and
        /// before a Roster record that lists it: member id (4), site length (1, 1 to 64), site (UTF-8).
        /// </summary>
        Site = 9,

        /// <summary>
        /// A federated relay says a member of another site lost fragments between the sites: member id
        /// (4), next Q (8), reason (1: 01 lost between sites). Read like an Ack, with that reason for the gap.
        /// </summary>
        Lost = 10,
    }
}
