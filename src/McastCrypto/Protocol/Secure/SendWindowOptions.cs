using System;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>The settings of a <see cref="SendWindow"/>, taken from the member's options.</summary>
    internal sealed class SendWindowOptions
    {
        /// <summary>The most fragments sent and not yet acknowledged.</summary>
        public int Window { get; set; } = SecureDefaults.SendWindow;

        /// <summary>The most messages queued or waiting for their acknowledgement.</summary>
        public int BufferMessages { get; set; } = SecureDefaults.SendBufferMessages;

        /// <summary>The most bytes of messages queued or waiting for their acknowledgement (one message alone is always taken).</summary>
        public long BufferBytes { get; set; } = SecureDefaults.SendBufferBytes;

        /// <summary>The retransmission time-out before the first round-trip sample.</summary>
        public TimeSpan InitialRetransmit { get; set; } = SecureDefaults.InitialRetransmit;

        /// <summary>The shortest retransmission time-out.</summary>
        public TimeSpan MinRetransmit { get; set; } = SecureDefaults.MinRetransmit;

        /// <summary>The longest retransmission time-out, back-off included.</summary>
        public TimeSpan MaxRetransmit { get; set; } = SecureDefaults.MaxRetransmit;

        /// <summary>How long a fragment may wait for its acknowledgement after its first sending.</summary>
        public TimeSpan AckTimeout { get; set; } = SecureDefaults.AckTimeout;
    }
}
