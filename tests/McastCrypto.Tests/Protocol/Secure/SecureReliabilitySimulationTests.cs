using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using Xunit;
using Xunit.Abstractions;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// One relay and four members over a network that loses 10% of the datagrams each way, duplicates
    /// and reorders them (seeded, on a fake clock): three members send a few hundred messages of mixed
    /// kinds and sizes, some of many fragments. Everything must arrive exactly once, in order per
    /// sender, with no Gap; and with a relay that can repair almost nothing, every loss must be a Gap
    /// in its place, never silent.
    /// </summary>
    public class SecureReliabilitySimulationTests
    {
        private const int Senders = 3;
        private const int MessagesPerSender = 100;

        private readonly ITestOutputHelper log;

        public SecureReliabilitySimulationTests(ITestOutputHelper log)
        {
            this.log = log;
        }

        [Theory]
        [InlineData(20261124)]
        [InlineData(7)]
        [InlineData(1)]
        public void EveryMessageArrivesOnceInOrderThroughALossyDuplicatingReorderingNetwork(int seed)
        {
            using var group = new LossyGroup(seed, 4);
            group.JoinAll(TimeSpan.FromSeconds(10));
            group.Loss = 0.10;
            group.Duplication = 0.03;
            DateTimeOffset start = group.Clock.Now;
            Schedule(group, new Random(seed), start);

            group.RunUntil(() => AllAcknowledged(group) && AllDelivered(group), TimeSpan.FromSeconds(60));
            Report(group, start);
            Assert.True(AllAcknowledged(group) && AllDelivered(group), "not done in 60 s of protocol time");

            // A second more, for the last heartbeats' holes to be filled: then nothing is left anywhere.
            group.RunUntil(() => false, TimeSpan.FromSeconds(1));

            Assert.True(group.DatagramsLost > 500, "the network lost " + group.DatagramsLost);
            Assert.True(group.DatagramsDuplicated > 100, "the network duplicated " + group.DatagramsDuplicated);
            foreach (LossyGroup.Node receiver in group.Members)
            {
                Assert.Equal(MemberState.Connected, receiver.Member.State);
                Assert.DoesNotContain(receiver.Events, e => e.Kind == MemberEventKind.Gap || e.Kind == MemberEventKind.MessageFailed);
                Assert.Equal(
                    new[] { MemberState.AwaitingRelayKey, MemberState.Joining, MemberState.Connected },
                    receiver.Events.Where(e => e.Kind == MemberEventKind.StateChanged).Select(e => e.State));
                foreach (LossyGroup.Node sender in group.Members.Take(Senders).Where(s => s != receiver))
                {
                    var got = receiver.From(sender);
                    Assert.Equal(sender.Sent.Select(m => m.MessageId), got.Select(e => e.MessageId));
                    for (int i = 0; i < got.Count; i++)
                    {
                        MessageContent sent = sender.Sent[i].Content;
                        MessageContent received = got[i].Content!;
                        Assert.Equal(sent.Kind, received.Kind);
                        Assert.Equal(sent.Bytes, received.Bytes);
                        Assert.Equal(sent.FileName, received.FileName);
                    }
                }
            }

            // The losses were real and were repaired, both ways.
            Assert.True(group.Relay.RepairsSent > 0);
            Assert.True(group.Members.Sum(m => m.Member.NacksSent) > 0);
            Assert.True(group.Members.Sum(m => m.Member.Retransmissions) > 0);
            Assert.True(group.Members.Sum(m => m.Member.Drops["Duplicate"]) > 0);
            Assert.Equal(0, group.Members.Sum(m => m.Member.RepairsGivenUp));
            Assert.All(group.Members, m => Assert.Equal((0, 0L, 0, 0L), (m.Member.HeldDatagrams, m.Member.ReassemblyBytes, m.Member.SendBufferMessages, m.Member.MissingDatagrams)));
        }

        [Theory]
        [InlineData(4242)]
        [InlineData(11)]
        public void WithARelayThatCanHardlyRepairEveryLossIsAGapInItsPlaceNeverSilent(int seed)
        {
            using var group = new LossyGroup(seed, 4, new SecureRelayOptions { RetransmitBufferSize = 2 });
            group.JoinAll(TimeSpan.FromSeconds(10));
            group.Loss = 0.10;
            group.Duplication = 0.03;
            DateTimeOffset start = group.Clock.Now;
            Schedule(group, new Random(seed), start);

            // Until every message is acknowledged, then long enough for every hole to be repaired or given up.
            group.RunUntil(() => AllAcknowledged(group), TimeSpan.FromSeconds(60));
            Assert.True(AllAcknowledged(group));
            group.RunUntil(() => false, SecureDefaults.RepairTimeout + TimeSpan.FromSeconds(2));

            // A sender's fragments lost for good show at its next record (Data or Ack): the last datagram
            // of a sender that then stays quiet is counted (RepairsGivenUp) but named only once the
            // sender's stream moves again. So each sender says three more words, and then every one
            // of the messages before them must be delivered or named.
            for (int closing = 0; closing < 3; closing++)
            {
                for (int sender = 0; sender < Senders; sender++)
                {
                    group.Schedule(group.Clock.Now + TimeSpan.FromMilliseconds(100 * (closing + 1)), sender, MessageContent.FromText("closing " + closing));
                }
            }

            group.RunUntil(() => false, SecureDefaults.RepairTimeout + TimeSpan.FromSeconds(2));
            Report(group, start);
            Assert.True(AllAcknowledged(group));

            long gaps = 0;
            foreach (LossyGroup.Node receiver in group.Members)
            {
                Assert.Equal(MemberState.Connected, receiver.Member.State);
                Assert.Equal(0, receiver.Member.MissingDatagrams);
                foreach (LossyGroup.Node sender in group.Members.Take(Senders).Where(s => s != receiver))
                {
                    gaps += AssertEveryMessageDeliveredOrAccountedFor(sender, receiver, MessagesPerSender);
                }
            }

            Assert.True(gaps > 10, "gaps " + gaps);
            Assert.True(group.Relay.RepairsUnavailable > 0);
            Assert.DoesNotContain(group.Members.SelectMany(m => m.Events), e => e.Kind == MemberEventKind.MessageFailed);
        }

        /// <summary>
        /// Walks the sender's messages in order against what the receiver reported from it: each is
        /// delivered (exactly once, in its place) or named by a Gap reported in its place (a Gap with a
        /// first message id and a count), or lies before the first message delivered after a Gap that
        /// could not count (a sender whose position was not known yet). Returns the Gaps seen.
        /// </summary>
        private static int AssertEveryMessageDeliveredOrAccountedFor(LossyGroup.Node sender, LossyGroup.Node receiver, int messages)
        {
            List<MemberEvent> reported = receiver.From(sender);
            string Trace() => string.Join(" ", reported.Select(x => x.Kind == MemberEventKind.Message ? x.MessageId!.Substring(13) : "[gap " + (x.MessageId?.Substring(13) ?? "?") + "+" + x.LostMessages + "/" + x.LostFragments + " " + x.Reason + "]"));
            var ids = sender.Sent.Select(m => Convert.ToUInt64(m.MessageId, 16)).ToList();
            int next = 0;
            int gaps = 0;
            foreach (MemberEvent e in reported)
            {
                if (e.Kind == MemberEventKind.Message)
                {
                    ulong id = Convert.ToUInt64(e.MessageId, 16);
                    Assert.True(next < ids.Count && ids[next] == id, receiver + ": message " + e.MessageId + " from " + sender + " out of place (expected " + (next < ids.Count ? ids[next].ToString("x16", CultureInfo.InvariantCulture) : "none") + "): " + Trace());
                    next++;
                    continue;
                }

                gaps++;
                Assert.NotNull(e.Reason);
                if (e.MessageId is null)
                {
                    // Uncounted: the messages up to the next one named (delivered, or by a gap) are its.
                    int following = reported.IndexOf(e) + 1;
                    MemberEvent? named = reported.Skip(following).FirstOrDefault(x => x.MessageId is not null);
                    ulong until = named is null ? ulong.MaxValue : Convert.ToUInt64(named.MessageId, 16);
                    while (next < ids.Count && ids[next] < until)
                    {
                        next++;
                    }

                    continue;
                }

                ulong first = Convert.ToUInt64(e.MessageId, 16);
                Assert.True(next < ids.Count && ids[next] == first, receiver + ": a gap from " + sender + " names " + e.MessageId + ", not the next message expected, " + (next < ids.Count ? ids[next].ToString("x16", CultureInfo.InvariantCulture) : "none") + ": " + Trace());
                Assert.True(e.LostMessages >= 1);
                next += (int)Math.Min(e.LostMessages, ids.Count - next);
            }

            Assert.True(next >= messages, receiver + ": " + (messages - next) + " messages from " + sender + " neither delivered nor in a gap: " + Trace());
            return gaps;
        }

        /// <summary>Each sender sends MessagesPerSender messages, about one every 10 ms, of mixed kinds and sizes.</summary>
        private static void Schedule(LossyGroup group, Random random, DateTimeOffset start)
        {
            for (int sender = 0; sender < Senders; sender++)
            {
                DateTimeOffset at = start;
                for (int i = 0; i < MessagesPerSender; i++)
                {
                    at += TimeSpan.FromTicks((long)(random.NextDouble() * 20 * TimeSpan.TicksPerMillisecond));
                    double size = random.NextDouble();
                    int length = size < 0.6 ? 1 + random.Next(200) : size < 0.9 ? 1000 + random.Next(3000) : 6000 + random.Next(14000);
                    byte[] bytes = new byte[length];
                    random.NextBytes(bytes);
                    MessageContent content;
                    switch (i % 3)
                    {
                        case 0:
                            content = MessageContent.FromText("m" + sender + "#" + i + " " + new string((char)('a' + (i % 26)), length));
                            break;
                        case 1:
                            content = MessageContent.FromData(bytes);
                            break;
                        default:
                            content = MessageContent.FromFile("file-" + sender + "-" + i + ".bin", bytes);
                            break;
                    }

                    group.Schedule(at, sender, content);
                }
            }
        }

        private static bool AllAcknowledged(LossyGroup group) =>
            group.Members.Take(Senders).All(s => s.Sent.Count >= MessagesPerSender && s.Member.MessagesAcknowledged + s.Member.MessagesFailed == s.Sent.Count);

        private static bool AllDelivered(LossyGroup group) =>
            group.Members.All(r => group.Members.Take(Senders).Where(s => s != r).All(s => r.From(s).Count >= MessagesPerSender));

        private void Report(LossyGroup group, DateTimeOffset start)
        {
            var text = new StringBuilder();
            text.AppendFormat(CultureInfo.InvariantCulture, "{0:0.000} s of protocol time; lost {1}, duplicated {2}; relay: repairs {3}, suppressed {4}, unavailable {5}, Nacks {6}\n",
                (group.Clock.Now - start).TotalSeconds, group.DatagramsLost, group.DatagramsDuplicated, group.Relay.RepairsSent, group.Relay.RepairsSuppressed, group.Relay.RepairsUnavailable, group.Relay.NacksReceived);
            foreach (LossyGroup.Node m in group.Members)
            {
                text.AppendFormat(CultureInfo.InvariantCulture, "{0}: Nacks {1}, repairs {2}, given up {3}, gaps {4}, retransmissions {5} (fast {6}), acked {7}, SRTT {8}; drops {9}\n",
                    m, m.Member.NacksSent, m.Member.RepairsReceived, m.Member.RepairsGivenUp, m.Member.Gaps, m.Member.Retransmissions, m.Member.FastRetransmissions, m.Member.MessagesAcknowledged, m.Member.RoundTripTime, m.Member.Drops);
            }

            log.WriteLine(text.ToString());
        }
    }
}
