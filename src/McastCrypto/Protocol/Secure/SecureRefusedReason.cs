namespace McastCrypto.Protocol.Secure
{
    /// <summary>Why the relay refused a member's message, in a Refused record.</summary>
    public enum SecureRefusedReason : byte
    {
        /// <summary>The message is larger than the relay's largest message (or its fragments say it must be).</summary>
        TooLarge = 1,

        /// <summary>The content type is not one the relay forwards (text 01, data 02, file 03).</summary>
        UnsupportedContent = 2,
    }
}
