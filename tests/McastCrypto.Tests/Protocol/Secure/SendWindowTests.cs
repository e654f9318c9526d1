using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Protocol.Classic;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>The member's sending side: queue, window, acknowledgement, RTT/RTO, retransmission, deadline.</summary>
    public class SendWindowTests
    {
        private readonly FakeClock clock = new FakeClock();
        private readonly List<OutgoingFragment> sent = new List<OutgoingFragment>();
        private readonly List<SendOutcome> outcomes = new List<SendOutcome>();

        private static TimeSpan Ms(double ms) => TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));

        private static byte[] Content(int length, byte seed = 1) => Enumerable.Range(0, length).Select(i => (byte)(seed + i)).ToArray();

        /// <summary>Polls, and the fragments leave at once (a host without a send queue).</summary>
        private List<OutgoingFragment> Poll(SendWindow window) => Leave(PollQueued(window));

        /// <summary>Polls; the fragments wait in the host's send queue until <see cref="Leave"/>.</summary>
        private List<OutgoingFragment> PollQueued(SendWindow window)
        {
            sent.Clear();
            Assert.False(window.Poll(clock.Now, sent, outcomes));
            return sent.ToList();
        }

        /// <summary>The Ack arrives; what it makes the window send leaves at once.</summary>
        private List<OutgoingFragment> Ack(SendWindow window, ulong next) => Leave(AckQueued(window, next));

        private List<OutgoingFragment> AckQueued(SendWindow window, ulong next)
        {
            sent.Clear();
            Assert.True(window.OnAck(next, clock.Now, sent, outcomes));
            return sent.ToList();
        }

        /// <summary>The host hands these fragments' datagrams to the socket now.</summary>
        private List<OutgoingFragment> Leave(List<OutgoingFragment> fragments)
        {
            foreach (OutgoingFragment fragment in fragments)
            {
                fragment.Departure.Stamp(clock.Now);
            }

            return fragments;
        }

        private IEnumerable<string> Outcomes() => outcomes.Select(o => o.Kind + " " + o.MessageId);

        [Fact]
        public void FragmentsGoOutOldestFirstWithConsecutiveQWhileTheWindowHasRoom()
        {
            var window = new SendWindow(new SendWindowOptions { Window = 4 });
            byte[] first = Content(25);
            Assert.Equal(3, window.Enqueue(7, SecureCodec.ContentData, first, 10));
            Assert.Equal(2, window.Enqueue(8, SecureCodec.ContentText, Content(11, 100), 10));

            List<OutgoingFragment> out1 = Poll(window);
            Assert.Equal(new ulong[] { 0, 1, 2, 3 }, out1.Select(f => f.Sequence));
            Assert.Equal(new ulong[] { 7, 7, 7, 8 }, out1.Select(f => f.MessageId));
            Assert.Equal(new[] { 0, 1, 2, 0 }, out1.Select(f => f.Index));
            Assert.Equal(new[] { 3, 3, 3, 2 }, out1.Select(f => f.Count));
            Assert.Equal(new[] { 10, 10, 5, 10 }, out1.Select(f => f.Length));
            Assert.All(out1, f => Assert.False(f.Retransmission));
            Assert.Equal(first.Skip(20).ToArray(), out1[2].Content.Skip(out1[2].Offset).Take(out1[2].Length).ToArray());
            Assert.Equal(new[] { "MessageSent 7" }, Outcomes());
            Assert.Equal(4, window.FragmentsInFlight);

            // Full window: nothing more until an Ack.
            Assert.Empty(Poll(window));
            List<OutgoingFragment> out2 = Ack(window, 2);
            Assert.Equal(new ulong[] { 4 }, out2.Select(f => f.Sequence));
            Assert.Equal(new[] { "MessageSent 7", "MessageSent 8" }, Outcomes());
        }

        [Fact]
        public void TheDataBodyCarriesQAndTheFragmentsBytes()
        {
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(0x0102030405060708, SecureCodec.ContentFile, Content(3), 10);
            OutgoingFragment fragment = Poll(window).Single();
            byte[] plain = SecureCodec.MemberPlaintext(SecureMemberKind.Data, fragment.Body());
            Assert.True(SecureCodec.TryParseMemberPlaintext(plain, out SecureMemberKind kind, out SecureFragment? parsed, out _, out _));
            Assert.Equal(SecureMemberKind.Data, kind);
            Assert.Equal(0UL, parsed!.Sequence);
            Assert.Equal(0x0102030405060708UL, parsed.MessageId);
            Assert.Equal(SecureCodec.ContentFile, parsed.ContentType);
            Assert.Equal(Content(3), parsed.Payload);
        }

        [Fact]
        public void AMessageIsAcknowledgedWhenAllItsFragmentsAreAndLeavesTheBuffer()
        {
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(30), 10);
            window.Enqueue(2, SecureCodec.ContentData, Content(5), 10);
            Poll(window);
            Assert.Equal(2, window.BufferedMessages);
            Assert.Equal(35, window.BufferedBytes);

            Ack(window, 2);
            Assert.DoesNotContain(outcomes, o => o.Kind == MemberEventKind.MessageAcknowledged);
            SendProgress progress = window.GetProgress(1)!;
            Assert.Equal("0000000000000001", progress.MessageId);
            Assert.Equal(3, progress.Fragments);
            Assert.Equal(3, progress.FragmentsSent);
            Assert.Equal(2, progress.FragmentsAcknowledged);
            Assert.Equal(30, progress.Bytes);

            Ack(window, 4);
            Assert.Equal(new[] { "MessageSent 1", "MessageSent 2", "MessageAcknowledged 1", "MessageAcknowledged 2" }, Outcomes());
            Assert.Null(window.GetProgress(1));
            Assert.Equal(0, window.BufferedMessages);
            Assert.Equal(0, window.BufferedBytes);
            Assert.Equal(2, window.MessagesAcknowledged);
        }

        [Fact]
        public void AnAckForAFragmentNeverSentIsMalformedAndAnOlderAckChangesNothing()
        {
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(30), 10);
            Poll(window);
            Assert.False(window.OnAck(4, clock.Now, sent, outcomes));
            Assert.Equal(0UL, window.Acknowledged);
            Ack(window, 2);
            Ack(window, 1);
            Assert.Equal(2UL, window.Acknowledged);
            Assert.Equal(1, window.FragmentsInFlight);
        }

        [Fact]
        public void TheSendBufferIsBoundedInMessagesAndBytesAndSaysWhatWaits()
        {
            var window = new SendWindow(new SendWindowOptions { BufferMessages = 2, BufferBytes = 100 });
            window.Enqueue(1, SecureCodec.ContentData, Content(60), 10);
            var bytes = Assert.Throws<SendBufferFullException>(() => window.Enqueue(2, SecureCodec.ContentData, Content(41), 10));
            Assert.Equal("The send buffer is full (1 messages, 60 bytes waiting for the relay).", bytes.Message);
            window.Enqueue(2, SecureCodec.ContentData, Content(40), 10);
            Assert.Throws<SendBufferFullException>(() => window.Enqueue(3, SecureCodec.ContentData, Content(1), 10));

            // One message alone is always taken, whatever its size.
            var alone = new SendWindow(new SendWindowOptions { BufferBytes = 100 });
            alone.Enqueue(1, SecureCodec.ContentData, Content(500), 10);
        }

        [Fact]
        public void RoundTripSamplesFollowRfc6298()
        {
            var window = new SendWindow(new SendWindowOptions());
            Assert.Equal(Ms(100), window.Retransmit);
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            Poll(window);
            clock.Advance(Ms(40));
            Ack(window, 1);
            Assert.Equal(Ms(40), window.SmoothedRoundTrip);
            Assert.Equal(Ms(20), window.RoundTripVariation);
            Assert.Equal(Ms(120), window.Retransmit);

            window.Enqueue(2, SecureCodec.ContentData, Content(10), 10);
            Poll(window);
            clock.Advance(Ms(20));
            Ack(window, 2);
            Assert.Equal(Ms(37.5), window.SmoothedRoundTrip);
            Assert.Equal(Ms(20), window.RoundTripVariation);
            Assert.Equal(Ms(117.5), window.Retransmit);
        }

        [Fact]
        public void TheRetransmitTimeoutStaysWithinTenMillisecondsAndOneSecond()
        {
            var fast = new SendWindow(new SendWindowOptions());
            for (ulong i = 0; i < 20; i++)
            {
                fast.Enqueue(i, SecureCodec.ContentData, Content(1), 10);
                Poll(fast);
                clock.Advance(Ms(0.1));
                Ack(fast, i + 1);
            }

            Assert.Equal(Ms(10), fast.Retransmit);

            var slow = new SendWindow(new SendWindowOptions());
            slow.Enqueue(0, SecureCodec.ContentData, Content(1), 10);
            Poll(slow);
            clock.Advance(Ms(900));
            Ack(slow, 1);
            Assert.Equal(TimeSpan.FromSeconds(1), slow.Retransmit);
        }

        [Fact]
        public void AFragmentNotAcknowledgedWithinItsTimeoutGoesAgainWithTheSameQAndBacksOff()
        {
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            DateTimeOffset start = clock.Now;
            OutgoingFragment original = Poll(window).Single();
            var resends = new List<double>();
            while (clock.Now < start + TimeSpan.FromSeconds(4))
            {
                clock.Advance(Ms(1));
                foreach (OutgoingFragment again in Poll(window))
                {
                    Assert.True(again.Retransmission);
                    Assert.Equal(original.Body(), again.Body());
                    resends.Add((clock.Now - start).TotalMilliseconds);
                }
            }

            Assert.Equal(new double[] { 100, 300, 700, 1500, 2500, 3500 }, resends);
            Assert.Equal(6, window.Retransmissions);

            // Karn: an Ack of a fragment sent more than once gives no sample.
            Ack(window, 1);
            Assert.Null(window.SmoothedRoundTrip);
        }

        [Fact]
        public void OnATimeOutOnlyTheOldestFragmentGoesAgainAndTheAckAfterItsRepairSaysWhatElseIsMissing()
        {
            // The relay holds what came after a lost fragment: resending those too would only make duplicates.
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(40), 10);
            DateTimeOffset start = clock.Now;
            Poll(window);
            clock.Advance(Ms(100));
            Assert.Equal(new ulong[] { 0 }, Poll(window).Select(f => f.Sequence));
            Assert.Equal(start + Ms(300), window.NextDeadline);
            clock.Advance(Ms(1));
            Assert.Empty(Poll(window));

            // Q 0 repaired; the relay had 1 but not 2: 2 left before the repair did, and its time is up, so it goes now.
            clock.Advance(Ms(1));
            Assert.Equal(new ulong[] { 2 }, Ack(window, 2).Select(f => f.Sequence));
            Assert.Equal(2, window.Retransmissions);
            Assert.Equal(0, window.FastRetransmissions);
            clock.Advance(Ms(1));
            Ack(window, 4);
            Assert.Null(window.NextDeadline);
        }

        [Fact]
        public void AnAckThatDoesNotMoveResendsTheMissingFragmentAtOnce()
        {
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            Poll(window);
            clock.Advance(Ms(20));
            Ack(window, 1);
            Assert.Equal(Ms(20), window.SmoothedRoundTrip);

            window.Enqueue(2, SecureCodec.ContentData, Content(40), 10);
            Poll(window);
            clock.Advance(Ms(5));

            // Q 1 was lost; the relay holds 2 and says it still wants 1.
            List<OutgoingFragment> again = Ack(window, 1);
            Assert.Equal(new ulong[] { 1 }, again.Select(f => f.Sequence));
            Assert.True(again[0].Retransmission);
            Assert.Equal(1, window.FastRetransmissions);
            Assert.Equal(1, window.Retransmissions);

            // Nothing above it outstanding: no fast retransmit.
            Ack(window, 4);
            clock.Advance(Ms(50));
            Assert.Empty(Ack(window, 4));
        }

        [Fact]
        public void RepeatedAcksThatDoNotMoveResendTheMissingFragmentOnceUntilTheAckMovesOrItTimesOut()
        {
            // The relay repeats an Ack in its heartbeats and answers every duplicate with one: one loss is one fast retransmit.
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            Poll(window);
            clock.Advance(Ms(2));
            Ack(window, 1);
            Assert.Equal(Ms(10), window.Retransmit);

            window.Enqueue(2, SecureCodec.ContentData, Content(40), 10);
            Poll(window);
            clock.Advance(Ms(1));
            Assert.Equal(new ulong[] { 1 }, Ack(window, 1).Select(f => f.Sequence));
            for (int i = 0; i < 4; i++)
            {
                clock.Advance(Ms(2));
                Assert.Empty(Ack(window, 1));
                Assert.Empty(Poll(window));
            }

            Assert.Equal(1, window.FastRetransmissions);

            // Its time-out (10 ms after the fast retransmit left) sends it again, and starts a new episode.
            clock.Advance(Ms(2));
            Assert.Equal(new ulong[] { 1 }, Poll(window).Select(f => f.Sequence));
            clock.Advance(Ms(1));
            Assert.Equal(new ulong[] { 1 }, Ack(window, 1).Select(f => f.Sequence));
            Assert.Empty(Ack(window, 1));
            Assert.Equal(2, window.FastRetransmissions);
            Assert.Equal(3, window.Retransmissions);

            // The Ack moves: the next missing fragment may be sent again at once, once.
            Ack(window, 2);
            Assert.Equal(new ulong[] { 2 }, Ack(window, 2).Select(f => f.Sequence));
            Assert.Empty(Ack(window, 2));
            Assert.Equal(3, window.FastRetransmissions);
        }

        [Fact]
        public void AFragmentStillWaitingToLeaveIsNotSentAgainOnAnAckThatDoesNotMove()
        {
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(30), 10);
            List<OutgoingFragment> first = PollQueued(window);
            clock.Advance(Ms(1));

            // The relay's Ack for another reason (a heartbeat) while the host has not sent Q 0 yet.
            Assert.Empty(AckQueued(window, 0));
            Assert.Equal(0, window.FastRetransmissions);
            Leave(first);
            clock.Advance(Ms(1));
            Assert.Equal(new ulong[] { 0 }, Ack(window, 0).Select(f => f.Sequence));
        }

        [Fact]
        public void AFragmentsTimeoutRunsFromWhenItLeftNotFromWhenItWasQueued()
        {
            // A window of fragments waits in the paced send queue longer than the time-out: none of them is lost.
            var window = new SendWindow(new SendWindowOptions());
            window.Enqueue(1, SecureCodec.ContentData, Content(30), 10);
            DateTimeOffset queued = clock.Now;
            List<OutgoingFragment> first = PollQueued(window);
            Assert.Equal(3, first.Count);
            Assert.Equal(queued + Ms(100), window.NextDeadline);

            clock.Advance(Ms(150));
            Assert.Empty(Poll(window));
            Assert.Equal(clock.Now + Ms(100), window.NextDeadline);

            // Q 0 leaves at 150 ms, Q 1 at 180 ms; Q 2 waits on.
            Leave(first.Take(1).ToList());
            clock.Advance(Ms(30));
            Leave(first.Skip(1).Take(1).ToList());
            Assert.Empty(Poll(window));
            Assert.Equal(queued + Ms(250), window.NextDeadline);

            clock.Advance(Ms(70));
            List<OutgoingFragment> again = Poll(window);
            Assert.Equal(new ulong[] { 0 }, again.Select(f => f.Sequence));
            Assert.Equal(1, window.Retransmissions);

            // An Ack of Q 1 and Q 2 gives no sample (Q 0 went twice); one of Q 2 alone times it from when it left.
            Leave(first.Skip(2).ToList());
            clock.Advance(Ms(4));
            Ack(window, 1);
            Assert.Null(window.SmoothedRoundTrip);
            Ack(window, 3);
            Assert.Equal(Ms(4), window.SmoothedRoundTrip);
        }

        [Fact]
        public void NoAcknowledgementWithinTheAckTimeoutFailsThatAndEveryLaterMessage()
        {
            var window = new SendWindow(new SendWindowOptions { Window = 2 });
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            window.Enqueue(2, SecureCodec.ContentData, Content(10), 10);
            window.Enqueue(3, SecureCodec.ContentData, Content(10), 10);
            DateTimeOffset first = clock.Now;
            Poll(window);
            clock.Advance(Ms(10));
            Ack(window, 1);

            // The oldest in flight, Q 1, left first with the first time-out (100 ms); Q 2 waits behind it.
            Assert.Equal(first + Ms(100), window.NextDeadline);
            outcomes.Clear();

            clock.Advance(TimeSpan.FromSeconds(10) - Ms(11));
            Poll(window);
            Assert.Empty(outcomes);
            clock.Advance(Ms(1));
            Assert.True(window.Poll(clock.Now, sent, outcomes));
            Assert.Equal(new[] { "MessageFailed 2", "MessageFailed 3" }, Outcomes());
            Assert.All(outcomes, o => Assert.Equal("the relay did not acknowledge it within 10 s", o.Reason));
            Assert.Equal(0, window.BufferedMessages);
            Assert.Null(window.NextDeadline);
            Assert.Equal(2, window.MessagesFailed);
        }

        [Fact]
        public void NextDeadlineIsTheEarliestRetransmissionOrTheAckDeadline()
        {
            var window = new SendWindow(new SendWindowOptions { AckTimeout = Ms(150) });
            Assert.Null(window.NextDeadline);
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            DateTimeOffset start = clock.Now;
            Poll(window);
            Assert.Equal(start + Ms(100), window.NextDeadline);
            clock.Advance(Ms(100));
            Poll(window);
            Assert.Equal(start + Ms(150), window.NextDeadline);
        }

        [Fact]
        public void ARefusedMessageFailsItsUnsentFragmentsNeverGoAndTheStreamGoesOn()
        {
            var window = new SendWindow(new SendWindowOptions { Window = 1 });
            window.Enqueue(1, SecureCodec.ContentData, Content(30), 10);
            window.Enqueue(2, SecureCodec.ContentData, Content(10), 10);
            Assert.Equal(new ulong[] { 0 }, Poll(window).Select(f => f.Sequence));
            window.OnRefused(1, SecureRefusedReason.TooLarge, outcomes);
            Assert.Equal(new[] { "MessageFailed 1" }, Outcomes());
            Assert.Equal("the relay refused it: larger than its limit", outcomes[0].Reason);
            Assert.Null(window.GetProgress(1));

            // The refused fragment is still acknowledged; the next message takes the next Q.
            List<OutgoingFragment> next = Ack(window, 1);
            Assert.Equal(new ulong[] { 1 }, next.Select(f => f.Sequence));
            Assert.Equal(new ulong[] { 2 }, next.Select(f => f.MessageId));
            Ack(window, 2);
            Assert.Equal(new[] { "MessageFailed 1", "MessageSent 2", "MessageAcknowledged 2" }, Outcomes());
            Assert.Equal(0, window.BufferedMessages);

            // Unknown ids and repeats change nothing.
            window.OnRefused(1, SecureRefusedReason.UnsupportedContent, outcomes);
            window.OnRefused(99, SecureRefusedReason.UnsupportedContent, outcomes);
            Assert.Equal(3, outcomes.Count);
        }

        [Fact]
        public void FailAllFailsQueuedAndInFlightMessagesOnceEach()
        {
            var window = new SendWindow(new SendWindowOptions { Window = 1 });
            window.Enqueue(1, SecureCodec.ContentData, Content(10), 10);
            window.Enqueue(2, SecureCodec.ContentData, Content(10), 10);
            Poll(window);
            window.OnRefused(1, SecureRefusedReason.UnsupportedContent, outcomes);
            outcomes.Clear();
            window.FailAll(MessageFailureReasons.Closed, outcomes);
            Assert.Equal(new[] { "MessageFailed 2" }, Outcomes());
            Assert.Equal("the session closed", outcomes[0].Reason);
            Assert.Equal(0, window.BufferedMessages);
            Assert.Equal(0, window.FragmentsInFlight);
            Assert.Empty(Poll(window));
        }
    }
}
