namespace McastCrypto.Protocol
{
    /// <summary>Where a member is in its life with the relay.</summary>
    public enum MemberState
    {
        /// <summary>Not started yet.</summary>
        New,

        /// <summary>Registered its key and asked for the relay's; waiting for it.</summary>
        AwaitingRelayKey,

        /// <summary>Has the relay's key, sent CONNECT, waiting for the relay's notice of its own join.</summary>
        Joining,

        /// <summary>The relay announced the member's join: messages flow.</summary>
        Connected,

        /// <summary>No traffic from the relay for three keep-alive intervals; the member keeps trying.</summary>
        RelayLost,

        /// <summary>Left the group (DISCONNECT sent) or closed.</summary>
        Closed,

        /// <summary>Ended for good, for the reason in <see cref="IMemberProtocol.Failure"/>: no retry leaves this state.</summary>
        Failed,
    }
}
