using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Protocol;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Bench
{
    /// <summary>
    /// Secure messages/s under injected loss, on loopback: one sender, a relay and
    /// <c>receivers</c> members; the sender (<see cref="SendLoop"/>) sends 1 KiB messages for a
    /// fixed time per level. A decorator on each receiving member's channel drops
    /// that fraction of everything it receives (group data, repairs, Rekeys, heartbeats alike) at
    /// random, each datagram on its own; the sender's and the relay's channels drop nothing, and no
    /// sent datagram is dropped.
    /// The clock starts at the level's first send and stops when the last receiver has counted every
    /// message of the level (or at the drain limit, then the level is cut short and its losses
    /// counted); messages/s is the messages sent in the level over that time. Repairs are read from
    /// the relay's counters (Nacks received, repairs sent) and the members' (Nacks sent, holes
    /// filled); the sender's own retransmissions from its reliability counters.
    /// </summary>
    internal static class RepairThroughput
    {
        private const int MessageBytes = 1024;

        public static List<Level> Run(int receivers, IReadOnlyList<int> percents, TimeSpan perLevel, TimeSpan drainLimit, Action<string> progress)
        {
            MulticastOptions network = LoopbackGroup.NewNetwork();
            var dropper = new RandomDrop();
            var sessions = new List<McastSession>();
            var levels = new List<Level>();
            McastRelay relay = McastRelay.Start(new McastRelayOptions { Name = "bench-repair-rate", Network = network, HandshakesPerSourcePerSecond = 16 });
            try
            {
                McastSession sender = McastSession.Open(LoopbackGroup.Session(relay, network, "sender"), CancellationToken.None);
                sessions.Add(sender);
                var members = new List<McastSession>();
                for (int i = 0; i < receivers; i++)
                {
                    McastSessionOptions options = LoopbackGroup.Session(relay, network, "r" + i);
                    options.ChannelDecorator = dropper.Wrap;
                    members.Add(McastSession.Open(options, CancellationToken.None));
                }

                sessions.AddRange(members);
                byte[] payload = new byte[MessageBytes];
                new Random(11).NextBytes(payload);

                // Warm-up, not counted: the code the levels run is compiled and the buffers grown.
                RunLevel(relay, sender, members, dropper, 0, payload, TimeSpan.FromMilliseconds(300), drainLimit);
                foreach (int percent in percents)
                {
                    progress($"Secure, {receivers} members, {percent}% of received datagrams dropped: {perLevel.TotalSeconds:0.#} s of 1 KiB messages");
                    levels.Add(RunLevel(relay, sender, members, dropper, percent, payload, perLevel, drainLimit));
                }
            }
            finally
            {
                relay.Stop();
                foreach (McastSession s in sessions)
                {
                    s.Dispose();
                }
            }

            return levels;
        }

        private static Level RunLevel(McastRelay relay, McastSession sender, List<McastSession> members, RandomDrop dropper, int percent, byte[] payload, TimeSpan duration, TimeSpan drainLimit)
        {
            long[] received = members.Select(m => m.MessagesReceived).ToArray();
            long gaps = members.Sum(m => m.Gaps);
            long nacksSent = members.Sum(m => m.Reliability!.NacksSent);
            long holesFilled = members.Sum(m => m.Reliability!.RepairsReceived);
            long givenUp = members.Sum(m => m.Reliability!.RepairsGivenUp);
            long retransmissions = sender.Reliability!.Retransmissions;
            long failed = sender.MessagesFailed;
            long nacksReceived = relay.NacksReceived;
            long repairsSent = relay.RepairsSent;
            long repairsUnavailable = relay.RepairsUnavailable;
            long relayOut = relay.DatagramsOut;
            long droppedBefore = dropper.Dropped;
            long passedBefore = dropper.Passed;

            using var draining = new CancellationTokenSource();
            Task drain = Task.Run(() => Drain(members, draining.Token));
            dropper.Percent = percent;
            var clock = Stopwatch.StartNew();
            try
            {
                SendLoop.Result sending = SendLoop.Run(sender, payload, _ => clock.Elapsed < duration, duration);
                long sent = sending.Sent;
                long[] targets = received.Select(r => r + sent).ToArray();
                TimeSpan limit = clock.Elapsed + drainLimit;
                while (clock.Elapsed < limit && !members.Select((m, i) => m.MessagesReceived >= targets[i]).All(done => done))
                {
                    Thread.Sleep(1);
                }

                TimeSpan elapsed = clock.Elapsed;
                long[] got = members.Select((m, i) => m.MessagesReceived - received[i]).ToArray();
                bool complete = got.All(g => g >= sent);
                McastReliabilityCounters senderCounters = sender.Reliability!;
                return new Level
                {
                    Percent = percent,
                    Receivers = members.Count,
                    SendingSeconds = sending.Elapsed.TotalSeconds,
                    Seconds = elapsed.TotalSeconds,
                    Sent = sent,
                    DeliveredToAll = got.Min(),
                    CutShort = !complete,
                    Lost = got.Sum(g => Math.Max(0, sent - g)),
                    Gaps = members.Sum(m => m.Gaps) - gaps,
                    NacksSent = members.Sum(m => m.Reliability!.NacksSent) - nacksSent,
                    HolesFilled = members.Sum(m => m.Reliability!.RepairsReceived) - holesFilled,
                    GivenUp = members.Sum(m => m.Reliability!.RepairsGivenUp) - givenUp,
                    NacksReceived = relay.NacksReceived - nacksReceived,
                    RepairsSent = relay.RepairsSent - repairsSent,
                    RepairsUnavailable = relay.RepairsUnavailable - repairsUnavailable,
                    RelayDatagrams = relay.DatagramsOut - relayOut,
                    SenderRetransmissions = senderCounters.Retransmissions - retransmissions,
                    SenderFailed = sender.MessagesFailed - failed,
                    SendBufferFull = sending.BufferFull,
                    Dropped = dropper.Dropped - droppedBefore,
                    Received = dropper.Passed - passedBefore + (dropper.Dropped - droppedBefore),
                };
            }
            finally
            {
                dropper.Percent = 0;
                draining.Cancel();
                drain.Wait(TimeSpan.FromSeconds(5));
            }
        }

        /// <summary>Takes what arrives out of the members' inboxes, so that a level's messages do not pile up in memory.</summary>
        private static void Drain(List<McastSession> members, CancellationToken stop)
        {
            var after = members.ToDictionary(m => m, _ => 0L);
            while (!stop.IsCancellationRequested)
            {
                McastSession.WaitForArrivals(after, TimeSpan.FromMilliseconds(20), stop);
                foreach (McastSession m in members)
                {
                    IReadOnlyList<McastMessage> taken = m.Receive(after[m]);
                    if (taken.Count > 0)
                    {
                        after[m] = taken[taken.Count - 1].Sequence;
                    }
                }
            }
        }

        /// <summary>What one level measured.</summary>
        internal sealed class Level
        {
            public int Percent { get; set; }

            public int Receivers { get; set; }

            public double SendingSeconds { get; set; }

            /// <summary>From the first send until the last receiver counted the last message (or the drain limit).</summary>
            public double Seconds { get; set; }

            public long Sent { get; set; }

            /// <summary>The fewest messages of the level any receiver got.</summary>
            public long DeliveredToAll { get; set; }

            public bool CutShort { get; set; }

            /// <summary>Messages sent and not counted by a receiver, all receivers together.</summary>
            public long Lost { get; set; }

            public long Gaps { get; set; }

            public long NacksSent { get; set; }

            public long HolesFilled { get; set; }

            public long GivenUp { get; set; }

            public long NacksReceived { get; set; }

            public long RepairsSent { get; set; }

            public long RepairsUnavailable { get; set; }

            public long RelayDatagrams { get; set; }

            public long SenderRetransmissions { get; set; }

            public long SenderFailed { get; set; }

            public long SendBufferFull { get; set; }

            /// <summary>Datagrams the receivers' decorators dropped.</summary>
            public long Dropped { get; set; }

            /// <summary>Datagrams that reached the receivers' decorators.</summary>
            public long Received { get; set; }

            public double MessagesPerSecond => Seconds > 0 ? DeliveredToAll / Seconds : 0;
        }

        /// <summary>
        /// Drops the set percentage of received datagrams, each independently at random, and counts
        /// them. Not the library's FaultInjectingChannel: its receive side queues what survives through
        /// a loop of its own, a hand-off that every datagram measured here would pay.
        /// </summary>
        private sealed class RandomDrop
        {
            private long dropped;
            private long passed;
            private volatile int percent;

            public int Percent
            {
                get => percent;
                set => percent = value;
            }

            public long Dropped => Interlocked.Read(ref dropped);

            public long Passed => Interlocked.Read(ref passed);

            public IDatagramChannel Wrap(IDatagramChannel inner) => new Channel(inner, this);

            private sealed class Channel : DelegatingChannel
            {
                private readonly RandomDrop owner;
                private readonly Random random = new Random();

                public Channel(IDatagramChannel inner, RandomDrop owner)
                    : base(inner)
                {
                    this.owner = owner;
                }

                public override async Task<Datagram> ReceiveAsync(CancellationToken cancellationToken)
                {
                    while (true)
                    {
                        Datagram datagram = await Inner.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                        int p = owner.percent;

                        // One receive loop per channel: this Random is used by one thread at a time.
                        if (p > 0 && random.Next(100) < p)
                        {
                            Interlocked.Increment(ref owner.dropped);
                            continue;
                        }

                        Interlocked.Increment(ref owner.passed);
                        return datagram;
                    }
                }
            }
        }
    }
}
