namespace McastCrypto.Protocol
{
    /// <summary>How far one outgoing message has gone, for a progress bar.</summary>
    public sealed class SendProgress
    {
        public SendProgress(string messageId, int fragments, int fragmentsSent, int fragmentsAcknowledged, long bytes)
        {
            MessageId = messageId;
            Fragments = fragments;
            FragmentsSent = fragmentsSent;
            FragmentsAcknowledged = fragmentsAcknowledged;
            Bytes = bytes;
        }

        public string MessageId { get; }

        public int Fragments { get; }

        /// <summary>Fragments sent at least once.</summary>
        public int FragmentsSent { get; }

        /// <summary>Fragments the relay confirmed (protocols with acknowledgements; else equal to <see cref="FragmentsSent"/>).</summary>
        public int FragmentsAcknowledged { get; }

        /// <summary>The content's length in bytes.</summary>
        public long Bytes { get; }
    }
}
