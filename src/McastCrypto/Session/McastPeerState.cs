namespace McastCrypto.Session
{
    /// <summary>What a session last heard of a member.</summary>
    public enum McastPeerState
    {
        /// <summary>The relay announced its join, or it sent a message.</summary>
        Joined,

        /// <summary>The relay announced that it left or timed out.</summary>
        Left,
    }
}
