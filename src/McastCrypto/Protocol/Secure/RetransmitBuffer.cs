using System;
using System.Collections.Generic;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// The relay's copies of the group datagrams (GroupSealed and Rekey) it sent, by their sequence
    /// number R, so that a member's Nack can be answered with the very bytes sent (same R, same
    /// signature: nothing new is signed for a repair). R grows by one per datagram, so the copies held
    /// are always the consecutive numbers from <see cref="Oldest"/> to <see cref="Latest"/>. Bounded
    /// by a number of datagrams and a number of bytes; past either the oldest go first.
    /// </summary>
    internal sealed class RetransmitBuffer
    {
        private readonly Dictionary<ulong, Entry> entries = new Dictionary<ulong, Entry>();
        private readonly int maxCount;
        private readonly long maxBytes;
        private ulong oldest;

        public RetransmitBuffer(int maxCount, long maxBytes)
        {
            if (maxCount < 1 || maxBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxCount), "A retransmit buffer holds at least one datagram and one byte.");
            }

            this.maxCount = maxCount;
            this.maxBytes = maxBytes;
        }

        /// <summary>Datagrams held.</summary>
        public int Count => entries.Count;

        /// <summary>Bytes of the datagrams held.</summary>
        public long Bytes { get; private set; }

        /// <summary>Datagrams let go to keep within the bounds.</summary>
        public long Evicted { get; private set; }

        /// <summary>The latest R stored; null before the first.</summary>
        public ulong? Latest { get; private set; }

        /// <summary>The oldest R still held; null when nothing is.</summary>
        public ulong? Oldest => entries.Count == 0 ? (ulong?)null : oldest;

        /// <summary>Stores the datagram sent with sequence number <paramref name="sequence"/>, the next after <see cref="Latest"/>.</summary>
        public void Add(ulong sequence, byte[] datagram)
        {
            if (datagram is null)
            {
                throw new ArgumentNullException(nameof(datagram));
            }

            if (Latest is not null && sequence != Latest.Value + 1)
            {
                // R is one counter, used once per datagram in order; anything else is a bug of the relay.
                throw new InvalidOperationException("The relay's sequence numbers must be stored in order, one after the other.");
            }

            if (entries.Count == 0)
            {
                oldest = sequence;
            }

            entries.Add(sequence, new Entry(datagram));
            Bytes += datagram.Length;
            Latest = sequence;
            while (entries.Count > 0 && (entries.Count > maxCount || Bytes > maxBytes))
            {
                Entry gone = entries[oldest];
                entries.Remove(oldest);
                Bytes -= gone.Datagram.Length;
                Evicted++;
                oldest++;
            }
        }

        /// <summary>The stored datagram of <paramref name="sequence"/>, or null when it is not (or no longer) held.</summary>
        public Entry? Find(ulong sequence) => entries.TryGetValue(sequence, out Entry? entry) ? entry : null;

        /// <summary>One stored datagram and when it was last sent again.</summary>
        internal sealed class Entry
        {
            public Entry(byte[] datagram)
            {
                Datagram = datagram;
            }

            public byte[] Datagram { get; }

            /// <summary>When it was last sent as a repair; null if never.</summary>
            public DateTimeOffset? LastRepair { get; set; }
        }
    }
}
