namespace McastCrypto.Protocol
{
    /// <summary>What a relay's protocol reports to its relay.</summary>
    public enum RelayEventKind
    {
        /// <summary>A member registered its key (or replaced it).</summary>
        Registered,

        /// <summary>A member joined the group.</summary>
        Joined,

        /// <summary>A member said goodbye.</summary>
        Left,

        /// <summary>A member fell silent for longer than the client time-out and was forgotten.</summary>
        TimedOut,

        /// <summary>A join was refused: the member's key is not on the relay's list of authorized keys.</summary>
        Refused,

        /// <summary>The group key changed: a new epoch.</summary>
        Rekeyed,

        /// <summary>A message was relayed to the other members.</summary>
        Relayed,
    }
}
