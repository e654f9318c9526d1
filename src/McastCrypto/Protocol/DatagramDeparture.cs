using System;
using System.Threading;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// When a datagram a protocol produced left its host's hands: handed to the socket, or given up
    /// (dropped or discarded, which the protocol's time-outs then repair like a loss). A protocol that
    /// times what it sends attaches one to a datagram
    /// (<see cref="ProtocolOutput{TEvent}.Add(byte[], DatagramDeparture, DateTimeOffset)"/>) and starts its
    /// clock at the stamp, not when the datagram was produced: a datagram may wait in a paced send
    /// queue longer than a retransmission time-out. The host stamps it once, from any thread; the
    /// protocol reads it in its later steps. Thread-safe.
    /// </summary>
    public sealed class DatagramDeparture
    {
        private const long NotYet = long.MinValue;
        private long ticks = NotYet;

        /// <summary>When the datagram left (in the clock's time, as UTC); null while it waits to be sent.</summary>
        public DateTimeOffset? At
        {
            get
            {
                long value = Interlocked.Read(ref ticks);
                return value == NotYet ? (DateTimeOffset?)null : new DateTimeOffset(value, TimeSpan.Zero);
            }
        }

        /// <summary>Stamps the time the datagram left; only the first stamp counts.</summary>
        public void Stamp(DateTimeOffset at) => Interlocked.CompareExchange(ref ticks, at.UtcTicks, NotYet);
    }
}
