using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Protocol.Classic;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// A relay and members exchanging datagrams through an in-memory network on a fake clock that loses,
    /// duplicates and reorders them, with a seeded Random: every datagram reaches each receiver
    /// independently (lost with probability <see cref="Loss"/>, sent twice with probability
    /// <see cref="Duplication"/>, after a delay drawn up to <see cref="MaxDelay"/>, so datagrams sent
    /// close together overtake each other). Like the runner, every node is ticked at its NextDeadline
    /// and every 100 ms, and the relay is flushed when nothing more arrives at the same instant.
    /// </summary>
    internal sealed class LossyGroup : IDisposable
    {
        public static readonly IPAddress Group = IPAddress.Parse("239.255.10.21");
        public const int Port = 47002;

        private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(100);

        private readonly Random random;
        private readonly SortedDictionary<(DateTimeOffset At, long Order), (int Target, byte[] Datagram, IPEndPoint Source)> air =
            new SortedDictionary<(DateTimeOffset, long), (int, byte[], IPEndPoint)>();

        private readonly List<(DateTimeOffset At, int Sender, MessageContent Content)> workload = new List<(DateTimeOffset, int, MessageContent)>();
        private long order;
        private DateTimeOffset nextPeriod;

        public LossyGroup(int seed, int members, SecureRelayOptions? relayOptions = null, Func<SecureMemberOptions>? memberOptions = null)
        {
            random = new Random(seed);
            relayOptions ??= new SecureRelayOptions();
            relayOptions.Group = Group;
            relayOptions.Port = Port;
            Relay = new SecureRelay(new IPEndPoint(IPAddress.Loopback, 51000), EcdsaP256PrivateKey.Generate(), relayOptions);
            for (int i = 0; i < members; i++)
            {
                SecureMemberOptions options = memberOptions?.Invoke() ?? new SecureMemberOptions();
                options.Group = Group;
                options.Port = Port;
                options.DisplayName = "m" + i;
                var member = new SecureMember(new IPEndPoint(IPAddress.Loopback, 51001 + i), EcdsaP256PrivateKey.Generate(), options);

                // The Nack timers too are drawn from the seeded source, so a seed replays the same run.
                member.NackDrawForTests = random.NextDouble;
                Members.Add(new Node(member));
            }

            nextPeriod = Clock.Now + Period;
        }

        public FakeClock Clock { get; } = new FakeClock();

        public SecureRelay Relay { get; }

        public List<Node> Members { get; } = new List<Node>();

        /// <summary>The chance that one receiver does not get one datagram.</summary>
        public double Loss { get; set; }

        /// <summary>The chance that one receiver gets one datagram twice.</summary>
        public double Duplication { get; set; }

        /// <summary>The longest time a datagram takes to one receiver (the shortest is a tenth of a millisecond).</summary>
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(3);

        public long DatagramsLost { get; private set; }

        public long DatagramsDuplicated { get; private set; }

        /// <summary>Joins every member one after another (each start waits until the one before is connected).</summary>
        public void JoinAll(TimeSpan limit)
        {
            foreach (Node node in Members)
            {
                Act(node, (m, o) => m.Start(Clock.Now, o));
                RunUntil(() => node.Member.State == MemberState.Connected, limit);
                Assert.Equal(MemberState.Connected, node.Member.State);
            }
        }

        /// <summary>Has <paramref name="sender"/> send <paramref name="content"/> at <paramref name="at"/>.</summary>
        public void Schedule(DateTimeOffset at, int sender, MessageContent content) => workload.Add((at, sender, content));

        /// <summary>Runs the network until <paramref name="done"/> holds or <paramref name="limit"/> of protocol time passed.</summary>
        public void RunUntil(Func<bool> done, TimeSpan limit)
        {
            DateTimeOffset end = Clock.Now + limit;
            int sameInstant = 0;
            while (!done() && Clock.Now < end)
            {
                DateTimeOffset next = NextEvent();
                if (next > end)
                {
                    next = end;
                }

                if (next > Clock.Now)
                {
                    Clock.Advance(next - Clock.Now);
                    sameInstant = 0;
                }
                else
                {
                    Assert.True(++sameInstant < 100000, "the network made no progress at " + Clock.Now);
                }

                Step();
            }
        }

        public void Dispose()
        {
            foreach (Node node in Members)
            {
                node.Member.Dispose();
            }

            Relay.Dispose();
        }

        private DateTimeOffset NextEvent()
        {
            DateTimeOffset next = nextPeriod;
            if (air.Count > 0 && air.Keys.First().At < next)
            {
                next = air.Keys.First().At;
            }

            foreach (var work in workload)
            {
                if (work.At < next)
                {
                    next = work.At;
                }
            }

            foreach (Node node in Members)
            {
                if (node.Member.NextDeadline is DateTimeOffset deadline && deadline < next)
                {
                    next = deadline;
                }
            }

            if (Relay.NextDeadline is DateTimeOffset relayDeadline && relayDeadline < next)
            {
                next = relayDeadline;
            }

            return next;
        }

        /// <summary>Everything due now: arrivals (then the relay's flush), the work, the ticks.</summary>
        private void Step()
        {
            DateTimeOffset now = Clock.Now;
            bool relayHeard = false;
            while (air.Count > 0 && air.Keys.First().At <= now)
            {
                var key = air.Keys.First();
                var (target, datagram, source) = air[key];
                air.Remove(key);
                if (target < 0)
                {
                    var output = new ProtocolOutput<RelayEvent>();
                    Relay.Receive(datagram, source, now, output);
                    FromRelay(output);
                    relayHeard = true;
                }
                else
                {
                    Act(Members[target], (m, o) => m.Receive(datagram, source, now, o));
                }
            }

            if (relayHeard)
            {
                var flushed = new ProtocolOutput<RelayEvent>();
                Relay.Flush(now, flushed);
                FromRelay(flushed);
            }

            foreach (var work in workload.Where(w => w.At <= now).ToList())
            {
                workload.Remove(work);
                Node node = Members[work.Sender];
                Act(node, (m, o) => node.Sent.Add(m.Send(work.Content, now, o)));
            }

            bool period = now >= nextPeriod;
            if (period)
            {
                nextPeriod = now + Period;
            }

            foreach (Node node in Members)
            {
                if (period || node.Member.NextDeadline <= now)
                {
                    Act(node, (m, o) => m.Tick(now, o));
                }
            }

            if (period || Relay.NextDeadline <= now)
            {
                var ticked = new ProtocolOutput<RelayEvent>();
                Relay.Tick(now, ticked);
                FromRelay(ticked);
            }
        }

        private void Act(Node node, Action<SecureMember, ProtocolOutput<MemberEvent>> action)
        {
            var output = new ProtocolOutput<MemberEvent>();
            action(node.Member, output);
            node.Events.AddRange(output.Events);
            foreach (byte[] datagram in output.Datagrams)
            {
                // A member's datagrams are for the relay (the other members drop them unread).
                Transmit(-1, datagram, node.Member.Self);
            }
        }

        private void FromRelay(ProtocolOutput<RelayEvent> output)
        {
            foreach (byte[] datagram in output.Datagrams)
            {
                for (int i = 0; i < Members.Count; i++)
                {
                    Transmit(i, datagram, Relay.Self);
                }
            }
        }

        private void Transmit(int target, byte[] datagram, IPEndPoint source)
        {
            if (random.NextDouble() < Loss)
            {
                DatagramsLost++;
                return;
            }

            int copies = random.NextDouble() < Duplication ? 2 : 1;
            if (copies == 2)
            {
                DatagramsDuplicated++;
            }

            for (int copy = 0; copy < copies; copy++)
            {
                long delay = TimeSpan.TicksPerMillisecond / 10 + (long)(random.NextDouble() * (MaxDelay.Ticks - (TimeSpan.TicksPerMillisecond / 10)));
                air.Add((Clock.Now + TimeSpan.FromTicks(delay), order++), (target, datagram, source));
            }
        }

        internal sealed class Node
        {
            public Node(SecureMember member)
            {
                Member = member;
            }

            public SecureMember Member { get; }

            public List<MemberEvent> Events { get; } = new List<MemberEvent>();

            public List<SentMessage> Sent { get; } = new List<SentMessage>();

            public string Id => Member.Identity!.Id;

            /// <summary>The messages and gaps from one sender, in the order they were reported.</summary>
            public List<MemberEvent> From(Node sender) =>
                Events.Where(e => (e.Kind == MemberEventKind.Message || e.Kind == MemberEventKind.Gap) && e.Member?.Id == sender.Id).ToList();

            public override string ToString() => Member.Identity?.ToString() ?? Member.Self.ToString();
        }
    }
}
