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

        /// <summary>One fragment of a message: Q (8), message id (8), index (4), count (4), content type (1), payload.</summary>
        Data = 4,

        /// <summary>"Send me the current group key again": the epoch the member saw (4).</summary>
        KeyRequest = 5,

        /// <summary>"Send these relay datagrams again": n (1), then n ranges, each first R (8) and length (4).</summary>
        Nack = 6,
    }
}
