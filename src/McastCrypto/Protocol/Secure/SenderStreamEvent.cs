using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>What <see cref="SenderStreams"/> found: a whole message from a sender, or a loss for good.</summary>
    internal sealed class SenderStreamEvent
    {
        private SenderStreamEvent(uint sender, ulong? messageId, MessageContent? content, long lostFragments, long lostMessages, string? reason)
        {
            Sender = sender;
            MessageId = messageId;
            Content = content;
            LostFragments = lostFragments;
            LostMessages = lostMessages;
            Reason = reason;
        }

        /// <summary>True for a Gap; false for a Message.</summary>
        public bool IsGap => Content is null;

        public uint Sender { get; }

        /// <summary>The message's id; for a Gap the first message touched, when known.</summary>
        public ulong? MessageId { get; }

        public MessageContent? Content { get; }

        public long LostFragments { get; }

        public long LostMessages { get; }

        /// <summary>For a Gap: a <see cref="GapReasons"/> sentence.</summary>
        public string? Reason { get; }

        public static SenderStreamEvent Message(uint sender, ulong messageId, MessageContent content) =>
            new SenderStreamEvent(sender, messageId, content, 0, 0, null);

        public static SenderStreamEvent Gap(uint sender, long lostFragments, long lostMessages, ulong? firstMessageId, string reason) =>
            new SenderStreamEvent(sender, firstMessageId, null, lostFragments, lostMessages, reason);

        /// <summary>A message id as the protocol shows it: 16 lower-case hex digits.</summary>
        public static string FormatMessageId(ulong messageId) => messageId.ToString("x16", CultureInfo.InvariantCulture);

        public override string ToString() => IsGap
            ? string.Format(CultureInfo.InvariantCulture, "Gap from {0:x8}: {1} fragments, {2} messages ({3})", Sender, LostFragments, LostMessages, Reason)
            : string.Format(CultureInfo.InvariantCulture, "Message from {0:x8} {1:x16}", Sender, MessageId);
    }
}
