using System;
using System.Collections.Generic;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// What one step of a protocol produced: datagrams to multicast, in order, and events. The caller
    /// passes one in, acts on it (sends, dispatches) and clears it; the protocol itself never touches a socket.
    /// </summary>
    public sealed class ProtocolOutput<TEvent>
    {
        // Parallel to Datagrams where a datagram has a departure to stamp (null elsewhere); made at the first one.
        private List<DatagramDeparture?>? departures;

        public List<byte[]> Datagrams { get; } = new List<byte[]>();

        public List<TEvent> Events { get; } = new List<TEvent>();

        /// <summary>
        /// Set by a host that stamps the <see cref="DatagramDeparture"/> of each datagram when it hands
        /// the datagram to its socket (the runner, whose send queue is paced). Where it is false (a host
        /// that passes datagrams on at once, as the tests' simulated networks do), a datagram added with
        /// a departure is stamped at the time of the step that produced it.
        /// </summary>
        public bool ReportsDepartures { get; set; }

        /// <summary>
        /// Adds a datagram whose departure the protocol wants to know: <paramref name="departure"/> is
        /// stamped by the host when the datagram leaves, or at <paramref name="now"/> when the host
        /// does not report departures.
        /// </summary>
        public void Add(byte[] datagram, DatagramDeparture departure, DateTimeOffset now)
        {
            if (datagram is null)
            {
                throw new ArgumentNullException(nameof(datagram));
            }

            if (departure is null)
            {
                throw new ArgumentNullException(nameof(departure));
            }

            if (!ReportsDepartures)
            {
                departure.Stamp(now);
                Datagrams.Add(datagram);
                return;
            }

            departures ??= new List<DatagramDeparture?>();
            while (departures.Count < Datagrams.Count)
            {
                departures.Add(null);
            }

            Datagrams.Add(datagram);
            departures.Add(departure);
        }

        /// <summary>The departure to stamp for the datagram at <paramref name="index"/> in <see cref="Datagrams"/>; null when it has none.</summary>
        public DatagramDeparture? DepartureOf(int index) =>
            departures is not null && index >= 0 && index < departures.Count ? departures[index] : null;

        public void Clear()
        {
            Datagrams.Clear();
            Events.Clear();
            departures?.Clear();
        }
    }
}
