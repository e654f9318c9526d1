using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// The member's half of reliable delivery (docs/protocol.md, "Reliability") with a real relay on a
    /// fake clock: holes asked for and repaired, what cannot be repaired reported as Gap events, its
    /// own messages acknowledged, retransmitted or failed; and the attacks on each.
    /// </summary>
    public class SecureMemberReliabilityTests : IDisposable
    {
        private readonly List<SecureNet> nets = new List<SecureNet>();

        public void Dispose()
        {
            foreach (SecureNet net in nets)
            {
                net.Dispose();
            }
        }

        private SecureNet Net(SecureRelayOptions? relay = null)
        {
            var net = new SecureNet(relay);
            nets.Add(net);
            return net;
        }

        private static TimeSpan Ms(double ms) => TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));

        private static ulong R(byte[] datagram) => SecureWire.SequenceOf(datagram);

        private static bool FromRelay(byte[] d) => SecureWire.Is(d, TlvType.SecureGroupSealed) || SecureWire.Is(d, TlvType.SecureRekey);

        /// <summary>Each node loses the first copy of the next relay datagram it would hear; returns where the numbers lost are written.</summary>
        private static List<ulong> LoseNext(params SecureNet.Node[] nodes)
        {
            var lost = new List<ulong>();
            foreach (SecureNet.Node node in nodes)
            {
                bool armed = true;
                node.Hears = d =>
                {
                    if (armed && FromRelay(d))
                    {
                        armed = false;
                        lost.Add(R(d));
                        return false;
                    }

                    return true;
                };
            }

            return lost;
        }

        /// <summary>The relay datagrams sent from log index <paramref name="from"/> on.</summary>
        private static List<byte[]> RelaySent(SecureNet net, int from) =>
            net.Log.Skip(from).Where(l => l.Source.Equals(net.Relay.Self)).Select(l => l.Datagram).ToList();

        private static List<byte[]> SentBy(SecureNet net, SecureNet.Node node, int from) =>
            net.Log.Skip(from).Where(l => l.Source.Equals(node.Member.Self)).Select(l => l.Datagram).ToList();

        private static IEnumerable<string> Texts(SecureNet.Node node) => node.Messages.Select(m => m.Text!);

        private static (SecureNet Net, SecureNet.Node A, SecureNet.Node B, SecureNet.Node C) Three(SecureNet net, SecureMemberOptions? bOptions = null)
        {
            var a = net.AddMember("a");
            var b = net.AddMember("b", bOptions);
            var c = net.AddMember("c");
            net.JoinAll();
            return (net, a, b, c);
        }

        // ------------------------------------------------------------------ holes, Nacks, repairs

        [Fact]
        public void ALostGroupDatagramIsAskedForAfterTheNackDelayAndTheRepairComesInOrder()
        {
            var (net, a, b, c) = Three(Net());
            b.Member.NackDrawForTests = () => 0.5;
            List<ulong> lost = LoseNext(b);
            int before = net.Log.Count;
            net.Say(a, "one");
            byte[] original = RelaySent(net, before).Single(d => R(d) == lost.Single());
            net.Say(a, "two");

            Assert.Empty(Texts(b));
            Assert.Equal((1L, 1), (b.Member.MissingDatagrams, b.Member.HeldDatagrams));
            DateTimeOffset noticed = net.Clock.Now;
            Assert.Equal(noticed + Ms(1), b.Member.NextDeadline);

            // Not before its timer.
            int quiet = net.Log.Count;
            net.Clock.Advance(Ms(0.999));
            net.Do(b, (m, o) => m.Tick(net.Clock.Now, o));
            Assert.Empty(SentBy(net, b, quiet));

            net.Clock.Advance(Ms(0.001));
            long cDuplicates = c.Member.Drops["Duplicate"];
            long cWork = c.Member.Operations.PublicKeyOperations;
            int asked = net.Log.Count;
            net.Do(b, (m, o) => m.Tick(net.Clock.Now, o));
            byte[] nack = Assert.Single(SentBy(net, b, asked));
            Assert.True(SecureWire.Is(nack, TlvType.SecureMemberSealed));
            net.Pump();

            // The Nack named exactly the lost number: the relay sent that stored datagram again, byte for byte.
            Assert.Equal(1, net.Relay.NacksReceived);
            Assert.Equal(original, Assert.Single(RelaySent(net, asked)));
            Assert.Equal(new[] { "one", "two" }, Texts(b));
            Assert.Equal(new[] { "one", "two" }, Texts(c));
            Assert.Equal((1L, 1L, 0L), (b.Member.NacksSent, b.Member.RepairsReceived, b.Member.Gaps));
            Assert.Equal((0L, 0, 0L), (b.Member.MissingDatagrams, b.Member.HeldDatagrams, b.Member.HeldBytes));
            Assert.Null(b.Member.NextDeadline);

            // c had it: the repair cost c a Duplicate and no cryptography.
            Assert.Equal(cDuplicates + 1, c.Member.Drops["Duplicate"]);
            Assert.Equal(cWork, c.Member.Operations.PublicKeyOperations);
        }

        [Fact]
        public void HolesNoticedBeforeTheTimerFiresGoIntoOneNack()
        {
            var (net, a, b, _) = Three(Net());
            b.Member.NackDrawForTests = () => 0.99;
            LoseNext(b);
            net.Say(a, "one");
            net.Say(a, "two");
            LoseNext(b);
            net.Say(a, "three");
            net.Say(a, "four");
            Assert.Equal(2, b.Member.MissingDatagrams);

            int before = net.Log.Count;
            net.Run(0.003, 0.001);
            Assert.Single(SentBy(net, b, before), d => SecureWire.Is(d, TlvType.SecureMemberSealed));
            Assert.Equal(1, b.Member.NacksSent);
            Assert.Equal(2, net.Relay.RepairsSent);
            Assert.Equal(new[] { "one", "two", "three", "four" }, Texts(b));
        }

        [Fact]
        public void NackRetriesAreSpacedTenTwentyFortyMilliseconds()
        {
            var (net, a, b, _) = Three(Net());
            b.Member.NackDrawForTests = () => 0;
            LoseNext(b);
            net.Say(a, "one");
            net.Say(a, "two");
            net.RelayHears = (d, source) => !source.Equals(b.Member.Self);
            DateTimeOffset start = net.Clock.Now;
            var asked = new List<double>();
            for (int i = 0; i <= 80; i++)
            {
                long nacks = b.Member.NacksSent;
                net.Do(b, (m, o) => m.Tick(net.Clock.Now, o));
                net.Pump();
                if (b.Member.NacksSent > nacks)
                {
                    asked.Add((net.Clock.Now - start).TotalMilliseconds);
                }

                net.Clock.Advance(Ms(1));
            }

            Assert.Equal(new double[] { 0, 10, 30, 70 }, asked);
            Assert.Empty(Texts(b));

            // Heard again: the next ask, 80 ms after the last, is answered.
            net.RelayHears = null;
            net.Run(0.08, 0.001);
            Assert.Equal(5, b.Member.NacksSent);
            Assert.Equal(new[] { "one", "two" }, Texts(b));
        }

        [Fact]
        public void ARepairAnotherMemberAskedForCancelsThisMembersNack()
        {
            var (net, a, b, c) = Three(Net());
            b.Member.NackDrawForTests = () => 0;
            c.Member.NackDrawForTests = () => 0.99;
            List<ulong> lost = LoseNext(b, c);
            net.Say(a, "one");
            net.Say(a, "two");
            Assert.Equal(lost[0], lost[1]);
            Assert.True(c.Member.NextDeadline > net.Clock.Now);

            // b's timer fires first; the repair is multicast and reaches c before c's timer does.
            net.TickAll();
            net.Run(0.01, 0.001);
            Assert.Equal(1, b.Member.NacksSent);
            Assert.Equal(0, c.Member.NacksSent);
            Assert.Equal(1, c.Member.RepairsReceived);
            Assert.Equal(1, net.Relay.RepairsSent);
            Assert.Equal(new[] { "one", "two" }, Texts(c));
        }

        [Fact]
        public void ALostLastDatagramIsNoticedAtTheRelaysTailHeartbeatAndRepaired()
        {
            var (net, a, b, _) = Three(Net());
            net.Run(0.1, 0.01);
            LoseNext(b);
            net.Say(a, "last");
            DateTimeOffset said = net.Clock.Now;
            Assert.Equal(0, b.Member.MissingDatagrams);

            net.Run(0.03, 0.001);
            MemberEvent last = Assert.Single(b.Messages);
            Assert.Equal("last", last.Text);
            Assert.InRange(last.At - said, Ms(10), Ms(13));
            Assert.Equal(1, b.Member.NacksSent);
        }

        [Fact]
        public void WhatTheRelayCanNoLongerRepairBecomesAGapNamingTheSenderAndTheLoss()
        {
            var (net, a, b, c) = Three(Net(new SecureRelayOptions { RetransmitBufferSize = 2 }));
            net.Say(a, "first");
            LoseNext(b);
            SentMessage lostMessage = net.Say(a, "lost");
            net.Say(a, "after 1");
            net.Say(a, "after 2");
            net.Say(a, "after 3");
            Assert.Equal(new[] { "first" }, Texts(b));

            net.Run(0.01, 0.001);
            MemberEvent gap = Assert.Single(b.Gaps);
            Assert.Equal(a.Member.Identity!.Id, gap.Member!.Id);
            Assert.Equal((1L, 1L), (gap.LostFragments, gap.LostMessages));
            Assert.Equal(lostMessage.MessageId, gap.MessageId);
            Assert.Equal(GapReasons.Unavailable, gap.Reason);
            Assert.Equal(new[] { "first", "after 1", "after 2", "after 3" }, Texts(b));
            Assert.Equal((1L, 1L, 1L), (b.Member.RepairsGivenUp, b.Member.Gaps, b.Member.LostFragments));
            Assert.True(net.Relay.RepairsUnavailable >= 1);

            // The gap comes in its place: after "first", before "after 1".
            var order = b.Events.Where(e => e.Kind == MemberEventKind.Message || e.Kind == MemberEventKind.Gap).Select(e => e.Kind == MemberEventKind.Gap ? "gap" : e.Text).ToList();
            Assert.Equal(new[] { "first", "gap", "after 1", "after 2", "after 3" }, order);
            Assert.Empty(c.Gaps);
        }

        [Fact]
        public void AFullHoldGivesUpTheHoleAndReportsAGapAndTheLateRepairIsADuplicate()
        {
            var (net, a, b, _) = Three(Net(), new SecureMemberOptions { HoldLimit = 2 });
            List<ulong> lost = LoseNext(b);
            int before = net.Log.Count;
            net.Say(a, "lost");
            byte[] original = RelaySent(net, before).Single(d => R(d) == lost[0]);
            net.Say(a, "held 1");
            net.Say(a, "held 2");
            Assert.Equal(2, b.Member.HeldDatagrams);
            net.Say(a, "overflow");

            Assert.Equal(1, b.Member.Drops["HoldOverflow"]);
            // a was there before b, and this is the first b hears of it: what it lost cannot be counted.
            MemberEvent gap = Assert.Single(b.Gaps);
            Assert.Equal(GapReasons.HoldFull, gap.Reason);
            Assert.Equal(a.Member.Identity!.Id, gap.Member!.Id);
            Assert.Equal((0L, 0L, (string?)null), (gap.LostFragments, gap.LostMessages, gap.MessageId));
            Assert.Equal(new[] { "held 1", "held 2", "overflow" }, Texts(b));

            long duplicates = b.Member.Drops["Duplicate"];
            net.DeliverTo(b, original, net.Relay.Self);
            Assert.Equal(duplicates + 1, b.Member.Drops["Duplicate"]);
            Assert.DoesNotContain("lost", Texts(b));
        }

        // ------------------------------------------------------------------ sending: acks, retransmission, failures

        [Fact]
        public void AMessageTheRelayDidNotGetIsSentAgainAfterTheRtoAndAcknowledged()
        {
            var (net, a, b, _) = Three(Net());
            DropFirstSealedFrom(net, a);
            SentMessage sent = net.Say(a, "again");
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.MessageSent && e.MessageId == sent.MessageId);
            Assert.DoesNotContain(a.Events, e => e.Kind == MemberEventKind.MessageAcknowledged);
            Assert.Equal(net.Clock.Now + Ms(100), a.Member.NextDeadline);
            SendProgress progress = a.Member.GetSendProgress(sent.MessageId)!;
            Assert.Equal((1, 1, 0, 5L), (progress.Fragments, progress.FragmentsSent, progress.FragmentsAcknowledged, progress.Bytes));

            net.Run(0.1, 0.01);
            Assert.Equal(1, a.Member.Retransmissions);
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.MessageAcknowledged && e.MessageId == sent.MessageId);
            Assert.Null(a.Member.GetSendProgress(sent.MessageId));
            Assert.Equal(new[] { "again" }, Texts(b));
            Assert.Equal(1, a.Member.MessagesAcknowledged);
        }

        [Fact]
        public void AFragmentWaitingInItsHostsSendQueueIsNotSentAgainBeforeItLeftAndItsTimeOutPassed()
        {
            var (net, a, _, _) = Three(Net());
            var queued = new ProtocolOutput<MemberEvent> { ReportsDepartures = true };
            a.Member.Send(MessageContent.FromText("queued"), net.Clock.Now, queued);
            Assert.Single(queued.Datagrams);
            DatagramDeparture departure = queued.DepartureOf(0)!;

            // The paced send queue holds it past the first time-out (100 ms): it is not lost.
            net.Clock.Advance(0.15);
            var tick = new ProtocolOutput<MemberEvent> { ReportsDepartures = true };
            a.Member.Tick(net.Clock.Now, tick);
            Assert.Empty(tick.Datagrams);
            Assert.Equal(net.Clock.Now + Ms(100), a.Member.NextDeadline);

            departure.Stamp(net.Clock.Now);
            net.Clock.Advance(0.1);
            a.Member.Tick(net.Clock.Now, tick);
            Assert.Single(tick.Datagrams);
            Assert.Equal(1, a.Member.Retransmissions);
        }

        [Fact]
        public void AnAckThatDoesNotMoveResendsTheMissingFragmentAtOnce()
        {
            var (net, a, b, _) = Three(Net());
            DropFirstSealedFrom(net, a);
            net.Say(a, "one");
            net.Say(a, "two");

            // No time passed: the relay held "two" and said it still wants "one".
            Assert.Equal(1, a.Member.FastRetransmissions);
            Assert.Equal(new[] { "one", "two" }, Texts(b));
            Assert.Equal(2, a.Member.MessagesAcknowledged);
            Assert.Equal(0, a.Member.FragmentsInFlight);
        }

        [Fact]
        public void NoAcknowledgementWithinTheAckTimeoutFailsEveryMessageAndStartsANewHandshake()
        {
            var (net, a, b, _) = Three(Net());
            net.RelayHears = (d, source) => !(source.Equals(a.Member.Self) && SecureWire.Is(d, TlvType.SecureMemberSealed));
            SentMessage first = net.Say(a, "first");
            SentMessage second = net.Say(a, "second");
            net.Run(9.9, 0.1);
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.DoesNotContain(a.Events, e => e.Kind == MemberEventKind.MessageFailed);

            net.Run(0.2, 0.1);
            var failed = a.Events.Where(e => e.Kind == MemberEventKind.MessageFailed).ToList();
            Assert.Equal(new[] { first.MessageId, second.MessageId }, failed.Select(e => e.MessageId));
            Assert.All(failed, e => Assert.Equal("the relay did not acknowledge it within 10 s", e.Reason));
            int lostAt = a.Events.FindIndex(e => e.Kind == MemberEventKind.StateChanged && e.State == MemberState.RelayLost);
            Assert.True(lostAt > a.Events.IndexOf(failed[1]));
            Assert.Equal(2, a.Member.MessagesFailed);
            Assert.Equal(0, a.Member.SendBufferMessages);
            Assert.Empty(Texts(b));
        }

        [Fact]
        public void ARefusedMessageFailsAtTheSenderAndIsAGapForTheOthers()
        {
            // c joined after a and b, so they know its data stream starts at Q 0: the Q numbers it skips are counted.
            var (net, a, b, c) = Three(Net(new SecureRelayOptions { MaxMessageBytes = 2000 }));
            SentMessage big = net.Say(c, new string('x', 3000));
            Assert.Equal(3, big.Fragments);
            MemberEvent failed = Assert.Single(c.Events, e => e.Kind == MemberEventKind.MessageFailed);
            Assert.Equal(big.MessageId, failed.MessageId);
            Assert.Equal(MessageFailureReasons.RefusedTooLarge, failed.Reason);

            foreach (var node in new[] { a, b })
            {
                MemberEvent gap = Assert.Single(node.Gaps);
                Assert.Equal(c.Member.Identity!.Id, gap.Member!.Id);
                Assert.Equal((0L, 1L), (gap.LostFragments, gap.LostMessages));
                Assert.Equal(big.MessageId, gap.MessageId);
                Assert.Equal(GapReasons.Refused, gap.Reason);
                Assert.Equal((1L, 3L), (node.Member.Gaps, node.Member.LostFragments));
            }

            // The stream goes on.
            SentMessage after = net.Say(c, "after");
            Assert.Contains(c.Events, e => e.Kind == MemberEventKind.MessageAcknowledged && e.MessageId == after.MessageId);
            Assert.Equal(new[] { "after" }, Texts(b));
            Assert.Equal(0, c.Member.FragmentsInFlight);
        }

        [Fact]
        public void ARefusalOfASenderWhoseStreamIsNotKnownYetIsStillAGap()
        {
            // a was there before b and c: they learn a's Q only from its records.
            var (net, a, b, _) = Three(Net(new SecureRelayOptions { MaxMessageBytes = 2000 }));
            SentMessage big = net.Say(a, new string('x', 3000));
            MemberEvent gap = Assert.Single(b.Gaps);
            Assert.Equal((0L, 1L, big.MessageId, GapReasons.Refused), (gap.LostFragments, gap.LostMessages, gap.MessageId, gap.Reason));
            net.Say(a, "after");
            Assert.Equal(new[] { "after" }, Texts(b));
            Assert.Single(b.Gaps);
        }

        [Fact]
        public void LeavingFailsWhatTheRelayHasNotAcknowledgedBeforeTheLeaveGoesOut()
        {
            var (net, a, _, _) = Three(Net());
            net.RelayHears = (d, source) => !(source.Equals(a.Member.Self) && SecureWire.Is(d, TlvType.SecureMemberSealed));
            SentMessage one = net.Say(a, "one");
            var output = new ProtocolOutput<MemberEvent>();
            a.Member.Leave(net.Clock.Now, output);
            MemberEvent failed = Assert.Single(output.Events, e => e.Kind == MemberEventKind.MessageFailed);
            Assert.Equal((one.MessageId, MessageFailureReasons.Closed), (failed.MessageId, failed.Reason));
            Assert.Single(output.Datagrams);
            Assert.Equal(MemberState.Closed, a.Member.State);
        }

        [Fact]
        public void ANewHandshakeFailsWhatTheRelayHasNotAcknowledged()
        {
            var (net, a, _, _) = Three(Net());
            net.RelayHears = (d, source) => !(source.Equals(a.Member.Self) && SecureWire.Is(d, TlvType.SecureMemberSealed));
            SentMessage one = net.Say(a, "one");
            var stopping = new ProtocolOutput<RelayEvent>();
            net.Relay.Stop(net.Clock.Now, stopping);
            net.FromRelay(stopping);
            net.Pump();
            MemberEvent failed = Assert.Single(a.Events, e => e.Kind == MemberEventKind.MessageFailed);
            Assert.Equal((one.MessageId, MessageFailureReasons.RelayLost), (failed.MessageId, failed.Reason));
            Assert.Equal(MemberState.RelayLost, a.Member.State);
        }

        [Fact]
        public void TheSendBufferIsBoundedAndSaysWhatWaits()
        {
            var (net, a, _, _) = Three(Net(), null);
            var small = net.AddMember("small", new SecureMemberOptions { SendBufferMessages = 2 });
            net.JoinAll();
            net.RelayHears = (d, source) => !(source.Equals(small.Member.Self) && SecureWire.Is(d, TlvType.SecureMemberSealed));
            net.Say(small, "1");
            net.Say(small, "2");
            var e = Assert.Throws<SendBufferFullException>(() => net.Say(small, "3"));
            Assert.Equal("The send buffer is full (2 messages, 2 bytes waiting for the relay).", e.Message);
            Assert.Equal((2, 2L), (small.Member.SendBufferMessages, small.Member.SendBufferBytes));
        }

        // ------------------------------------------------------------------ content

        [Fact]
        public void FilesAndBytesArriveWithTheirContentInOrder()
        {
            var (net, a, b, _) = Three(Net());
            byte[] fileBytes = Enumerable.Range(0, 3000).Select(i => (byte)(i * 7)).ToArray();
            SentMessage? file = null;
            net.Do(a, (m, o) => file = m.Send(MessageContent.FromFile("notes.bin", fileBytes), net.Clock.Now, o));
            net.Do(a, (m, o) => m.Send(MessageContent.FromData(new byte[] { 0, 1, 255 }), net.Clock.Now, o));
            net.Do(a, (m, o) => m.Send(MessageContent.FromFile("empty.txt", Array.Empty<byte>()), net.Clock.Now, o));
            net.Pump();
            Assert.Equal(MessageContentKind.File, file!.Kind);
            Assert.Equal(3, file.Fragments);

            var received = b.Messages.Select(m => m.Content!).ToList();
            Assert.Equal(new[] { MessageContentKind.File, MessageContentKind.Data, MessageContentKind.File }, received.Select(r => r.Kind));
            Assert.Equal("notes.bin", received[0].FileName);
            Assert.Equal(fileBytes, received[0].Bytes);
            Assert.Equal(SHA256.HashData(fileBytes), received[0].Sha256);
            Assert.Equal(new byte[] { 0, 1, 255 }, received[1].Bytes);
            Assert.Empty(received[2].Bytes);
            Assert.Equal("empty.txt", received[2].FileName);
            Assert.Equal(3, a.Member.MessagesAcknowledged);
        }

        [Theory]
        [InlineData("../../etc/passwd", false, "BadFileName")]
        [InlineData("fine.txt", true, "BadFileHash")]
        public void AFileThatDoesNotCheckIsDroppedAndReportedAsAGap(string name, bool corruptDigest, string drop)
        {
            var (net, a, b, _) = Three(Net());
            byte[] data = Encoding.UTF8.GetBytes("payload");
            byte[] nameBytes = Encoding.UTF8.GetBytes(name);
            byte[] digest = SHA256.HashData(data);
            if (corruptDigest)
            {
                digest[0] ^= 1;
            }

            byte[] wire = new byte[] { 0, (byte)nameBytes.Length }.Concat(nameBytes).Concat(digest).Concat(data).ToArray();

            // a's own software is broken or hostile: the relay forwards any file, the members check it.
            net.Inject(a.Member.SealToRelayForTests(SecureMemberKind.Data, SecureCodec.MemberDataBody(0, 77, 0, 1, SecureCodec.ContentFile, wire, 0, wire.Length)), a.Member.Self);
            net.Pump();
            Assert.Empty(b.Messages);
            Assert.Equal(1, b.Member.Drops[drop]);
            MemberEvent gap = Assert.Single(b.Gaps);
            Assert.Equal(a.Member.Identity!.Id, gap.Member!.Id);
            Assert.Equal(corruptDigest ? GapReasons.BadFileHash : GapReasons.BadFileName, gap.Reason);
            Assert.Equal("000000000000004d", gap.MessageId);
        }

        [Fact]
        public void SendRefusesEmptyContentAndContentOverTheLimitButTakesAnEmptyFile()
        {
            var net = Net();
            var a = net.AddMember("a", new SecureMemberOptions { MaxMessageBytes = 100 });
            net.JoinAll();
            var output = new ProtocolOutput<MemberEvent>();
            Assert.Throws<ArgumentException>(() => a.Member.Send(MessageContent.FromData(Array.Empty<byte>()), net.Clock.Now, output));
            Assert.Throws<ArgumentException>(() => a.Member.Send(MessageContent.FromData(new byte[101]), net.Clock.Now, output));

            // A file's name and digest count: 2 + 1 + 32 + 65 = 100.
            a.Member.Send(MessageContent.FromFile("f", new byte[65]), net.Clock.Now, output);
            Assert.Throws<ArgumentException>(() => a.Member.Send(MessageContent.FromFile("f", new byte[66]), net.Clock.Now, output));
            a.Member.Send(MessageContent.FromFile("f", Array.Empty<byte>()), net.Clock.Now, output);
        }

        // ------------------------------------------------------------------ attacks

        [Fact]
        public void AForgedOrReplayedGroupSealedCannotFillAHoleOrMoveTheStream()
        {
            var (net, a, b, c) = Three(Net());
            b.Member.NackDrawForTests = () => 0.99;
            List<ulong> lost = LoseNext(b);
            int before = net.Log.Count;
            net.Say(a, "one");
            net.Say(a, "two");
            ulong hole = lost.Single();
            byte[] two = RelaySent(net, before).Single(d => R(d) == hole + 1);
            var key = c.Member.CurrentGroupKey!.Value;
            long work = b.Member.Operations.PublicKeyOperations;

            // An insider (c holds the group key) seals a datagram with the missing number, signed with its own key.
            uint aId = Convert.ToUInt32(a.Member.Identity!.Id, 16);
            using (var insider = EcdsaP256PrivateKey.Generate())
            {
                net.DeliverTo(b, SecureWire.GroupSealed(key.Epoch, hole, key.Key, insider, SecureCodec.DataRecord(new SecureFragment(aId, 1, 999, 0, 1, SecureCodec.ContentText, Encoding.UTF8.GetBytes("fake")))), net.Relay.Self);
            }

            Assert.Equal(1, b.Member.Drops["BadSignature"]);

            // A replay of a number it has is refused before any cryptography; one renumbered fails its tag.
            net.DeliverTo(b, two, net.Relay.Self);
            Assert.Equal(1, b.Member.Drops["Duplicate"]);
            byte[] renumbered = (byte[])two.Clone();
            BitConverterWrite(renumbered, 9, hole);
            net.DeliverTo(b, renumbered, net.Relay.Self);
            Assert.Equal(1, b.Member.Drops["BadTag"]);

            Assert.Equal(1, b.Member.MissingDatagrams);
            Assert.Empty(b.Messages);
            Assert.Equal(work + 1, b.Member.Operations.PublicKeyOperations);

            // The real one, asked for, fills the hole.
            net.Run(0.005, 0.001);
            Assert.Equal(new[] { "one", "two" }, Texts(b));
            Assert.DoesNotContain("fake", Texts(b));
        }

        [Fact]
        public void AnInsiderCannotInjectAcksUnavailablesOrRefusals()
        {
            var (net, a, b, c) = Three(Net());
            b.Member.NackDrawForTests = () => 0.99;
            List<ulong> lost = LoseNext(b);
            net.Say(a, "one");
            net.Say(a, "two");
            ulong hole = lost.Single();

            // a has a message the relay has not acknowledged.
            net.RelayHears = (d, source) => !(source.Equals(a.Member.Self) && SecureWire.Is(d, TlvType.SecureMemberSealed));
            SentMessage pending = net.Say(a, "pending");
            net.RelayHears = null;
            uint aId = Convert.ToUInt32(a.Member.Identity!.Id, 16);
            var key = c.Member.CurrentGroupKey!.Value;
            ulong next = net.Log.Where(l => l.Source.Equals(net.Relay.Self) && FromRelay(l.Datagram)).Max(l => R(l.Datagram)) + 1;
            byte[] forged;
            using (var insider = EcdsaP256PrivateKey.Generate())
            {
                forged = SecureWire.GroupSealed(
                    key.Epoch,
                    next,
                    key.Key,
                    insider,
                    SecureCodec.UnavailableRecord(new SecureSequenceRange(hole, 1)),
                    SecureCodec.AckRecord(aId, 3),
                    SecureCodec.RefusedRecord(aId, Convert.ToUInt64(pending.MessageId, 16), SecureRefusedReason.TooLarge));
            }

            net.DeliverTo(a, forged, net.Relay.Self);
            net.DeliverTo(b, forged, net.Relay.Self);
            Assert.Equal(1, a.Member.Drops["BadSignature"]);
            Assert.Equal(1, b.Member.Drops["BadSignature"]);

            // Nothing given up at b, nothing acknowledged or failed at a.
            Assert.Equal(0, b.Member.RepairsGivenUp);
            Assert.Equal(1, b.Member.MissingDatagrams);
            Assert.Empty(b.Gaps);
            Assert.Equal(0, a.Member.GetSendProgress(pending.MessageId)!.FragmentsAcknowledged);
            Assert.DoesNotContain(a.Events, e => e.MessageId == pending.MessageId && e.Kind != MemberEventKind.MessageSent);

            net.Run(0.2, 0.005);
            Assert.Equal(new[] { "one", "two", "pending" }, Texts(b));
            Assert.Contains(a.Events, e => e.MessageId == pending.MessageId && e.Kind == MemberEventKind.MessageAcknowledged);
        }

        [Fact]
        public void ANackIsSealedSoNobodyCanAskInAMembersName()
        {
            var (net, a, b, c) = Three(Net());
            b.Member.NackDrawForTests = () => 0;
            LoseNext(b);
            net.Say(a, "one");
            net.Say(a, "two");
            net.RelayHears = (d, source) => !source.Equals(b.Member.Self);
            int before = net.Log.Count;
            net.Do(b, (m, o) => m.Tick(net.Clock.Now, o));
            net.Pump();
            byte[] nack = Assert.Single(SentBy(net, b, before));
            net.RelayHears = null;

            // c seals a Nack of its own and puts b's member id on it: the relay opens it with b's key.
            byte[] inBName = c.Member.SealToRelayForTests(SecureMemberKind.Nack, SecureCodec.NackBody(new[] { new SecureSequenceRange(1, 1) }));
            Array.Copy(nack, 5, inBName, 5, 4);
            long badTag = net.Relay.Drops["BadTag"];
            net.DeliverToRelay(inBName, c.Member.Self);
            Assert.Equal(badTag + 1, net.Relay.Drops["BadTag"]);

            // b's own Nack, delivered twice: the second is a replay.
            Assert.NotEmpty(net.DeliverToRelay(nack, b.Member.Self).Datagrams);
            long replay = net.Relay.Drops["Replay"];
            Assert.Empty(net.DeliverToRelay(nack, b.Member.Self).Datagrams);
            Assert.Equal(replay + 1, net.Relay.Drops["Replay"]);
            Assert.Equal(1, net.Relay.RepairsSent);
        }

        // ------------------------------------------------------------------ settings

        [Fact]
        public void TheMembersDefaultsAreTheContracts()
        {
            var o = new SecureMemberOptions();
            Assert.Equal(
                (64 * 1024 * 1024, 8192, 8192, 16L * 1024 * 1024, TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5)),
                (o.MaxMessageBytes, o.ReceiveWindow, o.HoldLimit, o.HoldBytes, o.NackDelay, o.NackRetry, o.NackRetryMax, o.RepairTimeout));
            Assert.Equal(
                (256, 1024, 256L * 1024 * 1024, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), 256L * 1024 * 1024),
                (o.SendWindow, o.SendBufferMessages, o.SendBufferBytes, o.InitialRetransmit, o.MinRetransmit, o.MaxRetransmit, o.AckTimeout, o.ReassemblyBytes));
        }

        [Theory]
        [InlineData("ReceiveWindow")]
        [InlineData("HoldLimit")]
        [InlineData("HoldBytes")]
        [InlineData("NackDelay")]
        [InlineData("NackRetry")]
        [InlineData("NackRetryMax")]
        [InlineData("RepairTimeout")]
        [InlineData("SendWindow")]
        [InlineData("SendBufferMessages")]
        [InlineData("SendBufferBytes")]
        [InlineData("InitialRetransmit")]
        [InlineData("AckTimeout")]
        [InlineData("ReassemblyBytes")]
        public void AnOutOfRangeReliabilitySettingIsRefusedByName(string name)
        {
            var o = new SecureMemberOptions();
            switch (name)
            {
                case "ReceiveWindow": o.ReceiveWindow = 63; break;
                case "HoldLimit": o.HoldLimit = 0; break;
                case "HoldBytes": o.HoldBytes = 0; break;
                case "NackDelay": o.NackDelay = TimeSpan.FromTicks(-1); break;
                case "NackRetry": o.NackRetry = TimeSpan.Zero; break;
                case "NackRetryMax": o.NackRetryMax = TimeSpan.FromMilliseconds(5); break;
                case "RepairTimeout": o.RepairTimeout = TimeSpan.Zero; break;
                case "SendWindow": o.SendWindow = 0; break;
                case "SendBufferMessages": o.SendBufferMessages = 0; break;
                case "SendBufferBytes": o.SendBufferBytes = 0; break;
                case "InitialRetransmit": o.InitialRetransmit = TimeSpan.FromMilliseconds(5); break;
                case "AckTimeout": o.AckTimeout = TimeSpan.Zero; break;
                case "ReassemblyBytes": o.ReassemblyBytes = 0; break;
            }

            Assert.Equal(name, Assert.Throws<ArgumentException>(() => o.Validate()).ParamName);
        }

        private static void BitConverterWrite(byte[] bytes, int at, ulong value)
        {
            for (int i = 7; i >= 0; i--)
            {
                bytes[at + i] = (byte)value;
                value >>= 8;
            }
        }

        /// <summary>The relay does not hear the first MemberSealed datagram <paramref name="from"/> sends next.</summary>
        private static void DropFirstSealedFrom(SecureNet net, SecureNet.Node from)
        {
            bool dropped = false;
            net.RelayHears = (d, source) =>
            {
                if (!dropped && source.Equals(from.Member.Self) && SecureWire.Is(d, TlvType.SecureMemberSealed))
                {
                    dropped = true;
                    return false;
                }

                return true;
            };
        }
    }
}
