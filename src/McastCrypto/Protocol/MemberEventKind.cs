namespace McastCrypto.Protocol
{
    /// <summary>What a member's protocol reports to its session.</summary>
    public enum MemberEventKind
    {
        /// <summary>A message (or, in Classic, one block of a message) from another member.</summary>
        Message,

        /// <summary>The relay announced that a member joined (the member itself included).</summary>
        Joined,

        /// <summary>The relay announced that a member left or timed out (the member itself included).</summary>
        Left,

        /// <summary>The member's <see cref="MemberState"/> changed.</summary>
        StateChanged,
    }
}
