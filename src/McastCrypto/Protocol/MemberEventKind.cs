namespace McastCrypto.Protocol
{
    /// <summary>What a member's protocol reports to its session.</summary>
    public enum MemberEventKind
    {
        /// <summary>A message from another member (in Classic: one block of a message).</summary>
        Message,

        /// <summary>The relay announced that a member joined (the member itself included).</summary>
        Joined,

        /// <summary>The relay announced that a member left or timed out (the member itself included).</summary>
        Left,

        /// <summary>The relay listed a member as present (its roster): for the peer table, not a notice of its own.</summary>
        Present,

        /// <summary>The member's <see cref="MemberState"/> changed.</summary>
        StateChanged,

        /// <summary>A message of this member's went out to the relay (every protocol says this).</summary>
        MessageSent,

        /// <summary>The relay confirmed it has a message of this member's (protocols with delivery reports).</summary>
        MessageAcknowledged,

        /// <summary>A message of this member's could not be delivered to the relay (protocols with delivery reports).</summary>
        MessageFailed,

        /// <summary>
        /// Fragments or messages from a member were lost for good (not repaired in time, no longer in
        /// the relay's buffer, or dropped here at a limit): how many, from whom, and why.
        /// </summary>
        Gap,
    }
}
