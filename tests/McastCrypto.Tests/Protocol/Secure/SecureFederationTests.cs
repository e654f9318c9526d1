using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;
using K = McastCrypto.Protocol.Federation.FederationRemoteEventKind;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// A Secure relay in a federation (docs/protocol.md, "Federated relays"), with a fake federation
    /// port: what it tells the port about its members, and how it shows other sites' members (aliases)
    /// to real members connected in memory.
    /// </summary>
    public class SecureFederationTests : IDisposable
    {
        private readonly List<SecureNet> nets = new List<SecureNet>();
        private readonly List<EcdsaP256PrivateKey> keys = new List<EcdsaP256PrivateKey>();

        public void Dispose()
        {
            foreach (SecureNet n in nets)
            {
                n.Dispose();
            }

            foreach (EcdsaP256PrivateKey key in keys)
            {
                key.Dispose();
            }
        }

        [Fact]
        public void TheSinkHearsEachMemberJoinSendBeRefusedAndGoInTheOrderTheRelayDecided()
        {
            var port = new FakeFederationPort();
            var net = Net(port, new SecureRelayOptions { MaxMessageBytes = 3000, HandshakesPerSourcePerSecond = 100 });
            var a = net.AddMember("alice");
            var b = net.AddMember("bob");
            net.JoinAll();
            uint aId = IdOf(a), bId = IdOf(b);

            var joined = port.Calls.Where(c => c.Kind == "Joined").ToList();
            Assert.Equal(new[] { aId, bId }.OrderBy(x => x), joined.Select(c => c.MemberId).OrderBy(x => x));
            var aJoined = joined.Single(c => c.MemberId == aId);
            Assert.Equal(0UL, aJoined.NextQ);
            Assert.Equal("alice", aJoined.Name);
            Assert.Equal(a.Fingerprint, SecureCodec.FingerprintOf(aJoined.IdentityKey!));

            port.Calls.Clear();
            SentMessage first = net.Say(a, new string('x', 3000));
            SentMessage refused = net.Say(a, new string('y', 5000));
            SentMessage last = net.Say(a, "after");
            Assert.Equal(3, first.Fragments);
            Assert.Equal(4, refused.Fragments);

            var calls = port.Calls.Where(c => c.Kind is "Data" or "Refused" or "Progress").ToList();
            Assert.All(calls, c => Assert.Equal(aId, c.MemberId));
            var data = calls.Where(c => c.Kind == "Data").ToList();
            Assert.Equal(new ulong[] { 0, 1, 2, 7 }, data.Select(c => c.NextQ));
            Assert.All(data, c => Assert.Equal(aId, c.Fragment!.SenderId));
            Assert.Equal(
                new[] { first.MessageId, first.MessageId, first.MessageId, last.MessageId },
                data.Select(c => SenderStreamEvent.FormatMessageId(c.MessageId)));
            Assert.Equal(new string('x', 3000), Encoding.UTF8.GetString(data.Take(3).SelectMany(c => c.Fragment!.Payload).ToArray()));

            var refusal = Assert.Single(calls, c => c.Kind == "Refused");
            Assert.Equal(refused.MessageId, SenderStreamEvent.FormatMessageId(refusal.MessageId));
            Assert.Equal(SecureRefusedReason.TooLarge, refusal.RefusedReason);
            int refusedAt = calls.IndexOf(refusal);
            Assert.True(calls.IndexOf(data[2]) < refusedAt && refusedAt < calls.IndexOf(data[3]), string.Join(", ", calls));

            // Each Progress says where the member's stream is, never going back, and comes after the Data it covers.
            ulong seen = 0;
            ulong forwardedBelow = 0;
            foreach (var call in calls)
            {
                if (call.Kind == "Data")
                {
                    forwardedBelow = call.NextQ + 1;
                }
                else if (call.Kind == "Progress")
                {
                    Assert.True(call.NextQ >= seen, "Progress went back to " + call.NextQ);
                    Assert.True(call.NextQ >= forwardedBelow, "Progress " + call.NextQ + " before the Data below it");
                    seen = call.NextQ;
                }
            }

            Assert.Equal(8UL, seen);
            Assert.True(calls.FindIndex(c => c.Kind == "Progress" && c.NextQ == 7) > refusedAt);

            port.Calls.Clear();
            net.Do(b, (m, o) => m.Leave(net.Clock.Now, o));
            net.Pump();
            var left = Assert.Single(port.Calls, c => c.Kind == "Left");
            Assert.Equal(bId, left.MemberId);
            Assert.Equal(SecureLeftReason.Left, left.LeftReason);

            port.Calls.Clear();
            a.Dead = true;
            net.Run(SecureDefaults.ClientTimeout.TotalSeconds + 1, 0.5);
            left = Assert.Single(port.Calls, c => c.Kind == "Left");
            Assert.Equal(aId, left.MemberId);
            Assert.Equal(SecureLeftReason.TimedOut, left.LeftReason);
            Assert.Empty(net.Relay.Members);
        }

        [Fact]
        public void TheRelayDrivesThePortFromItsOwnStepsAndWaitsForItsDeadline()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var output = new ProtocolOutput<RelayEvent>();

            // No member: the relay's own deadline is none, the port's is the relay's.
            DateTimeOffset due = net.Clock.Now.AddSeconds(1);
            port.NextDeadline = due;
            Assert.Equal(due, net.Relay.NextDeadline);
            port.NextDeadline = null;
            Assert.Null(net.Relay.NextDeadline);

            net.Relay.Tick(net.Clock.Now, output);
            Assert.Equal(new[] { "Tick", "Flush" }, port.Calls.Select(c => c.Kind));
            port.Calls.Clear();
            net.Relay.Flush(net.Clock.Now, output);
            Assert.Equal(new[] { "Flush" }, port.Calls.Select(c => c.Kind));
            port.Calls.Clear();

            byte[] payload = { 1, 2, 3 };
            port.OnReceive = (subject, bytes) => port.Queue(Joined(7, "bob"));
            net.Relay.ReceiveFederation("test.relay.b", payload, net.Clock.Now, output);
            var receive = Assert.Single(port.Calls);
            Assert.Equal("test.relay.b", receive.Subject);
            Assert.Same(payload, receive.Payload);

            // What the port reported in that same step is applied at once.
            Assert.Equal(1, net.Relay.RemoteMembers);
            var joined = Assert.Single(output.Events);
            Assert.Equal(RelayEventKind.Joined, joined.Kind);
            Assert.Equal("paris", joined.Member.Site);

            // With a member, the earlier of the two deadlines.
            port.OnReceive = null;
            var a = net.AddMember("a");
            net.JoinAll();
            DateTimeOffset? own = net.Relay.NextDeadline;
            Assert.NotNull(own);
            port.NextDeadline = own!.Value.AddMilliseconds(-1);
            Assert.Equal(port.NextDeadline, net.Relay.NextDeadline);
            port.NextDeadline = own.Value.AddSeconds(5);
            Assert.Equal(own, net.Relay.NextDeadline);

            // Stopped: no deadline, and the port is not driven any more.
            net.Relay.Stop(net.Clock.Now, output);
            port.Calls.Clear();
            Assert.Null(net.Relay.NextDeadline);
            net.Relay.Tick(net.Clock.Now, output);
            net.Relay.Flush(net.Clock.Now, output);
            Assert.Empty(port.Calls);
        }

        [Fact]
        public void WhatAStepToldThePortIsFlushedWithinOneFurtherStepAsTheRelaysOwnBatchIs()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            net.JoinAll();
            var first = new ProtocolOutput<MemberEvent>();
            a.Member.Send("one", net.Clock.Now, first);
            var second = new ProtocolOutput<MemberEvent>();
            a.Member.Send("two", net.Clock.Now, second);
            port.Calls.Clear();

            net.DeliverToRelay(first.Datagrams.Single(), a.Member.Self);
            Assert.Equal(new[] { "Data", "Progress" }, port.Calls.Select(c => c.Kind));
            net.DeliverToRelay(second.Datagrams.Single(), a.Member.Self);
            Assert.Equal(new[] { "Data", "Progress", "Data", "Progress", "Flush" }, port.Calls.Select(c => c.Kind));

            // A step that told the port nothing new after a flush does not flush it again.
            port.Calls.Clear();
            net.DeliverToRelay(second.Datagrams.Single(), a.Member.Self);
            Assert.DoesNotContain(port.Calls, c => c.Kind == "Flush");
        }

        [Fact]
        public void AFederationIsAttachedBeforeFirstUseOnlyAndWithAValidSite()
        {
            var net = Net();
            Assert.Throws<ArgumentException>(() => net.Relay.AttachFederation(new FakeFederationPort("bad\nsite")));
            Assert.Throws<ArgumentException>(() => net.Relay.AttachFederation(new FakeFederationPort(new string('s', 65))));
            Assert.Null(net.Relay.Federation);
            Assert.Throws<InvalidOperationException>(() => net.Relay.ReceiveFederation("s", new byte[1], net.Clock.Now, new ProtocolOutput<RelayEvent>()));

            net.Relay.Tick(net.Clock.Now, new ProtocolOutput<RelayEvent>());
            Assert.Throws<InvalidOperationException>(() => net.Relay.AttachFederation(new FakeFederationPort()));

            var other = Net();
            other.Relay.AttachFederation(new FakeFederationPort("lyon"));
            Assert.Equal("lyon", other.Relay.Site);
            Assert.Throws<InvalidOperationException>(() => other.Relay.AttachFederation(new FakeFederationPort()));
        }

        [Fact]
        public void AnAliasIsAnnouncedWithItsSiteAndStartsNoEpochAndMembersSeeEveryPeersSite()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            net.JoinAll();
            long epoch = net.Relay.Epoch!.Value;
            int rekeys = SecureWire.Of(net.Log, TlvType.SecureRekey).Count;
            Assert.Equal("lyon", a.Member.Identity!.Site);

            byte[] bobKey = NewPoint();
            Feed(net, port, Joined(7, "bob", bobKey, nextQ: 100));

            Assert.Equal(epoch, net.Relay.Epoch);
            Assert.Equal(rekeys, SecureWire.Of(net.Log, TlvType.SecureRekey).Count);
            var presence = Assert.Single(a.Events, e => e.Kind == MemberEventKind.Joined && e.Member!.Name == "bob");
            Assert.Equal("paris", presence.Member!.Site);
            Assert.Equal(SecureCodec.FingerprintOf(bobKey), presence.Member.KeyFingerprint);
            Assert.Null(presence.Member.EndPoint);

            var relayJoined = Assert.Single(net.RelayEvents, e => e.Kind == RelayEventKind.Joined && e.Member.Name == "bob");
            Assert.Equal("paris", relayJoined.Member.Site);
            Assert.Equal(presence.Member.Id, relayJoined.Member.Id);
            var members = net.Relay.Members;
            Assert.Equal("paris", Assert.Single(members, m => m.Name == "bob").Site);
            Assert.Equal("lyon", Assert.Single(members, m => m.Name == "alice").Site);
            Assert.True(Assert.Single(members, m => m.Name == "bob").Connected);
            Assert.True(Assert.Single(members, m => m.Name == "bob").IsRemote);
            Assert.False(Assert.Single(members, m => m.Name == "alice").IsRemote);

            // A later member learns everyone, with their sites, from the roster; the alias's Joined again is nothing new.
            Feed(net, port, Joined(7, "bob", bobKey, nextQ: 100));
            Assert.Equal(1, net.Relay.RemoteMembers);
            var c = net.AddMember("carol");
            net.JoinAll();
            Assert.Equal("lyon", c.Member.Identity!.Site);
            var known = c.Member.KnownMembers.ToDictionary(m => m.Name!);
            Assert.Equal("paris", known["bob"].Site);
            Assert.Equal("lyon", known["alice"].Site);
            Assert.Equal("lyon", a.Member.KnownMembers.Single(m => m.Name == "carol").Site);
            Assert.Single(a.Events, e => e.Kind == MemberEventKind.Joined && e.Member!.Name == "bob");

            // The alias goes: a Left record, still no epoch.
            long epochNow = net.Relay.Epoch!.Value;
            Feed(net, port, Left(7, SecureLeftReason.TimedOut));
            Assert.Equal(epochNow, net.Relay.Epoch);
            Assert.Equal(0, net.Relay.RemoteMembers);
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.Left && e.Member!.Name == "bob");
            Assert.DoesNotContain(c.Member.KnownMembers, m => m.Name == "bob");
            Assert.Single(net.RelayEvents, e => e.Kind == RelayEventKind.TimedOut && e.Member.Name == "bob");
        }

        [Fact]
        public void ARemoteMembersMessageArrivesWholeAndVerifiedUnderTheAliasFromItsStreamsStart()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            var b = net.AddMember("bert");
            net.JoinAll();
            byte[] key = NewPoint();
            Feed(net, port, Joined(7, "bob", key, nextQ: 100));

            string text = new string('é', 1000);
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            byte[] head = bytes.Take(1200).ToArray();
            byte[] tail = bytes.Skip(1200).ToArray();
            long relayed = net.Relay.MessagesRelayed;
            Feed(net, port, Data(7, 100, 1, 0, 2, head), Data(7, 101, 1, 1, 2, tail), Data(7, 102, 2, 0, 1, Encoding.UTF8.GetBytes("two")), Progress(7, 103));

            foreach (var node in new[] { a, b })
            {
                Assert.Equal(new[] { text, "two" }, node.Messages.Select(m => m.Text));
                Assert.All(node.Messages, m =>
                {
                    Assert.True(m.Verified);
                    Assert.Equal("bob", m.Member!.Name);
                    Assert.Equal("paris", m.Member.Site);
                    Assert.Equal(SecureCodec.FingerprintOf(key), m.Member.KeyFingerprint);
                });
                Assert.Empty(node.Gaps);
            }

            // The records carry the alias's id and Q counted from its base: 0, 1, 2, then the Ack at 3.
            uint alias = Convert.ToUInt32(a.Messages.First().Member!.Id, 16);
            var records = Records(net, a);
            Assert.Equal(new ulong[] { 0, 1, 2 }, records.Where(r => r.Kind == SecureGroupKind.Data).Select(r => BigEndian.ReadU64(r.Body, 4)));
            Assert.All(records.Where(r => r.Kind == SecureGroupKind.Data), r => Assert.Equal(alias, BigEndian.ReadU32(r.Body, 0)));
            Assert.Contains(records, r => r.Kind == SecureGroupKind.Ack && BigEndian.ReadU32(r.Body, 0) == alias && BigEndian.ReadU64(r.Body, 4) == 3);

            // The origin repeats its members' progress: a repeat sends nothing new.
            Feed(net, port, Progress(7, 103));
            Assert.Equal(records.Count, Records(net, a).Count);

            Assert.Equal(relayed + 2, net.Relay.MessagesRelayed);
            Assert.Equal(2, net.Relay.RemoteMessagesRelayed);
            var events = net.RelayEvents.Where(e => e.Kind == RelayEventKind.Relayed && e.Member.Name == "bob").ToList();
            Assert.Equal(new[] { 2, 2 }, events.Select(e => e.Recipients));
            Assert.Equal(bytes.Length, events[0].TextBytes);
        }

        [Fact]
        public void AnAliasesRecordsAreRepairedLikeAnyOtherGroupDatagram()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            var b = net.AddMember("bert");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), 0));

            // a misses the datagram that carries bob's message; the relay sends it again on a's Nack.
            bool dropped = false;
            a.Hears = d =>
            {
                if (!dropped && SecureWire.Is(d, TlvType.SecureGroupSealed))
                {
                    dropped = true;
                    return false;
                }

                return true;
            };
            Feed(net, port, Data(7, 0, 1, 0, 1, Encoding.UTF8.GetBytes("one")));
            Assert.True(dropped);
            Assert.Empty(a.Messages);
            Feed(net, port, Data(7, 1, 2, 0, 1, Encoding.UTF8.GetBytes("two")));
            net.Run(0.5, 0.01);

            Assert.Equal(new[] { "one", "two" }, a.Messages.Select(m => m.Text));
            Assert.Equal(new[] { "one", "two" }, b.Messages.Select(m => m.Text));
            Assert.Empty(a.Gaps);
            Assert.True(net.Relay.RepairsSent >= 1);
        }

        [Fact]
        public void LostBetweenSitesIsAGapWithThatReasonAndTheFragmentsItCost()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), nextQ: 50));
            Feed(net, port, Data(7, 50, 1, 0, 1, Encoding.UTF8.GetBytes("one")));

            // Fragments 51 to 53 (messages 2 to 4) fell out of B's buffer; then message 5 comes.
            Feed(net, port, Lost(7, 54));
            var gap = Assert.Single(a.Gaps);
            Assert.Equal(GapReasons.BetweenSites, gap.Reason);
            Assert.Equal(3, gap.LostFragments);
            Assert.Equal("bob", gap.Member!.Name);
            Assert.Equal("paris", gap.Member.Site);

            Feed(net, port, Data(7, 54, 5, 0, 1, Encoding.UTF8.GetBytes("five")));
            Assert.Equal(new[] { "one", "five" }, a.Messages.Select(m => m.Text));
            Assert.All(a.Gaps, g => Assert.Equal(GapReasons.BetweenSites, g.Reason));
            Assert.Equal(3, a.Gaps.Sum(g => g.LostFragments));
            Assert.Equal(3, a.Gaps.Sum(g => g.LostMessages));

            // The record: Lost, the alias, Q' 4 (54 - 50), reason 01.
            var lost = Assert.Single(Records(net, a), r => r.Kind == SecureGroupKind.Lost);
            Assert.Equal(4UL, BigEndian.ReadU64(lost.Body, 4));
            Assert.Equal(1, lost.Body[12]);

            // A Lost that moves nothing sends nothing.
            int before = Records(net, a).Count(r => r.Kind == SecureGroupKind.Lost);
            Feed(net, port, Lost(7, 55));
            Assert.Equal(before, Records(net, a).Count(r => r.Kind == SecureGroupKind.Lost));
        }

        [Fact]
        public void AnotherSitesMessageThatBreaksThisRelaysRulesIsRefusedHereAsAMembersWouldBe()
        {
            var port = new FakeFederationPort();
            var net = Net(port, new SecureRelayOptions { MaxMessageBytes = 100 });
            var a = net.AddMember("alice");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), nextQ: 0));
            var odd = Remote(K.Data, 7);
            odd.Fragment = new SecureFragment(7, 0, 1, 0, 1, 0x7F, Encoding.UTF8.GetBytes("odd"));
            Feed(net, port, odd);
            Feed(net, port, Data(7, 1, 2, 0, 2, new byte[80]), Data(7, 2, 2, 1, 2, new byte[80]), Progress(7, 3), Data(7, 3, 3, 0, 1, Encoding.UTF8.GetBytes("fine")));

            Assert.Equal(new[] { "fine" }, a.Messages.Select(m => m.Text));
            Assert.Equal(1, net.Relay.Drops["UnsupportedContent"]);
            Assert.Equal(2, net.Relay.Drops["MessageTooLarge"]);
            Assert.Equal(2, Records(net, a).Count(r => r.Kind == SecureGroupKind.Refused));
            Assert.NotEmpty(a.Gaps);
            Assert.All(a.Gaps, g => Assert.Equal(GapReasons.Refused, g.Reason));
        }

        [Fact]
        public void ARefusalFromAfarIsTheRefusedGapAndTheQItUsedIsNotReportedAgain()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), nextQ: 0));
            Feed(net, port, Data(7, 0, 1, 0, 1, Encoding.UTF8.GetBytes("one")));
            var refused = Remote(K.Refused, 7);
            refused.MessageId = 2;
            refused.RefusedReason = SecureRefusedReason.UnsupportedContent;
            Feed(net, port, refused, Progress(7, 4), Data(7, 4, 3, 0, 1, Encoding.UTF8.GetBytes("three")));

            var gap = Assert.Single(a.Gaps);
            Assert.Equal(GapReasons.Refused, gap.Reason);
            Assert.Equal(SenderStreamEvent.FormatMessageId(2), gap.MessageId);
            Assert.Equal("bob", gap.Member!.Name);
            Assert.Equal(new[] { "one", "three" }, a.Messages.Select(m => m.Text));
        }

        [Fact]
        public void AnAliasIdIsNeverAMembersOrAnotherAliasesEvenWhenTheRandomSourceRepeatsIt()
        {
            var ids = new Queue<uint>();
            var options = new SecureRelayOptions
            {
                Random = n =>
                {
                    if (n == 4 && ids.Count > 0)
                    {
                        return BigEndian.U32(ids.Dequeue());
                    }

                    var bytes = new byte[n];
                    RandomNumberGenerator.Fill(bytes);
                    return bytes;
                },
            };
            var port = new FakeFederationPort();
            var net = Net(port, options);
            ids.Enqueue(0x11111111);
            var a = net.AddMember("alice");
            net.JoinAll();
            Assert.Equal(0x11111111u, IdOf(a));

            ids.Enqueue(0x11111111);
            ids.Enqueue(0);
            ids.Enqueue(0x22222222);
            Feed(net, port, Joined(7, "bob", NewPoint(), 0));
            ids.Enqueue(0x22222222);
            ids.Enqueue(0x11111111);
            ids.Enqueue(0x33333333);
            Feed(net, port, Joined(7, "carol", NewPoint(), 0, FakeFederationPort.OriginC, "oslo"));

            // The same origin member id from another relay is another member.
            var ids2 = net.Relay.Members.ToDictionary(m => m.Name!, m => m.Id);
            Assert.Equal("22222222", ids2["bob"]);
            Assert.Equal("33333333", ids2["carol"]);
            Assert.Equal(3, a.Member.KnownMembers.Count);

            // A member joining later is not given an alias's id either.
            ids.Enqueue(0x33333333);
            ids.Enqueue(0x44444444);
            var d = net.AddMember("dave");
            net.JoinAll();
            Assert.Equal(0x44444444u, IdOf(d));
        }

        [Fact]
        public void EachAuthorizedRelayGetsItsShareOfTheAliasesSoOneCannotFillThemForAll()
        {
            var port = new FakeFederationPort { AuthorizedRelayCount = 2 };
            var net = Net(port, new SecureRelayOptions { MaxRemoteMembers = 6 });
            net.AddMember("alice");
            net.JoinAll();
            Feed(net, port, Enumerable.Range(1, 5).Select(i => Joined((uint)i, "b" + i, NewPoint(), 0)).ToArray());
            Assert.Equal(3, net.Relay.RemoteMembers);
            Assert.Equal(2, net.Relay.Drops["TooManyRemoteMembers"]);

            Feed(net, port, Enumerable.Range(1, 3).Select(i => Joined((uint)i, "c" + i, NewPoint(), 0, FakeFederationPort.OriginC, "oslo")).ToArray());
            Assert.Equal(6, net.Relay.RemoteMembers);
            Assert.Equal(2, net.Relay.Drops["TooManyRemoteMembers"]);
        }

        [Fact]
        public void AMemberRefusedForItsRelaysShareIsCountedOnceThoughEveryRosterRepeatsItAndGetsInWhenThereIsRoom()
        {
            var port = new FakeFederationPort { AuthorizedRelayCount = 2 };
            var net = Net(port, new SecureRelayOptions { MaxRemoteMembers = 4 });
            net.AddMember("alice");
            net.JoinAll();
            byte[][] keys = Enumerable.Range(0, 4).Select(_ => NewPoint()).ToArray();
            FederationRemoteEvent[] Roster() => Enumerable.Range(1, 4).Select(i => Joined((uint)i, "b" + i, keys[i - 1], 0)).ToArray();

            // Every roster of B repeats all four; two fit its share, the other two are counted once.
            for (int roster = 0; roster < 5; roster++)
            {
                Feed(net, port, Roster());
            }

            Assert.Equal(2, net.Relay.RemoteMembers);
            Assert.Equal(2, net.Relay.Drops["TooManyRemoteMembers"]);

            // One with an alias leaves: the next roster gives a refused one the room.
            Feed(net, port, Left(1, SecureLeftReason.Left));
            Feed(net, port, Roster().Skip(1).ToArray());
            Assert.Equal(2, net.Relay.RemoteMembers);
            Assert.Equal(2, net.Relay.Drops["TooManyRemoteMembers"]);

            // A refused one leaves and comes back: refused, and counted again.
            Feed(net, port, Left(4, SecureLeftReason.Left));
            Feed(net, port, Roster().Skip(1).ToArray());
            Assert.Equal(3, net.Relay.Drops["TooManyRemoteMembers"]);
        }

        [Fact]
        public void AliasesAreBoundedAndRemoteEventsThatDoNotFitAreCountedDrops()
        {
            var port = new FakeFederationPort();
            var net = Net(port, new SecureRelayOptions { MaxRemoteMembers = 2 });
            var a = net.AddMember("alice");
            net.JoinAll();
            Feed(net, port, Joined(1, "b1", NewPoint(), 10), Joined(2, "b2", NewPoint(), 10), Joined(3, "b3", NewPoint(), 10));
            Assert.Equal(2, net.Relay.RemoteMembers);
            Assert.Equal(1, net.Relay.Drops["TooManyRemoteMembers"]);

            var badKey = Joined(4, "bad", new byte[65], 0);
            var badName = Joined(5, "bad\u0001", NewPoint(), 0);
            var badSite = Remote(K.Joined, 6, site: "");
            badSite.IdentityKey = NewPoint();
            badSite.Name = "x";
            Feed(net, port, Left(1, SecureLeftReason.Left), badKey, badName, badSite);
            Assert.Equal(3, net.Relay.Drops["MalformedRemoteEvent"]);
            Assert.Equal(1, net.Relay.RemoteMembers);

            Feed(net, port, Data(99, 0, 1, 0, 1, new byte[] { 1 }), Data(2, 9, 1, 0, 1, new byte[] { 1 }), Data(2, 10, 1, 0, 1, Encoding.UTF8.GetBytes("ok")), Data(2, 10, 1, 0, 1, new byte[] { 1 }));
            Assert.Equal(1, net.Relay.Drops["UnknownRemoteMember"]);
            Assert.Equal(1, net.Relay.Drops["RemoteDataBeforeJoin"]);
            Assert.Equal(1, net.Relay.Drops["Duplicate"]);
            Assert.Equal(new[] { "ok" }, a.Messages.Select(m => m.Text));

            Feed(net, port, Data(2, 11, 2, 0, 1, new byte[SecureCodec.FragmentCapacity(net.RelayOptions.MaxDatagramBytes) + 1]));
            Assert.Equal(1, net.Relay.Drops["FragmentTooLarge"]);
            Assert.Equal(MemberState.Connected, a.Member.State);
        }

        [Fact]
        public void StoppingTellsThePortEveryMemberLeftAndTheMembersEveryAliasLeft()
        {
            var port = new FakeFederationPort();
            var net = Net(port, new SecureRelayOptions { HandshakesPerSourcePerSecond = 100 });
            var a = net.AddMember("alice");
            var b = net.AddMember("bert");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), 0));
            port.Calls.Clear();

            var output = new ProtocolOutput<RelayEvent>();
            net.Relay.Stop(net.Clock.Now, output);
            var left = port.Calls.Where(c => c.Kind == "Left").ToList();
            Assert.Equal(new[] { IdOf(a), IdOf(b) }.OrderBy(x => x), left.Select(c => c.MemberId).OrderBy(x => x));
            Assert.All(left, c => Assert.Equal(SecureLeftReason.RelayStopping, c.LeftReason));
            Assert.Equal("Flush", port.Calls.Last().Kind);
            Assert.Contains(output.Events, e => e.Kind == RelayEventKind.Left && e.Member.Name == "bob" && e.Member.Site == "paris");
            Assert.Empty(net.Relay.Members);

            net.FromRelay(output);
            net.Pump();
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.Left && e.Member!.Name == "bob");
        }

        [Fact]
        public void ARelayThatIsNotFederatedSendsNoSiteOrLostRecordAndItsMembersHaveNoSite()
        {
            var net = Net();
            var a = net.AddMember("alice");
            var b = net.AddMember("bob");
            net.JoinAll();
            net.Say(a, "hello");
            net.Say(b, new string('w', 4000));
            Assert.Equal(2, net.Members.Sum(n => n.Messages.Count()));
            var kinds = Records(net, a).Select(r => r.Kind).ToList();
            Assert.Contains(SecureGroupKind.Roster, kinds);
            Assert.DoesNotContain(SecureGroupKind.Site, kinds);
            Assert.DoesNotContain(SecureGroupKind.Lost, kinds);
            Assert.All(net.Relay.Members, m => Assert.Null(m.Site));
            Assert.All(a.Member.KnownMembers, m => Assert.Null(m.Site));
        }

        [Fact]
        public void AMemberOfAnEarlierVersionSkipsSiteAndLostAndStillGetsAliasesAndTheirMessages()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var old = net.AddMember("old");
            old.Member.IgnoresFederationRecordsForTests = true;
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), 10));
            Feed(net, port, Data(7, 10, 1, 0, 1, Encoding.UTF8.GetBytes("one")), Lost(7, 13), Data(7, 13, 4, 0, 1, Encoding.UTF8.GetBytes("four")));

            Assert.Equal(MemberState.Connected, old.Member.State);
            Assert.Null(old.Member.Identity!.Site);
            var bob = Assert.Single(old.Member.KnownMembers, m => m.Name == "bob");
            Assert.Null(bob.Site);
            Assert.Equal(new[] { "one", "four" }, old.Messages.Select(m => m.Text));
            Assert.True(old.Member.Drops["UnknownRecord"] >= 3);

            // It still sees the loss, from the next Data, without knowing why.
            Assert.Equal(2, old.Gaps.Sum(g => g.LostFragments));
            Assert.All(old.Gaps, g => Assert.NotEqual(GapReasons.BetweenSites, g.Reason));
        }

        [Fact]
        public void AMemberHoldingTheGroupKeyCannotForgeSiteOrLostRecords()
        {
            var port = new FakeFederationPort();
            var net = Net(port);
            var a = net.AddMember("alice");
            var insider = net.AddMember("insider");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), 0));
            Feed(net, port, Data(7, 0, 1, 0, 1, Encoding.UTF8.GetBytes("one")));
            uint alias = Convert.ToUInt32(a.Messages.Single().Member!.Id, 16);
            var key = insider.Member.CurrentGroupKey!.Value;
            using var insiderKey = EcdsaP256PrivateKey.Generate();

            ulong sequence = LatestR(net) + 1;
            net.Inject(SecureWire.GroupSealed(key.Epoch, sequence, key.Key, insiderKey, SecureCodec.SiteRecord(IdOf(insider), "paris"), SecureCodec.SiteRecord(alias, "evil")), insider.Member.Self);
            net.Inject(SecureWire.GroupSealed(key.Epoch, sequence + 1, key.Key, insiderKey, SecureCodec.LostRecord(alias, 40)), insider.Member.Self);
            int events = a.Events.Count;
            net.Pump();

            Assert.Equal(2, a.Member.Drops["BadSignature"]);
            Assert.Equal(events, a.Events.Count);
            Assert.Equal("paris", a.Member.KnownMembers.Single(m => m.Name == "bob").Site);
            Assert.Equal("lyon", a.Member.KnownMembers.Single(m => m.Name == "insider").Site);

            // A member cannot make the relay send them either: a relay's traffic from a member is ignored.
            Assert.Equal(2, net.Relay.Drops["IgnoredType"]);
            Assert.Empty(a.Gaps);
        }

        [Fact]
        public void AMalformedSiteOrLostRecordFromTheRelayIsMalformedRecordAndNeverAnException()
        {
            var relayKey = EcdsaP256PrivateKey.Generate();
            using var signer = EcdsaP256PrivateKey.ImportPkcs8Pem(relayKey.ExportPkcs8Pem());
            var port = new FakeFederationPort();
            var net = Net(port, null, relayKey);
            var a = net.AddMember("alice");
            net.JoinAll();
            Feed(net, port, Joined(7, "bob", NewPoint(), 0));
            uint alias = Convert.ToUInt32(a.Member.KnownMembers.Single(m => m.Name == "bob").Id, 16);
            var key = a.Member.CurrentGroupKey!.Value;

            var malformed = new List<byte[]>
            {
                SecureCodec.GroupRecord(SecureGroupKind.Site, new byte[] { 0, 0, 0, 7, 0 }),
                SecureCodec.GroupRecord(SecureGroupKind.Site, BigEndian.Concat(BigEndian.U32(alias), new byte[] { 65 }, new byte[65])),
                SecureCodec.GroupRecord(SecureGroupKind.Site, BigEndian.Concat(BigEndian.U32(alias), new byte[] { 3, (byte)'a', 1, (byte)'b' })),
                SecureCodec.GroupRecord(SecureGroupKind.Site, BigEndian.Concat(BigEndian.U32(alias), new byte[] { 3, (byte)'a', (byte)'b' })),
                SecureCodec.GroupRecord(SecureGroupKind.Site, BigEndian.Concat(BigEndian.U32(alias), new byte[] { 2, 0xC3, 0x28 })),
                SecureCodec.GroupRecord(SecureGroupKind.Site, new byte[] { 0, 0 }),
                SecureCodec.GroupRecord(SecureGroupKind.Lost, BigEndian.Concat(BigEndian.U32(alias), BigEndian.U64(5), new byte[] { 2 })),
                SecureCodec.GroupRecord(SecureGroupKind.Lost, BigEndian.Concat(BigEndian.U32(alias), BigEndian.U64(5))),
                SecureCodec.GroupRecord(SecureGroupKind.Lost, Array.Empty<byte>()),
            };

            ulong sequence = LatestR(net) + 1;
            foreach (byte[] record in malformed)
            {
                // A valid Site first: the records before a malformed one stand.
                net.DeliverTo(a, SecureWire.GroupSealed(key.Epoch, sequence++, key.Key, signer, SecureCodec.SiteRecord(alias, "rome"), record, SecureCodec.LostRecord(alias, 99)), net.Relay.Self);
            }

            Assert.Equal(malformed.Count, a.Member.Drops["MalformedRecord"]);
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal("rome", a.Member.KnownMembers.Single(m => m.Name == "bob").Site);
            Assert.Empty(a.Gaps);
        }

        [Fact]
        public void SiteAndLostRecordsRoundTripAndTheirRulesHold()
        {
            byte[] site = SecureCodec.SiteRecord(0x01020304, "zürich");
            int offset = 0;
            Assert.True(SecureCodec.TryReadGroupRecord(site, ref offset, out SecureGroupKind kind, out int at, out int length, out _));
            Assert.Equal(SecureGroupKind.Site, kind);
            Assert.True(SecureCodec.TryParseSite(site, at, length, out uint id, out string? name, out _));
            Assert.Equal(0x01020304u, id);
            Assert.Equal("zürich", name);
            Assert.Equal(5 + Encoding.UTF8.GetByteCount("zürich"), length);

            byte[] lost = SecureCodec.LostRecord(0x0a0b0c0d, 123456789);
            offset = 0;
            Assert.True(SecureCodec.TryReadGroupRecord(lost, ref offset, out kind, out at, out length, out _));
            Assert.Equal(SecureGroupKind.Lost, kind);
            Assert.Equal(13, length);
            Assert.True(SecureCodec.TryParseLost(lost, at, length, out id, out ulong next, out _));
            Assert.Equal(0x0a0b0c0du, id);
            Assert.Equal(123456789UL, next);

            Assert.Throws<ArgumentException>(() => SecureCodec.SiteRecord(1, ""));
            Assert.Throws<ArgumentException>(() => SecureCodec.SiteRecord(1, new string('a', 65)));
            Assert.Throws<ArgumentException>(() => SecureCodec.SiteRecord(1, "tab\there"));
            Assert.Throws<ArgumentException>(() => SecureCodec.SiteRecord(1, "\ud800"));
            Assert.NotNull(SecureCodec.SiteRecord(1, new string('a', 64)));
            Assert.Throws<ArgumentOutOfRangeException>(() => SecureCodec.LostRecord(1, 1, (SecureLostReason)2));
        }

        [Fact]
        public void ARosterWithSitesPutsEachEntrysSiteBeforeItsRosterRecordAndEachGroupFitsADatagram()
        {
            int capacity = SecureCodec.GroupPlaintextCapacity(SecureDefaults.MinDatagramBytes);
            var members = Enumerable.Range(1, 9)
                .Select(i => (new SecureMemberEntry((uint)i, NewPoint(), new string('n', 60)), "site-" + new string('s', 50) + i))
                .ToList();
            List<byte[]> records = SecureCodec.RosterRecordsWithSites(members, capacity);

            var listed = new List<uint>();
            var sited = new HashSet<uint>();
            int group = 0;
            foreach (byte[] record in records)
            {
                group += record.Length;
                int offset = 0;
                Assert.True(SecureCodec.TryReadGroupRecord(record, ref offset, out SecureGroupKind kind, out int at, out int length, out _));
                if (kind == SecureGroupKind.Site)
                {
                    Assert.True(SecureCodec.TryParseSite(record, at, length, out uint id, out string? site, out _));
                    Assert.Equal(members[(int)id - 1].Item2, site);
                    sited.Add(id);
                    continue;
                }

                Assert.Equal(SecureGroupKind.Roster, kind);
                Assert.True(group <= capacity, "a roster group of " + group + " bytes");
                group = 0;
                Assert.True(SecureCodec.TryParseRoster(record, at, length, out List<SecureMemberEntry>? entries, out _));
                Assert.All(entries!, e => Assert.Contains(e.MemberId, sited));
                listed.AddRange(entries!.Select(e => e.MemberId));
            }

            Assert.Equal(Enumerable.Range(1, 9).Select(i => (uint)i), listed);
            Assert.True(records.Count(r => r[0] == (byte)SecureGroupKind.Roster) > 1);
        }

        private SecureNet Net(FakeFederationPort? port = null, SecureRelayOptions? options = null, EcdsaP256PrivateKey? relayKey = null)
        {
            var net = new SecureNet(options ?? new SecureRelayOptions { HandshakesPerSourcePerSecond = 100 }, relayKey);
            nets.Add(net);
            if (port is not null)
            {
                net.Relay.AttachFederation(port);
            }

            return net;
        }

        /// <summary>The port reports <paramref name="events"/> in a bus message; the relay's output goes on the air, flushed, and the group is pumped.</summary>
        private static void Feed(SecureNet net, FakeFederationPort port, params FederationRemoteEvent[] events)
        {
            port.Queue(events);
            var output = new ProtocolOutput<RelayEvent>();
            net.Relay.ReceiveFederation("test.relay.b", new byte[] { 1 }, net.Clock.Now, output);
            net.Relay.Flush(net.Clock.Now, output);
            net.FromRelay(output);
            net.Pump();
        }

        private static uint IdOf(SecureNet.Node node) => Convert.ToUInt32(node.Member.Identity!.Id, 16);

        private byte[] NewPoint()
        {
            var key = EcdsaP256PrivateKey.Generate();
            keys.Add(key);
            return key.PublicKey.Point;
        }

        private static FederationRemoteEvent Remote(K kind, uint id, string origin = FakeFederationPort.OriginB, string site = "paris") =>
            FakeFederationPort.Remote(kind, id, origin, site);

        private FederationRemoteEvent Joined(uint id, string name, byte[]? key = null, ulong nextQ = 0, string origin = FakeFederationPort.OriginB, string site = "paris")
        {
            var e = Remote(K.Joined, id, origin, site);
            e.IdentityKey = key ?? NewPoint();
            e.Name = name;
            e.NextQ = nextQ;
            return e;
        }

        private static FederationRemoteEvent Left(uint id, SecureLeftReason reason)
        {
            var e = Remote(K.Left, id);
            e.LeftReason = reason;
            return e;
        }

        private static FederationRemoteEvent Data(uint id, ulong q, ulong messageId, int index, int count, byte[] payload)
        {
            var e = Remote(K.Data, id);
            e.Fragment = new SecureFragment(id, q, messageId, index, count, SecureCodec.ContentText, payload);
            return e;
        }

        private static FederationRemoteEvent Progress(uint id, ulong nextQ)
        {
            var e = Remote(K.Progress, id);
            e.NextQ = nextQ;
            return e;
        }

        private static FederationRemoteEvent Lost(uint id, ulong nextQ)
        {
            var e = Remote(K.Lost, id);
            e.NextQ = nextQ;
            return e;
        }

        /// <summary>The latest R the relay used (GroupSealed and Rekey share the counter).</summary>
        private static ulong LatestR(SecureNet net) =>
            net.Log.Where(l => l.Source.Equals(net.Relay.Self) && (SecureWire.Is(l.Datagram, TlvType.SecureGroupSealed) || SecureWire.Is(l.Datagram, TlvType.SecureRekey)))
                .Max(l => SecureWire.SequenceOf(l.Datagram));

        /// <summary>The records of every GroupSealed the relay sent under <paramref name="reader"/>'s current epoch, in R order, each datagram once.</summary>
        private static List<(SecureGroupKind Kind, byte[] Body)> Records(SecureNet net, SecureNet.Node reader)
        {
            var key = reader.Member.CurrentGroupKey!.Value;
            var records = new List<(SecureGroupKind, byte[])>();
            var seen = new HashSet<ulong>();
            foreach (byte[] d in SecureWire.Of(net.Log, TlvType.SecureGroupSealed, net.Relay.Self).OrderBy(SecureWire.SequenceOf))
            {
                ulong r = SecureWire.SequenceOf(d);
                if (SecureWire.EpochOf(d) != key.Epoch || !seen.Add(r))
                {
                    continue;
                }

                byte[] value = SecureWire.ValueOf(d);
                byte[] header = value.Take(SecureCodec.SealedHeaderLength).ToArray();
                byte[] sealedRecords = value.Skip(SecureCodec.SealedHeaderLength).Take(value.Length - SecureCodec.SealedHeaderLength - SecureCodec.SignatureLength).ToArray();
                Assert.True(key.Key.TryOpen(SecureKeySchedule.GroupNonce(key.Epoch, r), sealedRecords, header, out byte[]? plain));
                int offset = 0;
                while (SecureCodec.TryReadGroupRecord(plain!, ref offset, out SecureGroupKind kind, out int at, out int length, out _))
                {
                    records.Add((kind, BigEndian.Slice(plain!, at, length)));
                }
            }

            return records;
        }
    }
}
