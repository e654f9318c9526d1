namespace McastCrypto.Protocol
{
    /// <summary>Where a member is in its life with the relay.</summary>
    public enum MemberState
    {
        /// <summary>Not started yet.</summary>
        New,

        /// <summary>Looking for the relay: asked for its key (Classic) or sent its hello (Secure), and waiting for the answer.</summary>
        AwaitingRelayKey,

        /// <summary>Has the relay's key and asked to join (Classic's CONNECT, Secure's handshake); waiting for the relay to confirm the join.</summary>
        Joining,

        /// <summary>The relay announced the member's join: messages flow.</summary>
        Connected,

        /// <summary>Nothing authentic heard from the relay for the protocol's relay time-out; the member keeps trying to join again.</summary>
        RelayLost,

        /// <summary>Left the group (its goodbye sent) or closed.</summary>
        Closed,

        /// <summary>Ended for good, for the reason in <see cref="IMemberProtocol.Failure"/>: no retry leaves this state.</summary>
        Failed,
    }
}
