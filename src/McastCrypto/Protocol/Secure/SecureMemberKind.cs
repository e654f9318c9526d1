namespace McastCrypto.Protocol.Secure
{
    /// <summary>The kind of a MemberSealed plaintext (its first byte): what a member tells the relay.</summary>
    public enum SecureMemberKind : byte
    {
        /// <summary>Completes the handshake: proves the member holds the pairwise keys. Empty body.</summary>
        Join = 1,

        /// <summary>"Still here." Empty body.</summary>
        KeepAlive = 2,

        /// <summary>"Goodbye." Empty body.</summary>
        Leave = 3,

        /// <summary>One fragment of a message: message id (8), index (2), count (2), flags (1), payload.</summary>
        Data = 4,

        /// <summary>"Send me the current group key again": the epoch the member saw (4).</summary>
        KeyRequest = 5,
    }
}
