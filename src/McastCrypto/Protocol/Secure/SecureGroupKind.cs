namespace McastCrypto.Protocol.Secure
{
    /// <summary>The kind of a record in a GroupSealed plaintext: what the relay tells the group.</summary>
    public enum SecureGroupKind : byte
    {
        /// <summary>A member's message fragment, forwarded: sender id (4), message id (8), index (2), count (2), flags (1), payload.</summary>
        Data = 1,

        /// <summary>A member joined: member id (4), identity key (65), name length (1), name.</summary>
        Joined = 2,

        /// <summary>A member left: member id (4), reason (1).</summary>
        Left = 3,

        /// <summary>The relay is alive. Empty body.</summary>
        Heartbeat = 4,

        /// <summary>Members present: count (2), then count entries as in Joined.</summary>
        Roster = 5,
    }
}
