namespace McastCrypto.Protocol
{
    /// <summary>What <see cref="IMemberProtocol.Send"/> produced for one message.</summary>
    public sealed class SentMessage
    {
        public SentMessage(string messageId, string text, int textBytes, int wireBytes, int fragments)
        {
            MessageId = messageId;
            Text = text;
            TextBytes = textBytes;
            WireBytes = wireBytes;
            Fragments = fragments;
        }

        /// <summary>The message id as hex, as it stands on the wire.</summary>
        public string MessageId { get; }

        public string Text { get; }

        /// <summary>The text's length in UTF-8 bytes.</summary>
        public int TextBytes { get; }

        /// <summary>The bytes of all datagrams of the message.</summary>
        public int WireBytes { get; }

        /// <summary>How many datagrams carry it.</summary>
        public int Fragments { get; }
    }
}
