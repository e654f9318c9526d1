namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// Why fragments of a sender were lost for good: the <see cref="MemberEvent.Reason"/> of a
    /// <see cref="MemberEventKind.Gap"/> event, one short English sentence each.
    /// </summary>
    public static class GapReasons
    {
        /// <summary>The member asked for a lost datagram until RepairTimeout passed.</summary>
        public const string NotRepaired = "not repaired in time";

        /// <summary>The relay answered a Nack with Unavailable: its retransmit buffer had let the datagram go.</summary>
        public const string Unavailable = "no longer in the relay's buffer";

        /// <summary>
        /// A federated relay said (a Lost record) that the sender's fragments went missing between
        /// the sites: the other site's relay no longer had them to send again.
        /// </summary>
        public const string BetweenSites = "lost between sites: no longer in the other relay's buffer";

        /// <summary>The relay refused the message (too large for it, or a content type it does not take).</summary>
        public const string Refused = "the relay refused it";

        /// <summary>The member was more than ReceiveWindow numbers behind the relay's stream.</summary>
        public const string ReceiveWindow = "dropped here: receive window";

        /// <summary>The hold buffer (HoldLimit datagrams or HoldBytes) was full.</summary>
        public const string HoldFull = "dropped here: hold buffer full";

        /// <summary>Messages being assembled would have held more than ReassemblyBytes.</summary>
        public const string ReassemblyLimit = "dropped here: reassembly limit";

        /// <summary>The message was longer than this member's MaxMessageBytes.</summary>
        public const string MessageTooLarge = "dropped here: message size limit";

        /// <summary>A sender's fragments did not fit together (index, message id, count or content type).</summary>
        public const string Inconsistent = "inconsistent fragments";

        /// <summary>A file message whose name is not a bare file name.</summary>
        public const string BadFileName = "the file's name did not check";

        /// <summary>A file message whose bytes do not have the SHA-256 it carries.</summary>
        public const string BadFileHash = "the file's digest did not check";

        /// <summary>A text message that is not valid UTF-8.</summary>
        public const string InvalidText = "the text was not valid UTF-8";

        /// <summary>A content type this member does not know.</summary>
        public const string UnsupportedContent = "a content type this member does not know";
    }
}
