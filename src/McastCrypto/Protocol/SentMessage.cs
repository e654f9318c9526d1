namespace McastCrypto.Protocol
{
    /// <summary>What <see cref="IMemberProtocol.Send"/> took for one message.</summary>
    public sealed class SentMessage
    {
        public SentMessage(string messageId, string text, int textBytes, int wireBytes, int fragments)
            : this(messageId, MessageContent.FromText(text), wireBytes, fragments)
        {
        }

        public SentMessage(string messageId, MessageContent content, long wireBytes, int fragments)
        {
            MessageId = messageId;
            Content = content;
            WireBytes = wireBytes;
            Fragments = fragments;
        }

        /// <summary>The message id as hex, as it stands on the wire.</summary>
        public string MessageId { get; }

        public MessageContent Content { get; }

        public MessageContentKind Kind => Content.Kind;

        /// <summary>The text, for a text message; else null.</summary>
        public string? Text => Content.Text;

        /// <summary>The content's length in bytes (a text's in UTF-8).</summary>
        public int TextBytes => Content.Length;

        /// <summary>
        /// The bytes of all datagrams of the message as first sent (retransmissions not counted); for
        /// a protocol that sends as its window allows, what they will be.
        /// </summary>
        public long WireBytes { get; }

        /// <summary>How many datagrams (fragments) carry it.</summary>
        public int Fragments { get; }
    }
}
