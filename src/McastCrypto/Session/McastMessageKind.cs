namespace McastCrypto.Session
{
    /// <summary>What a <see cref="McastMessage"/> is.</summary>
    public enum McastMessageKind
    {
        /// <summary>Text from another member.</summary>
        Message,

        /// <summary>A member joined (this session's own join included).</summary>
        Joined,

        /// <summary>A member left or timed out (this session's own leave included).</summary>
        Left,
    }
}
