using System;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Session
{
    /// <summary>
    /// A snapshot of a Secure session's reliable delivery: what it asked the relay to repair, what
    /// it sent again, and how much its bounded buffers hold now. Read from <see cref="McastSession.Reliability"/>.
    /// </summary>
    public sealed class McastReliabilityCounters
    {
        internal McastReliabilityCounters(SecureMember member)
        {
            NacksSent = member.NacksSent;
            RepairsReceived = member.RepairsReceived;
            RepairsGivenUp = member.RepairsGivenUp;
            MissingDatagrams = member.MissingDatagrams;
            HeldDatagrams = member.HeldDatagrams;
            HeldBytes = member.HeldBytes;
            ReassemblyBytes = member.ReassemblyBytes;
            SendBufferMessages = member.SendBufferMessages;
            SendBufferBytes = member.SendBufferBytes;
            FragmentsInFlight = member.FragmentsInFlight;
            Retransmissions = member.Retransmissions;
            FastRetransmissions = member.FastRetransmissions;
            RoundTripTime = member.RoundTripTime;
            RetransmitTimeout = member.RetransmitTimeout;
        }

        /// <summary>Nacks sent to the relay (each may ask for several missing datagrams).</summary>
        public long NacksSent { get; }

        /// <summary>Holes in the relay's stream that were filled (by a repair, or by a late arrival).</summary>
        public long RepairsReceived { get; }

        /// <summary>Datagrams of the relay's stream given up for good (reported as Gap records where they carried messages).</summary>
        public long RepairsGivenUp { get; }

        /// <summary>Datagrams of the relay's stream missing now and being asked for.</summary>
        public long MissingDatagrams { get; }

        /// <summary>Datagrams that came early and wait for the ones before them (bounded by HoldLimit).</summary>
        public int HeldDatagrams { get; }

        /// <summary>Bytes of those datagrams (bounded by HoldBytes).</summary>
        public long HeldBytes { get; }

        /// <summary>Bytes of messages being assembled, all senders together (bounded by ReassemblyBytes).</summary>
        public long ReassemblyBytes { get; }

        /// <summary>Messages of this session's waiting for the relay's acknowledgement, sent or not yet.</summary>
        public int SendBufferMessages { get; }

        /// <summary>Their bytes (bounded by SendBufferBytes).</summary>
        public long SendBufferBytes { get; }

        /// <summary>Fragments sent and not yet acknowledged (at most the send window).</summary>
        public int FragmentsInFlight { get; }

        /// <summary>Fragments sent again after a retransmission time-out or a repeated acknowledgement.</summary>
        public long Retransmissions { get; }

        /// <summary>Of those, the ones sent again at once because the relay's acknowledgement showed a hole.</summary>
        public long FastRetransmissions { get; }

        /// <summary>The smoothed round trip to the relay's acknowledgement; null before the first sample.</summary>
        public TimeSpan? RoundTripTime { get; }

        /// <summary>The retransmission time-out now.</summary>
        public TimeSpan RetransmitTimeout { get; }
    }
}
