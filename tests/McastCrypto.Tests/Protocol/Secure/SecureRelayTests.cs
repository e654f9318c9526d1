using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>The relay's costs, its packing of records, its limits and its sizes.</summary>
    public class SecureRelayTests : IDisposable
    {
        private readonly List<SecureNet> nets = new List<SecureNet>();

        public void Dispose()
        {
            foreach (SecureNet n in nets)
            {
                n.Dispose();
            }
        }

        [Fact]
        public void AMessageToSixteenMembersCostsTheRelayOneOpenOneSealOneSignatureAndOneDatagramPerFragmentAndOneForTheAckAfterFullOnes()
        {
            var net = Net(new SecureRelayOptions { HandshakesPerSourcePerSecond = 100 });
            var sender = net.AddMember("sender");
            for (int i = 0; i < 16; i++)
            {
                net.AddMember("m" + i);
            }

            net.JoinAll();

            foreach (string text in new[] { "short", new string('w', 3 * 1271) })
            {
                var send = new ProtocolOutput<MemberEvent>();
                sender.Member.Send(text, net.Clock.Now, send);
                int fragments = send.Datagrams.Count;
                Assert.Equal(text.Length > 1271 ? 3 : 1, fragments);
                var ops = net.Relay.Operations;
                long opens = ops.Opens, seals = ops.Seals, signatures = ops.Signatures, verifications = ops.Verifications, agreements = ops.KeyAgreements;

                var output = new ProtocolOutput<RelayEvent>();
                foreach (byte[] d in send.Datagrams)
                {
                    net.Relay.Receive(d, sender.Member.Self, net.Clock.Now, output);
                }

                net.Relay.Flush(net.Clock.Now, output);

                // A full fragment fills its datagram: the Ack that follows the last one takes one more.
                int datagrams = text.Length > 1271 ? fragments + 1 : fragments;
                Assert.Equal(fragments, ops.Opens - opens);
                Assert.Equal(datagrams, ops.Seals - seals);
                Assert.Equal(datagrams, ops.Signatures - signatures);
                Assert.Equal(0, ops.Verifications - verifications);
                Assert.Equal(0, ops.KeyAgreements - agreements);
                Assert.Equal(datagrams, output.Datagrams.Count);
                Assert.All(output.Datagrams, d => Assert.True(SecureWire.Is(d, TlvType.SecureGroupSealed)));
                var relayed = Assert.Single(output.Events);
                Assert.Equal(RelayEventKind.Relayed, relayed.Kind);
                Assert.Equal(16, relayed.Recipients);

                net.FromRelay(output);
                net.Pump();
                Assert.All(net.Members.Skip(1), n => Assert.Equal(text, n.Messages.Last().Text));
            }
        }

        [Fact]
        public void MessagesQueuedTogetherArePackedAndASingleMessageGoesOutAtOnce()
        {
            var net = Net(new SecureRelayOptions { HandshakesPerSourcePerSecond = 100 });
            for (int i = 0; i < 6; i++)
            {
                net.AddMember("m" + i);
            }

            net.JoinAll();

            // Six members speak at once: their datagrams reach the relay back to back, with no flush between.
            var datagrams = new List<(byte[], SecureNet.Node)>();
            foreach (var node in net.Members)
            {
                var o = new ProtocolOutput<MemberEvent>();
                node.Member.Send("from " + node.Member.Identity!.Name, net.Clock.Now, o);
                datagrams.Add((Assert.Single(o.Datagrams), node));
            }

            long signatures = net.Relay.Operations.Signatures;
            var output = new ProtocolOutput<RelayEvent>();
            foreach (var (d, node) in datagrams)
            {
                net.Relay.Receive(d, node.Member.Self, net.Clock.Now, output);
            }

            net.Relay.Flush(net.Clock.Now, output);
            int groupSealed = output.Datagrams.Count(d => SecureWire.Is(d, TlvType.SecureGroupSealed));
            Assert.True(groupSealed < 6, groupSealed + " datagrams for 6 messages");
            Assert.Equal(groupSealed, net.Relay.Operations.Signatures - signatures);
            net.FromRelay(output);
            net.Pump();
            foreach (var node in net.Members)
            {
                Assert.Equal(net.Members.Where(n => n != node).Select(n => "from " + n.Member.Identity!.Name), node.Messages.Select(m => m.Text));
            }

            // Alone: the runner's flush (nothing else waits) sends it at once.
            var one = new ProtocolOutput<MemberEvent>();
            net.Members[0].Member.Send("alone", net.Clock.Now, one);
            var alone = new ProtocolOutput<RelayEvent>();
            net.Relay.Receive(one.Datagrams[0], net.Members[0].Member.Self, net.Clock.Now, alone);
            Assert.Empty(alone.Datagrams);
            net.Relay.Flush(net.Clock.Now, alone);
            Assert.True(SecureWire.Is(Assert.Single(alone.Datagrams), TlvType.SecureGroupSealed));
        }

        [Fact]
        public void WithoutAFlushARecordWaitsAtMostOneStepOrOneTick()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();

            // One more step: the record queued by the step before goes out at its end, with this step's.
            var first = Send(a, "one");
            var second = Send(b, "two");
            var output = new ProtocolOutput<RelayEvent>();
            net.Relay.Receive(first, a.Member.Self, net.Clock.Now, output);
            Assert.Empty(output.Datagrams);
            net.Relay.Receive(second, b.Member.Self, net.Clock.Now, output);
            Assert.Single(output.Datagrams);

            // A datagram that queues nothing (another member's Hello, say) ends the wait just the same.
            var third = new ProtocolOutput<RelayEvent>();
            net.Relay.Receive(Send(a, "three"), a.Member.Self, net.Clock.Now, third);
            Assert.Empty(third.Datagrams);
            net.Relay.Receive(new byte[] { 0, 0, 0, 0 }, a.Member.Self, net.Clock.Now, third);
            Assert.Single(third.Datagrams);

            // Or a tick.
            var fourth = new ProtocolOutput<RelayEvent>();
            net.Relay.Receive(Send(a, "four"), a.Member.Self, net.Clock.Now, fourth);
            Assert.Empty(fourth.Datagrams);
            net.Relay.Tick(net.Clock.Now, fourth);
            Assert.Single(fourth.Datagrams);

            byte[] Send(SecureNet.Node node, string text)
            {
                var o = new ProtocolOutput<MemberEvent>();
                node.Member.Send(text, net.Clock.Now, o);
                return o.Datagrams[0];
            }
        }

        [Fact]
        public void SixtyFourMembersWithLongNamesFitEveryDatagramInTheLimitRekeysAndRostersSplit()
        {
            var net = Net(new SecureRelayOptions { HandshakesPerSourcePerSecond = 100, HandshakesPerSecond = 100 });
            for (int i = 0; i < 64; i++)
            {
                // 64 bytes of UTF-8: 20 three-byte characters and 4 ASCII digits.
                string name = new string('€', 20) + i.ToString("0000");
                Assert.Equal(64, Encoding.UTF8.GetByteCount(name));
                net.AddMember(name);
            }

            net.JoinAll();
            net.Say(net.Members[0], new string('x', 5000));

            // The harness checks every datagram against 1,400 bytes as it goes on the air; here, per type.
            var byType = net.Log.GroupBy(l => SecureWire.TypeOf(l.Datagram)).ToDictionary(g => g.Key, g => g.Select(l => l.Datagram).ToList());
            foreach (TlvType type in new[] { TlvType.SecureHello, TlvType.SecureWelcome, TlvType.SecureMemberSealed, TlvType.SecureGroupSealed, TlvType.SecureRekey })
            {
                Assert.True(byType.ContainsKey(type), type + " was sent");
                Assert.All(byType[type], d => Assert.True(d.Length <= SecureDefaults.MaxDatagramBytes, type + " of " + d.Length + " bytes"));
            }

            Assert.Equal(4 + 148 + 64 + 64, byType[TlvType.SecureHello].Max(d => d.Length));
            Assert.Equal(1400, byType[TlvType.SecureGroupSealed].Max(d => d.Length));

            // The last join's Rekey: 64 entries in datagrams of 21, 21, 21 and 1.
            int rekeysForLastEpoch = byType[TlvType.SecureRekey].Count(d => SecureWire.EpochOf(d) == net.Relay.Epoch);
            Assert.Equal(4, rekeysForLastEpoch);
            Assert.Equal(64, net.Members[0].Member.KnownMembers.Count);
            Assert.All(net.Members, n => Assert.Equal(net.Relay.Epoch, n.Member.Epoch));
            Assert.All(net.Members.Skip(1), n => Assert.Single(n.Messages));
            var roster = net.Members[63].Events.Where(e => e.Kind == MemberEventKind.Present).ToList();
            Assert.Equal(64, roster.Count);
            Assert.Contains(roster, e => e.Member!.Name == new string('€', 20) + "0042");
        }

        [Fact]
        public void PendingHandshakesAreBoundedAndExpire()
        {
            var net = Net(new SecureRelayOptions { MaxPendingHandshakes = 3, HandshakesPerSourcePerSecond = 100 });
            var random = new Random(1);
            using var key = EcdsaP256PrivateKey.Generate();
            byte[] ephemeral;
            using (var e = EcdhP256.Generate())
            {
                ephemeral = e.PublicKey;
            }

            int welcomes = 0;
            for (int i = 0; i < 5; i++)
            {
                welcomes += net.DeliverToRelay(SecureWire.Hello(key, ephemeral, random, sign: true), SecureWire.Somewhere(i)).Datagrams.Count;
            }

            Assert.Equal(3, welcomes);
            Assert.Equal(2, net.Relay.Drops["TooManyPending"]);
            Assert.Equal(3, net.Relay.PendingHandshakes);

            net.Clock.Advance(SecureDefaults.PendingHandshakeTimeout);
            net.TickAll();
            Assert.Equal(0, net.Relay.PendingHandshakes);
            Assert.Equal(3, net.Relay.Drops["HandshakeTimeout"]);
            Assert.Empty(net.Relay.Members);

            // Their nonces are remembered a while, then forgotten: memory does not grow with old handshakes.
            Assert.Equal(3, net.Relay.HellosRemembered);
            net.Clock.Advance(SecureDefaults.HelloMemory);
            net.TickAll();
            Assert.Equal(0, net.Relay.HellosRemembered);
        }

        [Fact]
        public void TheMemberLimitCountsHandshakesThatWaitForTheirJoin()
        {
            var net = Net(new SecureRelayOptions { MaxClients = 2, HandshakesPerSourcePerSecond = 100 });
            var a = net.AddMember("a");
            net.JoinAll();
            var random = new Random(3);
            using var key = EcdsaP256PrivateKey.Generate();
            byte[] ephemeral;
            using (var e = EcdhP256.Generate())
            {
                ephemeral = e.PublicKey;
            }

            Assert.Single(net.DeliverToRelay(SecureWire.Hello(key, ephemeral, random, sign: true), SecureWire.Somewhere(1)).Datagrams);
            Assert.Empty(net.DeliverToRelay(SecureWire.Hello(key, ephemeral, random, sign: true), SecureWire.Somewhere(2)).Datagrams);
            Assert.Equal(1, net.Relay.Drops["TooManyClients"]);
            Assert.Equal(2, net.Relay.Members.Count);
        }

        [Fact]
        public void AMemberThatMissedARekeyAsksForTheKeyAndGetsIt()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();

            // b does not hear the Rekeys of the next join.
            var bHeld = new List<byte[]>();
            net.Deliver = (d, s) =>
            {
                if (SecureWire.Is(d, TlvType.SecureRekey))
                {
                    bHeld.Add(d);
                    return false;
                }

                return true;
            };
            net.AddMember("c");
            net.Do(net.Members[2], (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            net.Deliver = null;
            foreach (byte[] d in bHeld)
            {
                net.DeliverTo(a, d, net.Relay.Self);
                net.DeliverTo(net.Members[2], d, net.Relay.Self);
            }

            long epochBefore = b.Member.Epoch!.Value;
            Assert.True(epochBefore < net.Relay.Epoch);

            // The relay's heartbeats after the join are of the new epoch: b cannot open them, asks for the key and gets it.
            net.Run(2);
            Assert.Equal(net.Relay.Epoch, a.Member.Epoch);
            Assert.True(b.Member.Drops["UnknownEpoch"] >= 1);
            Assert.Equal(net.Relay.Epoch, b.Member.Epoch);
            net.Say(a, "now?");
            Assert.Equal("now?", b.Messages.Last().Text);
        }

        [Fact]
        public void KeyRequestsForAnyEpochAreAnsweredForTheCurrentEpochOnceASecondAndMalformedPlaintextsAreDropped()
        {
            var net = Net();
            var a = net.AddMember("a");
            net.JoinAll();
            uint epoch = (uint)net.Relay.Epoch!.Value;
            net.Clock.Advance(2);

            var first = net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.KeyRequest, Be(epoch)), a.Member.Self);
            Assert.True(SecureWire.Is(Assert.Single(first.Datagrams), TlvType.SecureRekey));
            Assert.Empty(net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.KeyRequest, Be(epoch)), a.Member.Self).Datagrams);
            Assert.Equal(1, net.Relay.Drops["AnswerRateLimited"]);
            Assert.Empty(net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.KeyRequest, Be(epoch + 1)), a.Member.Self).Datagrams);
            Assert.Equal(2, net.Relay.Drops["AnswerRateLimited"]);

            // Whatever epoch a request names (a forged GroupSealed may have made the member ask for any),
            // the answer carries the current one, so any answer repairs a missed Rekey.
            net.Clock.Advance(1);
            var far = net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.KeyRequest, Be(uint.MaxValue)), a.Member.Self);
            byte[] farAnswer = Assert.Single(far.Datagrams);
            Assert.True(SecureWire.Is(farAnswer, TlvType.SecureRekey));
            Assert.Equal(epoch, SecureWire.EpochOf(farAnswer));
            Assert.Equal(0, net.Relay.Drops["UnknownEpoch"]);

            // The one answer installs nothing new at a (it has the epoch) but proves the relay alive.
            net.DeliverTo(a, first.Datagrams[0], net.Relay.Self);
            Assert.Equal(epoch, a.Member.Epoch);
            Assert.Equal(net.Clock.Now, a.Member.LastRelayTraffic);

            net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.KeyRequest, new byte[3]), a.Member.Self);
            net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.KeepAlive, new byte[1]), a.Member.Self);
            net.DeliverToRelay(a.Member.SealToRelayForTests((SecureMemberKind)9, Array.Empty<byte>()), a.Member.Self);
            net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.Data, SecureCodec.MemberDataBody(0, 1, 0, 1, 1, new byte[1300], 0, 1300)), a.Member.Self);
            Assert.Equal(2, net.Relay.Drops["MalformedRecord"]);
            Assert.Equal(1, net.Relay.Drops["UnknownKind"]);
            Assert.Equal(1, net.Relay.Drops["FragmentTooLarge"]);
            Assert.Single(net.Relay.Members);

            static byte[] Be(uint value) => new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };
        }

        [Fact]
        public void APendingMemberMayOnlyJoin()
        {
            var net = Net();
            var a = net.AddMember("a");
            net.Deliver = (d, s) => !SecureWire.Is(d, TlvType.SecureMemberSealed);
            net.Do(a, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            net.Deliver = null;
            Assert.Equal(MemberState.Joining, a.Member.State);

            net.DeliverToRelay(a.Member.SealToRelayForTests(SecureMemberKind.Data, SecureCodec.MemberDataBody(0, 1, 0, 1, 1, new byte[] { 65 }, 0, 1)), a.Member.Self);
            Assert.Equal(1, net.Relay.Drops["NotJoined"]);
            Assert.Equal(0, net.Relay.MessagesRelayed);
            net.Run(1.5);
            Assert.Equal(MemberState.Connected, a.Member.State);
        }

        [Fact]
        public void ADataFragmentTooLargeOrAnnouncingTooLargeAMessageIsDropped()
        {
            var net = Net(new SecureRelayOptions { MaxMessageBytes = 5000 });
            var a = net.AddMember("a", new SecureMemberOptions { MaxMessageBytes = 65536 });
            var b = net.AddMember("b");
            net.JoinAll();

            var o = new ProtocolOutput<MemberEvent>();
            a.Member.Send(new string('y', 6000), net.Clock.Now, o);
            foreach (byte[] d in o.Datagrams)
            {
                net.Inject(d, a.Member.Self);
            }

            net.Pump();
            Assert.True(net.Relay.Drops["MessageTooLarge"] >= 1);
            Assert.Empty(b.Messages);
        }

        private SecureNet Net(SecureRelayOptions? options = null)
        {
            var net = new SecureNet(options);
            nets.Add(net);
            return net;
        }
    }
}
