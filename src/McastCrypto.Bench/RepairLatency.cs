using System;
using System.Collections.Concurrent;
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
    /// The time from one lost datagram to its repair, on loopback: a Secure relay and two members,
    /// one sending a message of about 300 bytes every few milliseconds; the receiver's channel drops
    /// one group datagram in 20 of those long enough to carry such a message (400 bytes and more:
    /// heartbeats and acknowledgements are shorter) and notes when the same sequence number arrives
    /// again.
    /// "Within a stream" losses are noticed from the next datagram; "tail" losses (the last datagram
    /// before a pause) only from the relay's tail heartbeat.
    /// </summary>
    internal static class RepairLatency
    {
        public static (List<double> Stream, List<double> Tail) Run(int losses)
        {
            var rnd = new Random();
            var network = new MulticastOptions
            {
                Group = IPAddress.Parse("239.255." + rnd.Next(0, 256) + "." + rnd.Next(1, 255)),
                Port = rnd.Next(20000, 60000),
                Interface = "Loopback",
            };
            using McastRelay relay = McastRelay.Start(new McastRelayOptions { Name = "bench-relay", Network = network });
            var dropper = new DroppingChannelFactory();
            // Pinned: nothing is written to the user's known relays.
            using McastSession sender = McastSession.Open(new McastSessionOptions { Name = "sender", Network = network, RelayFingerprint = relay.KeyFingerprint, TrustOnFirstUse = false }, CancellationToken.None);
            using McastSession receiver = McastSession.Open(
                new McastSessionOptions { Name = "receiver", Network = network, RelayFingerprint = relay.KeyFingerprint, TrustOnFirstUse = false, ChannelDecorator = dropper.Wrap },
                CancellationToken.None);
            Thread.Sleep(300);

            // Within a stream: a message every 2 ms, every 20th data datagram dropped once.
            dropper.Start(every: 20, minLength: 400);
            var stopwatch = Stopwatch.StartNew();
            while (dropper.Repaired.Count < losses && stopwatch.Elapsed < TimeSpan.FromSeconds(60))
            {
                sender.Send(MessageContent.FromText("stream " + stopwatch.ElapsedTicks + new string('.', 300)), wait: false, CancellationToken.None, null);
                Thread.Sleep(2);
            }

            List<double> stream = dropper.Repaired.ToList();

            // At the tail: one message, then quiet; its data datagram dropped once.
            dropper.Start(every: 1, minLength: 400);
            var tail = new List<double>();
            for (int i = 0; i < losses / 4 && stopwatch.Elapsed < TimeSpan.FromSeconds(120); i++)
            {
                int before = dropper.Repaired.Count;
                sender.Send(MessageContent.FromText("tail " + i + new string('.', 300)), wait: false, CancellationToken.None, null);
                SpinWait.SpinUntil(() => dropper.Repaired.Count > before, TimeSpan.FromSeconds(2));
                if (dropper.Repaired.Count > before)
                {
                    tail.Add(dropper.Repaired.Last());
                }

                Thread.Sleep(100);
            }

            dropper.Stop();
            return (stream, tail);
        }

        /// <summary>Wraps the receiver's channel: drops chosen GroupSealed datagrams once and times their second arrival.</summary>
        private sealed class DroppingChannelFactory
        {
            private readonly ConcurrentDictionary<ulong, long> dropped = new ConcurrentDictionary<ulong, long>();
            private readonly ConcurrentQueue<double> repaired = new ConcurrentQueue<double>();
            private volatile int every;
            private volatile int minLength;
            private int seen;

            public IReadOnlyCollection<double> Repaired => repaired;

            public void Start(int every, int minLength)
            {
                while (repaired.TryDequeue(out _))
                {
                }

                this.minLength = minLength;
                this.every = every;
            }

            public void Stop() => every = 0;

            public IDatagramChannel Wrap(IDatagramChannel inner) => new Channel(inner, this);

            /// <summary>True to drop: a GroupSealed (type 0x5304) long enough to carry data, every Nth, never the same R twice.</summary>
            private bool Decide(byte[] payload)
            {
                if (payload.Length < 17 || payload[0] != 0x53 || payload[1] != 0x04)
                {
                    return false;
                }

                ulong r = 0;
                for (int i = 9; i < 17; i++)
                {
                    r = (r << 8) | payload[i];
                }

                if (dropped.TryGetValue(r, out long at))
                {
                    if (at >= 0 && dropped.TryUpdate(r, -1, at))
                    {
                        repaired.Enqueue((Stopwatch.GetTimestamp() - at) * 1000.0 / Stopwatch.Frequency);
                    }

                    return false;
                }

                int n = every;
                if (n == 0 || payload.Length < minLength || Interlocked.Increment(ref seen) % n != 0)
                {
                    return false;
                }

                dropped[r] = Stopwatch.GetTimestamp();
                return true;
            }

            private sealed class Channel : DelegatingChannel
            {
                private readonly DroppingChannelFactory owner;

                public Channel(IDatagramChannel inner, DroppingChannelFactory owner)
                    : base(inner)
                {
                    this.owner = owner;
                }

                public override async Task<Datagram> ReceiveAsync(CancellationToken cancellationToken)
                {
                    while (true)
                    {
                        Datagram datagram = await Inner.ReceiveAsync(cancellationToken).ConfigureAwait(false);
                        if (!owner.Decide(datagram.Payload))
                        {
                            return datagram;
                        }
                    }
                }
            }
        }
    }
}
