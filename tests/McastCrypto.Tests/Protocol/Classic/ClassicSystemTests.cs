using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using Xunit;

namespace McastCrypto.Tests.Protocol.Classic
{
    /// <summary>Members and relay together, through an in-memory group where everyone hears everything.</summary>
    public class ClassicSystemTests
    {
        private readonly FakeClock clock = new FakeClock();
        private ClassicRelay relay;
        private readonly List<(ClassicMember Member, List<MemberEvent> Events)> members = new List<(ClassicMember, List<MemberEvent>)>();
        private readonly HashSet<int> dead = new HashSet<int>();
        private readonly Queue<(byte[] Datagram, IPEndPoint Source)> air = new Queue<(byte[], IPEndPoint)>();

        public ClassicSystemTests()
        {
            relay = new ClassicRelay(new IPEndPoint(IPAddress.Loopback, 50000), TestKeys.Get(4), new ClassicRelayOptions());
            UseMembers(new ClassicMemberOptions());
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void ARelayRestartedWithANewKeyIsJoinedOnlyWhenAllowedAndOnlyAfterTheOldOneIsLost(bool allow)
        {
            UseMembers(new ClassicMemberOptions { AllowRelayKeyChange = allow });
            JoinAll();
            string oldKey = relay.KeyFingerprint;

            // The relay stops (its leave notices reach everyone) and another starts with a new key.
            var stopping = new ProtocolOutput<RelayEvent>();
            relay.Stop(clock.Now, stopping);
            foreach (byte[] d in stopping.Datagrams)
            {
                air.Enqueue((d, relay.Self));
            }

            Pump();
            relay = new ClassicRelay(new IPEndPoint(IPAddress.Loopback, 50010), TestKeys.Get(3), new ClassicRelayOptions());

            // The new relay answers every key request; until three keep-alive intervals of silence from
            // the old one have passed, no member takes its key.
            for (int t = 1; t <= 80; t++)
            {
                clock.Advance(0.5);
                TickAll();
                if (t < 28)
                {
                    Assert.All(members, m => Assert.Equal(oldKey, m.Member.RelayFingerprint));
                }
            }

            if (allow)
            {
                Assert.All(members, m => Assert.Equal(MemberState.Connected, m.Member.State));
                Assert.All(members, m => Assert.Equal(relay.KeyFingerprint, m.Member.RelayFingerprint));
                Assert.Equal(3, relay.Members.Count(m => m.Connected));
            }
            else
            {
                Assert.All(members, m => Assert.Equal(MemberState.Failed, m.Member.State));
                Assert.All(members, m => Assert.Equal(MemberFailureReason.RelayKeyChanged, m.Member.Failure!.Reason));
                Assert.All(members, m => Assert.Equal(oldKey, m.Member.Failure!.ExpectedRelayFingerprint));
                Assert.All(members, m => Assert.Equal(relay.KeyFingerprint, m.Member.Failure!.OfferedRelayFingerprint));
                Assert.DoesNotContain(relay.Members, m => m.Connected);
            }
        }

        [Fact]
        public void EveryoneJoinsAndEveryMessageReachesEveryOtherMemberWhole()
        {
            JoinAll();
            string text = string.Concat(Enumerable.Repeat("Perché no? €𝄞 ", 260));
            Assert.True(System.Text.Encoding.UTF8.GetByteCount(text) > 5000);

            Step(m => m.Send(text, clock.Now, Collect(0)), 0);
            Pump();

            foreach (int i in new[] { 1, 2 })
            {
                var blocks = members[i].Events.Where(e => e.Kind == MemberEventKind.Message).ToList();
                Assert.True(blocks.Count > 1);
                Assert.All(blocks, b => Assert.Equal(members[0].Member.Self, b.Member!.EndPoint));
                Assert.Equal(text, string.Concat(blocks.Select(b => b.Text)));
            }

            Assert.DoesNotContain(members[0].Events, e => e.Kind == MemberEventKind.Message);
        }

        [Fact]
        public void ALeaveAndATimeOutReachTheOthers()
        {
            JoinAll();

            Step(m => m.Leave(clock.Now, Collect(1)), 1);
            Pump();
            Assert.Contains(members[0].Events, e => e.Kind == MemberEventKind.Left && e.Member!.EndPoint!.Equals(members[1].Member.Self));

            // Member 2's process dies: it neither ticks nor hears any more.
            dead.Add(2);
            for (int t = 0; t < 40; t++)
            {
                clock.Advance(0.5);
                var output = new ProtocolOutput<MemberEvent>();
                members[0].Member.Tick(clock.Now, output);
                Send(output, 0);
                var relayOutput = new ProtocolOutput<RelayEvent>();
                relay.Tick(clock.Now, relayOutput);
                foreach (byte[] d in relayOutput.Datagrams)
                {
                    air.Enqueue((d, relay.Self));
                }

                Pump();
            }

            Assert.Contains(members[0].Events, e => e.Kind == MemberEventKind.Left && e.Member!.EndPoint!.Equals(members[2].Member.Self));
            Assert.Equal(MemberState.Connected, members[0].Member.State);
            Assert.Equal(new[] { members[0].Member.Self }, relay.Members.Select(m => m.EndPoint));
        }

        private void UseMembers(ClassicMemberOptions options)
        {
            foreach (var m in members)
            {
                m.Member.Dispose();
            }

            members.Clear();
            for (int i = 0; i < 3; i++)
            {
                members.Add((new ClassicMember(new IPEndPoint(IPAddress.Loopback, 50001 + i), TestKeys.Get(i), options), new List<MemberEvent>()));
            }
        }

        private void TickAll()
        {
            for (int i = 0; i < members.Count; i++)
            {
                if (!dead.Contains(i))
                {
                    var output = new ProtocolOutput<MemberEvent>();
                    members[i].Member.Tick(clock.Now, output);
                    Send(output, i);
                }
            }

            var relayOutput = new ProtocolOutput<RelayEvent>();
            relay.Tick(clock.Now, relayOutput);
            foreach (byte[] d in relayOutput.Datagrams)
            {
                air.Enqueue((d, relay.Self));
            }

            Pump();
        }

        private void JoinAll()
        {
            for (int i = 0; i < members.Count; i++)
            {
                int index = i;
                Step(m => m.Start(clock.Now, Collect(index)), index);
            }

            Pump();
            Assert.All(members, m => Assert.Equal(MemberState.Connected, m.Member.State));
            Assert.Equal(3, relay.Members.Count(m => m.Connected));
            foreach (var m in members)
            {
                Assert.Equal(3, m.Events.Count(e => e.Kind == MemberEventKind.Joined));
                m.Events.Clear();
            }
        }

        private ProtocolOutput<MemberEvent> pending = new ProtocolOutput<MemberEvent>();

        private ProtocolOutput<MemberEvent> Collect(int index)
        {
            pending = new ProtocolOutput<MemberEvent>();
            return pending;
        }

        private void Step(Action<ClassicMember> action, int index)
        {
            action(members[index].Member);
            Send(pending, index);
        }

        private void Send(ProtocolOutput<MemberEvent> output, int index)
        {
            members[index].Events.AddRange(output.Events);
            foreach (byte[] d in output.Datagrams)
            {
                air.Enqueue((d, members[index].Member.Self));
            }
        }

        private void Pump()
        {
            for (int guard = 0; air.Count > 0; guard++)
            {
                Assert.True(guard < 100000, "the group never went quiet");
                var (datagram, source) = air.Dequeue();
                var relayOutput = new ProtocolOutput<RelayEvent>();
                relay.Receive(datagram, source, clock.Now, relayOutput);
                foreach (byte[] d in relayOutput.Datagrams)
                {
                    air.Enqueue((d, relay.Self));
                }

                for (int i = 0; i < members.Count; i++)
                {
                    if (members[i].Member.State == MemberState.Closed || dead.Contains(i))
                    {
                        continue;
                    }

                    var output = new ProtocolOutput<MemberEvent>();
                    members[i].Member.Receive(datagram, source, clock.Now, output);
                    Send(output, i);
                }
            }
        }
    }
}
