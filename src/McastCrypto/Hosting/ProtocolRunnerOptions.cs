using System;
using System.Globalization;

namespace McastCrypto.Hosting
{
    /// <summary>The bounds and timings of a <see cref="ProtocolRunner{TEvent}"/>; the defaults suit a session or a relay.</summary>
    public sealed class ProtocolRunnerOptions
    {
        /// <summary>The smallest byte bound a queue may have: one datagram of the largest size UDP carries.</summary>
        public const int MinimumQueueBytes = 64 * 1024;

        /// <summary>
        /// The most received datagrams waiting for the protocol; past it (or past
        /// <see cref="ReceiveQueueBytes"/>) a datagram is dropped and counted ReceiveQueueFull. Default 8192.
        /// </summary>
        public int ReceiveQueueLimit { get; set; } = 8192;

        /// <summary>The most bytes of received datagrams waiting for the protocol. Default 32 MiB.</summary>
        public long ReceiveQueueBytes { get; set; } = 32L * 1024 * 1024;

        /// <summary>
        /// The most datagrams waiting to be sent; past it (or past <see cref="SendQueueBytes"/>) a
        /// background step's datagrams are dropped and counted SendQueueFull. Default 65536.
        /// </summary>
        public int SendQueueLimit { get; set; } = 65536;

        /// <summary>The most bytes waiting to be sent. Default 16 MiB.</summary>
        public long SendQueueBytes { get; set; } = 16L * 1024 * 1024;

        /// <summary>How often the protocol's tick step runs. Default 100 ms.</summary>
        public TimeSpan TickPeriod { get; set; } = TimeSpan.FromMilliseconds(100);

        /// <summary>
        /// How long closing may spend on the farewell: waiting for a step that is running and sending
        /// the farewell's datagrams. Default 1 s.
        /// </summary>
        public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>Throws <see cref="ArgumentException"/> naming the first bad value.</summary>
        public void Validate()
        {
            if (ReceiveQueueLimit < 1 || SendQueueLimit < 1)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "The queue limits must be positive; they are {0} (receive) and {1} (send).", ReceiveQueueLimit, SendQueueLimit));
            }

            if (ReceiveQueueBytes < MinimumQueueBytes || SendQueueBytes < MinimumQueueBytes)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "The queues must hold at least {0} bytes; they hold {1} (receive) and {2} (send).", MinimumQueueBytes, ReceiveQueueBytes, SendQueueBytes));
            }

            if (TickPeriod < TimeSpan.FromMilliseconds(1) || TickPeriod > TimeSpan.FromMinutes(1))
            {
                throw new ArgumentException("The tick period must be between 1 ms and 1 minute; it is " + TickPeriod + ".", nameof(TickPeriod));
            }

            if (CloseTimeout < TimeSpan.Zero || CloseTimeout > TimeSpan.FromMinutes(1))
            {
                throw new ArgumentException("The close time-out must be between 0 and 1 minute; it is " + CloseTimeout + ".", nameof(CloseTimeout));
            }
        }

        internal ProtocolRunnerOptions Clone() => (ProtocolRunnerOptions)MemberwiseClone();
    }
}
