using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// The relay's half of reliable delivery (docs/protocol.md, "Reliability"): each member's data
    /// stream taken in Q order and acknowledged, the retransmit buffer and its repairs, and the tail
    /// heartbeats; with the attacks a member or an outsider can try on each.
    /// </summary>
    public class SecureRelayReliabilityTests : IDisposable
    {
        private readonly List<RelayBench> benches = new List<RelayBench>();

        public void Dispose()
        {
            foreach (RelayBench b in benches)
            {
                b.Dispose();
            }
        }

        // ------------------------------------------------------------------ the member's stream (Q)

        [Fact]
        public void FragmentsInOrderAreForwardedWithTheirQAndAnAckFollowsThem()
        {
            var x = Bench();
            Assert.Equal(new[] { "Data a Q0 m1000 0/1", "Ack a 1" }, x.Records(x.Data(x.A, 0)));
            Assert.Equal(new[] { "Data a Q1 m1001 0/2", "Ack a 2" }, x.Records(x.Data(x.A, 1, messageId: 1001, index: 0, count: 2)));

            // Two steps before a flush share a datagram, and the second step's Ack replaces the first's.
            List<byte[]> first = x.Data(x.A, 2, messageId: 1001, index: 1, count: 2, flush: false);
            Assert.Empty(first);
            List<byte[]> both = x.Data(x.B, 0, messageId: 7);
            Assert.Equal(new[] { "Data a Q2 m1001 1/2", "Ack a 3", "Data b Q0 m7 0/1", "Ack b 1" }, x.Records(both));
            Assert.Equal(3, x.Relay.MessagesRelayed);
        }

        [Fact]
        public void AnAckInTheBatchIsReplacedByTheNextRecordsOfItsMember()
        {
            var x = Bench();
            x.Data(x.A, 0, flush: false);
            List<byte[]> out2 = x.Data(x.A, 1, messageId: 1001, flush: true);
            Assert.Equal(new[] { "Data a Q0 m1000 0/1", "Data a Q1 m1001 0/1", "Ack a 2" }, x.Records(out2));
        }

        [Fact]
        public void FragmentsThatComeEarlyAreHeldAndForwardedStrictlyInQOrder()
        {
            var x = Bench();
            Assert.Equal(new[] { "Ack a 0" }, x.Records(x.Data(x.A, 2, messageId: 1002)));
            Assert.Equal(1, x.Relay.HeldFragments);

            // A second early fragment within 10 ms: held, its Ack (which says the same) not sent again.
            x.Advance(5);
            Assert.Empty(x.Data(x.A, 1, messageId: 1001));
            Assert.Equal((2, 2L), (x.Relay.HeldFragments, x.Relay.HeldBytes));

            x.Advance(1);
            Assert.Equal(
                new[] { "Data a Q0 m1000 0/1", "Data a Q1 m1001 0/1", "Data a Q2 m1002 0/1", "Ack a 3" },
                x.Records(x.Data(x.A, 0, messageId: 1000)));
            Assert.Equal((0, 0L), (x.Relay.HeldFragments, x.Relay.HeldBytes));
            Assert.Equal(3, x.Relay.MessagesRelayed);
        }

        [Fact]
        public void AnEarlyFragmentIsAnsweredWithTheAckOfWhatIsStillAwaitedAtMostOnceEvery10Ms()
        {
            var x = Bench();
            Assert.Equal(new[] { "Ack a 0" }, x.Records(x.Data(x.A, 1)));
            x.Advance(9.9);
            Assert.Empty(x.Data(x.A, 2));
            x.Advance(0.1);
            Assert.Equal(new[] { "Ack a 0" }, x.Records(x.Data(x.A, 3)));
        }

        [Fact]
        public void AnEarlyFragmentThatShowsANewMissingFragmentIsAnsweredAtOnceWithinThe10Ms()
        {
            // Two losses close together: the member learns of the second as soon as the relay sees it.
            var x = Bench();
            Assert.Equal(new[] { "Ack a 0" }, x.Records(x.Data(x.A, 1)));
            x.Advance(1);
            Assert.Equal(new[] { "Data a Q0 m1000 0/1", "Data a Q1 m1000 0/1", "Ack a 2" }, x.Records(x.Data(x.A, 0)));
            x.Advance(1);
            Assert.Equal(new[] { "Ack a 2" }, x.Records(x.Data(x.A, 3)));

            // More early fragments for the same hole, an early one again, and a duplicate: within the 10 ms, nothing.
            x.Advance(1);
            Assert.Empty(x.Data(x.A, 4));
            Assert.Empty(x.Data(x.A, 3));
            Assert.Empty(x.Data(x.A, 0));
            x.Advance(8.9);
            Assert.Empty(x.Data(x.A, 5));
            x.Advance(0.1);
            Assert.Equal(new[] { "Ack a 2" }, x.Records(x.Data(x.A, 6)));
        }

        [Fact]
        public void AFragmentOutsideTheMembersWindowChangesNothingAndIsNotAcked()
        {
            var x = Bench(new SecureRelayOptions { MemberWindow = 4 });
            Assert.Empty(x.Data(x.A, 4, messageId: 1004));
            Assert.Empty(x.Data(x.A, ulong.MaxValue, messageId: 9));
            Assert.Equal(2, x.Relay.Drops["WindowExceeded"]);
            Assert.Equal(0, x.Relay.HeldFragments);

            Assert.Equal(new[] { "Ack a 0" }, x.Records(x.Data(x.A, 3, messageId: 1003)));
            x.Data(x.A, 1, messageId: 1001);
            x.Data(x.A, 2, messageId: 1002);
            Assert.Equal(
                new[] { "Data a Q0 m1000 0/1", "Data a Q1 m1001 0/1", "Data a Q2 m1002 0/1", "Data a Q3 m1003 0/1", "Ack a 4" },
                x.Records(x.Data(x.A, 0)));

            // Q 4 was never taken: sent again, it is the next.
            Assert.Equal(new[] { "Data a Q4 m1004 0/1", "Ack a 5" }, x.Records(x.Data(x.A, 4, messageId: 1004)));
        }

        [Fact]
        public void AnOldDataSentAgainIsADuplicateNeverForwardedTwiceAndIsAnsweredWithTheAckAtMostEvery10Ms()
        {
            var x = Bench();
            byte[] original = x.DataDatagram(x.A, 0);
            Assert.Equal(new[] { "Data a Q0 m1000 0/1", "Ack a 1" }, x.Records(x.Deliver(original)));

            // The very datagram again (a replay by anyone on the link): its S was seen.
            Assert.Empty(x.Deliver(original));
            Assert.Equal(1, x.Relay.Drops["Replay"]);

            // Sealed again (a retransmission whose Ack was lost, or a member replaying its own): Duplicate and the Ack again.
            Assert.Equal(new[] { "Ack a 1" }, x.Records(x.Data(x.A, 0)));
            x.Advance(3);
            Assert.Empty(x.Data(x.A, 0));
            x.Advance(7);
            Assert.Equal(new[] { "Ack a 1" }, x.Records(x.Data(x.A, 0)));
            Assert.Equal(3, x.Relay.Drops["Duplicate"]);

            // An early fragment sent twice is a duplicate too, held once.
            x.Advance(10);
            x.Data(x.A, 2);
            x.Advance(10);
            x.Data(x.A, 2);
            Assert.Equal(4, x.Relay.Drops["Duplicate"]);
            Assert.Equal(1, x.Relay.HeldFragments);
            Assert.Equal(1, x.Relay.MessagesRelayed);
        }

        [Fact]
        public void AnUnsupportedContentTypeIsRefusedOnceItsQConsumedAndNothingForwarded()
        {
            var x = Bench();
            Assert.Equal(new[] { "Refused a m1000 UnsupportedContent", "Ack a 1" }, x.Records(x.Data(x.A, 0, contentType: 0x09)));
            Assert.Equal(1, x.Relay.Drops["UnsupportedContent"]);

            // Every content type defined is forwarded.
            Assert.Equal(new[] { "Data a Q1 m1001 0/1", "Ack a 2" }, x.Records(x.Data(x.A, 1, messageId: 1001, contentType: SecureCodec.ContentData)));
            Assert.Equal(new[] { "Data a Q2 m1002 0/1", "Ack a 3" }, x.Records(x.Data(x.A, 2, messageId: 1002, contentType: SecureCodec.ContentFile)));
        }

        [Fact]
        public void AMessageTooLargeIsRefusedOncePerMessageIdAndEveryFragmentOfItDropped()
        {
            var x = Bench(new SecureRelayOptions { MaxMessageBytes = 2000 });

            // Three fragments of 1,000 bytes: at least 2,001 bytes. The last alone would fit; it goes too.
            Assert.Equal(new[] { "Refused a m50 TooLarge", "Ack a 1" }, x.Records(x.Data(x.A, 0, messageId: 50, index: 0, count: 3, length: 1000)));
            Assert.Equal(new[] { "Ack a 2" }, x.Records(x.Data(x.A, 1, messageId: 50, index: 1, count: 3, length: 1000)));
            Assert.Equal(new[] { "Ack a 3" }, x.Records(x.Data(x.A, 2, messageId: 50, index: 2, count: 3, length: 10)));
            Assert.Equal(3, x.Relay.Drops["MessageTooLarge"]);

            // More fragments than any message of MaxMessageBytes may have.
            Assert.Equal(new[] { "Refused a m51 TooLarge", "Ack a 4" }, x.Records(x.Data(x.A, 3, messageId: 51, index: 0, count: SecureCodec.MaxFragmentsFor(2000) + 1)));

            // The next message is taken as usual.
            Assert.Equal(new[] { "Data a Q4 m52 0/1", "Ack a 5" }, x.Records(x.Data(x.A, 4, messageId: 52)));
            Assert.Equal(1, x.Relay.MessagesRelayed);
        }

        [Fact]
        public void AFragmentLargerThanTheRelaysDatagramsIsRefusedAndItsQConsumed()
        {
            var x = Bench(new SecureRelayOptions { MaxDatagramBytes = 600 });
            int capacity = SecureCodec.FragmentCapacity(600);
            Assert.Equal(new[] { "Refused a m1000 TooLarge", "Ack a 1" }, x.Records(x.Data(x.A, 0, length: capacity + 1)));
            Assert.Equal(1, x.Relay.Drops["FragmentTooLarge"]);
            Assert.Equal(new[] { "Data a Q1 m1001 0/1", "Ack a 2" }, x.Records(x.Data(x.A, 1, messageId: 1001, length: capacity)));
        }

        [Fact]
        public void EarlyFragmentsOfAllMembersTogetherStayWithinHoldBytes()
        {
            var x = Bench(new SecureRelayOptions { HoldBytes = 100 });
            x.Data(x.A, 1, messageId: 1001, length: 60);
            x.Data(x.B, 1, messageId: 2001, length: 40);
            Assert.Equal((2, 100L), (x.Relay.HeldFragments, x.Relay.HeldBytes));

            x.Advance(20);
            Assert.Empty(x.Data(x.A, 2, messageId: 1002, length: 1));
            Assert.Equal(1, x.Relay.Drops["HoldLimit"]);

            // What was held goes on; what was not is sent again by its member and taken then.
            Assert.Equal(new[] { "Data a Q0 m1000 0/1", "Data a Q1 m1001 0/1", "Ack a 2" }, x.Records(x.Data(x.A, 0)));
            Assert.Equal(new[] { "Data a Q2 m1002 0/1", "Ack a 3" }, x.Records(x.Data(x.A, 2, messageId: 1002)));
            Assert.Equal(40L, x.Relay.HeldBytes);
        }

        [Fact]
        public void AMemberThatLeavesTakesItsHeldFragmentsWithIt()
        {
            var x = Bench();
            x.Data(x.A, 5, length: 30);
            Assert.Equal(30L, x.Relay.HeldBytes);
            x.Deliver(x.Sealed(x.A, SecureMemberKind.Leave, Array.Empty<byte>()));
            Assert.Equal((0, 0L), (x.Relay.HeldFragments, x.Relay.HeldBytes));
        }

        // ------------------------------------------------------------------ the retransmit buffer and Nacks

        [Fact]
        public void ARepairIsTheStoredDatagramByteForByteInAscendingROnceAndNothingIsSigned()
        {
            var x = Bench();
            var sent = new Dictionary<ulong, byte[]>();
            for (ulong q = 0; q < 5; q++)
            {
                foreach (byte[] d in x.Data(x.A, q, messageId: 1000 + q))
                {
                    sent[SecureWire.SequenceOf(d)] = d;
                }
            }

            ulong latest = sent.Keys.Max();
            long signatures = x.Relay.Operations.Signatures;
            List<byte[]> repairs = x.Nack(x.B, (latest - 3, 2), (latest, 1));
            Assert.Equal(new[] { sent[latest - 3], sent[latest - 2], sent[latest] }, repairs);
            Assert.Equal(signatures, x.Relay.Operations.Signatures);
            Assert.Equal((1L, 3L), (x.Relay.NacksReceived, x.Relay.RepairsSent));

            // A repair does not go through the batch: it goes out at once, ahead of records that wait there.
            x.Advance(5);
            x.Data(x.A, 5, messageId: 2000, flush: false);
            List<byte[]> both = x.Nack(x.A, (latest, 1));
            Assert.Equal(2, both.Count);
            Assert.Equal(sent[latest], both[0]);
            Assert.Equal(new[] { "Data a Q5 m2000 0/1", "Ack a 6" }, x.Records(both.Skip(1)));
        }

        [Fact]
        public void EveryRekeyIsKeptAndRepairedToo()
        {
            var x = Bench();
            List<byte[]> rekeys = SecureWire.Of(x.Net.Log, TlvType.SecureRekey, x.Relay.Self);
            byte[] last = rekeys.Last();
            List<byte[]> repairs = x.Nack(x.A, (SecureWire.SequenceOf(last), 1));
            Assert.Equal(new[] { last }, repairs);
        }

        [Fact]
        public void ARepairAskedTwiceWithinTheHoldoffIsSentOnceWhoeverAsks()
        {
            var x = Bench();
            ulong r = SecureWire.SequenceOf(x.Data(x.A, 0).Single());
            Assert.Single(x.Nack(x.A, (r, 1)));
            x.Advance(4.9);
            Assert.Empty(x.Nack(x.B, (r, 1)));
            Assert.Empty(x.Nack(x.A, (r, 1)));
            Assert.Equal(2, x.Relay.RepairsSuppressed);
            x.Advance(0.1);
            Assert.Single(x.Nack(x.B, (r, 1)));
            Assert.Equal(2, x.Relay.RepairsSent);
        }

        [Fact]
        public void WhatTheBufferLetGoIsReportedUnavailableMergedAndOncePerHoldoff()
        {
            var x = Bench(new SecureRelayOptions { RetransmitBufferSize = 3 });
            var rs = new List<ulong>();
            for (ulong q = 0; q < 6; q++)
            {
                rs.Add(SecureWire.SequenceOf(x.Data(x.A, q, messageId: 1000 + q).Single()));
            }

            Assert.Equal(3, x.Relay.RetransmitBufferCount);
            long evicted = x.Relay.RetransmitEvicted;
            Assert.True(evicted >= 3);

            // Asked for the first four of the six: three are gone (one range), one is still held.
            List<byte[]> answer = x.Nack(x.B, (rs[0], 4));
            Assert.Single(answer);
            Assert.Equal(rs[3], SecureWire.SequenceOf(answer[0]));
            List<string> records = x.Records(x.Flush());
            Assert.Equal(new[] { "Unavailable " + rs[0] + ".." + rs[2] }, records);
            Assert.Equal(3, x.Relay.RepairsUnavailable);

            // Within the hold-off, the same numbers are not reported again; the number before them is.
            x.Advance(2);
            Assert.Empty(x.Nack(x.A, (rs[0] - 1, 3)));
            Assert.Equal(new[] { "Unavailable " + (rs[0] - 1) + ".." + (rs[0] - 1) }, x.Records(x.Flush()));

            x.Advance(5);
            x.Nack(x.A, (rs[1], 1));
            Assert.Equal(new[] { "Unavailable " + rs[1] + ".." + rs[1] }, x.Records(x.Flush()));
            Assert.Equal(5, x.Relay.RepairsUnavailable);
        }

        [Fact]
        public void TheBufferIsBoundedInBytesToo()
        {
            var x = Bench(new SecureRelayOptions { RetransmitBufferBytes = 1400 });
            for (ulong q = 0; q < 4; q++)
            {
                x.Data(x.A, q, messageId: 1000 + q, length: 1000);
            }

            Assert.Equal(1, x.Relay.RetransmitBufferCount);
            Assert.True(x.Relay.RetransmitBufferBytes <= 1400);
        }

        [Fact]
        public void ANackFloodIsCutAtNacksPerSecondPerMember()
        {
            var x = Bench(new SecureRelayOptions { NacksPerSecond = 3 });
            ulong r = SecureWire.SequenceOf(x.Data(x.A, 0).Single());
            for (int i = 0; i < 3; i++)
            {
                x.Nack(x.A, (r, 1));
            }

            Assert.Empty(x.Nack(x.A, (r, 1)));
            Assert.Empty(x.Nack(x.A, (0, 1)));
            Assert.Equal(2, x.Relay.Drops["NackRateLimited"]);
            Assert.Equal(3, x.Relay.NacksReceived);

            // Another member's budget is its own.
            x.Nack(x.B, (r, 1));
            Assert.Equal(4, x.Relay.NacksReceived);

            x.Advance(1000);
            Assert.Single(x.Nack(x.A, (r, 1)));
            Assert.Equal(5, x.Relay.NacksReceived);
        }

        [Fact]
        public void OneMembersNacksMakeTheRelaySendAgainAtMostRepairsPerSecond()
        {
            // Repairs are multicast: without a budget on what is sent again, one admitted member asking
            // for the whole buffer over and over (each number once per holdoff) would make the relay
            // flood the group on its word.
            var x = Bench(new SecureRelayOptions { RepairsPerSecond = 5 });
            var rs = new List<ulong>();
            for (ulong q = 0; q < 8; q++)
            {
                rs.Add(SecureWire.SequenceOf(x.Data(x.A, q, messageId: 500 + q).Single()));
            }

            ulong first = rs.Min();
            int span = (int)(rs.Max() - first + 1);
            Assert.Equal(5, x.Nack(x.A, (first, span)).Count);
            Assert.Equal(1, x.Relay.Drops["RepairRateLimited"]);

            // Later within the same second: nothing more for a, past the holdoff too.
            x.Advance(10);
            Assert.Empty(x.Nack(x.A, (first, span)));
            Assert.Equal(2, x.Relay.Drops["RepairRateLimited"]);

            // Another member's budget is its own; a new second is a new budget.
            Assert.Equal(5, x.Nack(x.B, (first, span)).Count);
            x.Advance(1000);
            Assert.Equal(5, x.Nack(x.A, (first, span)).Count);
            Assert.Equal(15, x.Relay.RepairsSent);
        }

        [Fact]
        public void ANackForNumbersNeverSentIsMalformedAndNumbersPastTheLatestAreIgnored()
        {
            var x = Bench();
            ulong latest = SecureWire.SequenceOf(x.Data(x.A, 0).Single());
            Assert.Empty(x.Nack(x.A, (latest + 1, 5)));
            Assert.Empty(x.Nack(x.A, (ulong.MaxValue - 10, 11)));
            Assert.Equal(2, x.Relay.Drops["MalformedRecord"]);
            Assert.Equal(0, x.Relay.NacksReceived);

            // A range that starts at the latest and runs on: the latest only.
            List<byte[]> repairs = x.Nack(x.A, (latest, 100), (latest + 1000, 1));
            Assert.Equal(latest, SecureWire.SequenceOf(Assert.Single(repairs)));
            Assert.Empty(x.Flush());
        }

        [Fact]
        public void ANackFromAnOutsiderOrForgedInAMembersNameRepairsNothing()
        {
            var x = Bench();
            ulong latest = SecureWire.SequenceOf(x.Data(x.A, 0).Single());
            long repairs = x.Relay.RepairsSent;

            // Not a member: a made-up id.
            byte[] header = SecureCodec.SealedHeader(0x0bad0bad, 0);
            Assert.Empty(x.Deliver(SecureCodec.Datagram(TlvType.SecureMemberSealed, header, new byte[40])));
            Assert.Equal(1, x.Relay.Drops["UnknownMember"]);

            // a's own Nack with a bit flipped; and a Nack b seals with its own key and puts a's member id on
            // (its S made higher than any of a's first, so that a's replay window does not stop it before the tag).
            byte[] flipped = SecureWire.Flip(x.NackDatagram(x.A, (latest, 1)), 20, 3);
            Assert.Empty(x.Deliver(flipped, flush: false));
            for (int i = 0; i < 8; i++)
            {
                x.Sealed(x.B, SecureMemberKind.KeepAlive, Array.Empty<byte>());
            }

            byte[] inAsName = x.NackDatagram(x.B, (latest, 1));
            byte[] aId = { (byte)(x.AId >> 24), (byte)(x.AId >> 16), (byte)(x.AId >> 8), (byte)x.AId };
            Buffer.BlockCopy(aId, 0, inAsName, 5, 4);
            Assert.Empty(x.Deliver(inAsName, flush: false));
            Assert.Equal(2, x.Relay.Drops["BadTag"]);
            Assert.Equal(repairs, x.Relay.RepairsSent);
            Assert.Equal(0, x.Relay.NacksReceived);
        }

        [Fact]
        public void ANackFromAHandshakeThatHasNotJoinedIsNotJoined()
        {
            var x = Bench();
            ulong latest = SecureWire.SequenceOf(x.Data(x.A, 0).Single());
            var c = x.Net.AddMember("c");
            x.Net.Deliver = (d, s) => !(SecureWire.Is(d, TlvType.SecureMemberSealed) && s.Equals(c.Member.Self));
            x.Net.Do(c, (m, o) => m.Start(x.Now, o));
            x.Net.Pump();
            x.Net.Deliver = null;
            Assert.Equal(MemberState.Joining, c.Member.State);

            var output = new ProtocolOutput<RelayEvent>();
            x.Relay.Receive(c.Member.SealToRelayForTests(SecureMemberKind.Nack, SecureCodec.NackBody(new[] { new SecureSequenceRange(latest, 1) })), c.Member.Self, x.Now, output);
            Assert.Empty(output.Datagrams);
            Assert.Equal(1, x.Relay.Drops["NotJoined"]);
        }

        [Fact]
        public void OneNackRepairsAtMost1024Numbers()
        {
            var x = Bench();
            ulong first = 0;
            ulong latest = 0;
            for (ulong q = 0; q < 1100; q++)
            {
                latest = SecureWire.SequenceOf(x.Data(x.A, q, messageId: q).Single());
                if (q == 0)
                {
                    first = latest;
                }
            }

            List<byte[]> repairs = x.Nack(x.B, (first, 1000), (first + 1001, 99));
            Assert.Equal(1024, repairs.Count);
            Assert.Equal(first + 1024, SecureWire.SequenceOf(repairs.Last()));
            Assert.True(repairs.Select(SecureWire.SequenceOf).SequenceEqual(repairs.Select(SecureWire.SequenceOf).OrderBy(r => r)));
        }

        [Fact]
        public void TheRetransmitBufferHoldsConsecutiveNumbersWithinBothBoundsOldestOutFirst()
        {
            var buffer = new RetransmitBuffer(3, 100);
            Assert.Null(buffer.Latest);
            Assert.Null(buffer.Oldest);
            buffer.Add(7, new byte[10]);
            buffer.Add(8, new byte[10]);
            Assert.Throws<InvalidOperationException>(() => buffer.Add(10, new byte[1]));
            Assert.Throws<InvalidOperationException>(() => buffer.Add(8, new byte[1]));
            buffer.Add(9, new byte[10]);
            buffer.Add(10, new byte[10]);
            Assert.Equal((3, 30L, 1L, (ulong?)8, (ulong?)10), (buffer.Count, buffer.Bytes, buffer.Evicted, buffer.Oldest, buffer.Latest));
            Assert.Null(buffer.Find(7));
            Assert.NotNull(buffer.Find(8));

            // 85 bytes more: only it and the newest before it fit in 100.
            buffer.Add(11, new byte[85]);
            Assert.Equal((2, 95L, 3L, (ulong?)10), (buffer.Count, buffer.Bytes, buffer.Evicted, buffer.Oldest));
            Assert.Null(buffer.Find(12));
        }

        // ------------------------------------------------------------------ tail heartbeats and the deadline

        [Fact]
        public void AfterAGroupDatagramHeartbeatsFollowAfter10203040MsOfQuietUpToTheInterval()
        {
            // Members that never send keep-alives stay for the minute this test looks at.
            var x = Bench(new SecureRelayOptions { ClientTimeout = TimeSpan.FromMinutes(1) });
            DateTimeOffset start = x.Now;
            x.Data(x.A, 0);
            Assert.Equal(start.AddMilliseconds(10), x.Relay.NextDeadline);

            x.Advance(9);
            Assert.Empty(x.Tick());

            var beats = new List<double>();
            var records = new List<string>();
            for (int guard = 0; x.Relay.NextDeadline is DateTimeOffset due && guard < 50; guard++)
            {
                x.Advance((due - x.Now).TotalMilliseconds);
                List<byte[]> sent = x.Tick();
                records.Add(string.Join(", ", x.Records(sent)));
                beats.Add((x.Now - start).TotalMilliseconds);
            }

            Assert.Equal(new double[] { 10, 30, 70, 150, 310, 630, 1270, 2550, 5110 }, beats);
            Assert.Null(x.Relay.NextDeadline);

            // Each tail heartbeat repeats the Ack of the member whose stream moved, and so does the next
            // periodic heartbeat, which ends it: a member that lost the datagram with a quiet sender's
            // last fragment for good still learns where that sender's stream ends.
            Assert.All(records, r => Assert.Equal("Heartbeat, Ack a 1", r));
            x.Advance(5000);
            Assert.Equal(new[] { "Heartbeat", "Ack a 1" }, x.Records(x.Tick()));
            x.Advance(5000);
            Assert.Equal(new[] { "Heartbeat" }, x.Records(x.Tick()));
        }

        [Fact]
        public void HeartbeatsRepeatTheAcksOfEveryMemberWhoseStreamMovedAndDoNotRestartTheTail()
        {
            var x = Bench();
            DateTimeOffset start = x.Now;
            x.Data(x.A, 0);
            x.Data(x.B, 0);
            x.Advance(10);
            Assert.Equal(new[] { "Heartbeat", "Ack a 1", "Ack b 1" }, x.Records(x.Tick()));
            Assert.Equal(start.AddMilliseconds(30), x.Relay.NextDeadline);
        }

        [Fact]
        public void NewTrafficRestartsTheTailHeartbeatsAndARepairDoesNot()
        {
            var x = Bench();
            DateTimeOffset start = x.Now;
            ulong r = SecureWire.SequenceOf(x.Data(x.A, 0).Single());
            x.Advance(10);
            x.Tick();
            Assert.Equal(start.AddMilliseconds(30), x.Relay.NextDeadline);

            x.Advance(5);
            Assert.Single(x.Nack(x.B, (r, 1)));
            Assert.Equal(start.AddMilliseconds(30), x.Relay.NextDeadline);

            x.Data(x.A, 1, messageId: 1001);
            Assert.Equal(start.AddMilliseconds(25), x.Relay.NextDeadline);
        }

        [Fact]
        public void ARelayWithoutMembersHasNoDeadline()
        {
            using var net = new SecureNet();
            Assert.Null(net.Relay.NextDeadline);
            var x = Bench();
            x.Data(x.A, 0);
            Assert.NotNull(x.Relay.NextDeadline);
            x.Deliver(x.Sealed(x.A, SecureMemberKind.Leave, Array.Empty<byte>()));
            x.Deliver(x.Sealed(x.B, SecureMemberKind.Leave, Array.Empty<byte>()));
            Assert.Null(x.Relay.NextDeadline);
        }

        [Fact]
        public void TheNewOptionsAreValidated()
        {
            new SecureRelayOptions().Validate();
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { RetransmitBufferSize = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { RetransmitBufferSize = 1048577 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { RetransmitBufferBytes = 1399 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { MemberWindow = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { HoldBytes = -1 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { NacksPerSecond = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { RepairHoldoff = TimeSpan.FromMilliseconds(-1) }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { TailHeartbeat = TimeSpan.Zero }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { TailHeartbeat = TimeSpan.FromSeconds(5) }.Validate());
            new SecureRelayOptions { RetransmitBufferSize = 1, HoldBytes = 0, RepairHoldoff = TimeSpan.Zero, MemberWindow = 65536 }.Validate();
        }

        [Fact]
        public void TheNewDefaultsAreTheContracts()
        {
            var o = new SecureRelayOptions();
            Assert.Equal(
                (8192, 16 * 1024 * 1024, 256, 32 * 1024 * 1024, 200, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(10), 64 * 1024 * 1024),
                (o.RetransmitBufferSize, o.RetransmitBufferBytes, o.MemberWindow, o.HoldBytes, o.NacksPerSecond, o.RepairHoldoff, o.TailHeartbeat, o.MaxMessageBytes));
            Assert.Equal(1024, SecureDefaults.MaxRepairsPerNack);
            Assert.Equal(TimeSpan.FromMilliseconds(10), SecureDefaults.DuplicateAckInterval);
        }

        private RelayBench Bench(SecureRelayOptions? options = null)
        {
            var bench = new RelayBench(options);
            benches.Add(bench);
            return bench;
        }
    }
}
