using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Protocol.Classic;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>The member's receiving side of the relay's stream: order, holes, NACKs, give-up, bounds.</summary>
    public class GroupStreamReceiverTests
    {
        private readonly FakeClock clock = new FakeClock();

        private static TimeSpan Ms(double ms) => TimeSpan.FromTicks((long)(ms * TimeSpan.TicksPerMillisecond));

        private static GroupStreamReceiver<string> Stream(GroupStreamOptions? options = null, double draw = 0.5) =>
            new GroupStreamReceiver<string>(options ?? new GroupStreamOptions(), () => draw);

        private static string[] Show(IEnumerable<SecureSequenceRange> ranges) => ranges.Select(r => r.First + "+" + r.Length).ToArray();

        private static string[] Show(IEnumerable<KeyValuePair<ulong, ulong>> ranges) => ranges.Select(r => r.Key + "+" + r.Value).ToArray();

        private static List<ulong> TakeAll(GroupStreamReceiver<string> stream)
        {
            var list = new List<ulong>();
            while (stream.TryTakeReady(out ulong r, out string item))
            {
                Assert.Equal("d" + r, item);
                list.Add(r);
            }

            return list;
        }

        private void Accept(GroupStreamReceiver<string> stream, params ulong[] numbers)
        {
            foreach (ulong r in numbers)
            {
                Assert.False(stream.IsDuplicate(r), "R " + r + " is not a duplicate");
                stream.Accept(r, "d" + r, 100, clock.Now);
            }
        }

        [Fact]
        public void InOrderDatagramsAreHandedOnAtOnceAndNothingIsMissing()
        {
            var stream = Stream();
            stream.Start(10, "d10");
            Accept(stream, 11, 12);
            Assert.Equal(new ulong[] { 10, 11, 12 }, TakeAll(stream));
            Assert.Equal(13UL, stream.Next);
            Assert.Equal(0, stream.MissingCount);
            Assert.Null(stream.NextDeadline);
            Assert.Null(stream.TakeNack(clock.Advance(1)));
        }

        [Fact]
        public void DuplicatesAreKnownBeforeAcceptingAndNothingIsBeforeTheStart()
        {
            var stream = Stream();
            Assert.False(stream.IsDuplicate(5));
            stream.Start(10, "d10");
            Accept(stream, 11, 14);
            Assert.True(stream.IsDuplicate(9));
            Assert.True(stream.IsDuplicate(11));
            Assert.True(stream.IsDuplicate(14));
            Assert.False(stream.IsDuplicate(12));
            Assert.False(stream.IsDuplicate(15));
            Assert.Throws<InvalidOperationException>(() => stream.Accept(14, "again", 1, clock.Now));
        }

        [Fact]
        public void AHoleHoldsLaterDatagramsUntilItIsFilledThenAllComeInOrder()
        {
            var stream = Stream();
            stream.Start(10, "d10");
            Accept(stream, 11, 14, 15);
            Assert.Equal(new ulong[] { 10, 11 }, TakeAll(stream));
            Assert.Equal(12UL, stream.Next);
            Assert.Equal(2, stream.HeldCount);
            Assert.Equal(200, stream.HeldBytes);
            Assert.Equal(new[] { "12+2" }, Show(stream.Missing));

            Accept(stream, 13);
            Assert.Empty(TakeAll(stream));
            Assert.Equal(new[] { "12+1" }, Show(stream.Missing));

            Accept(stream, 12);
            Assert.Equal(new ulong[] { 12, 13, 14, 15 }, TakeAll(stream));
            Assert.Equal(16UL, stream.Next);
            Assert.Equal(0, stream.HeldCount);
            Assert.Equal(0, stream.HeldBytes);
            Assert.Equal(2, stream.RepairsReceived);
            Assert.Equal(0, stream.RepairsGivenUp);
        }

        [Theory]
        [InlineData(0.0, 0L)]
        [InlineData(0.75, 15000L)]
        [InlineData(0.9999, 19998L)]
        public void TheFirstNackWaitsTheRandomDelayWithinNackDelay(double draw, long expectedTicks)
        {
            double expectedMs = expectedTicks / (double)TimeSpan.TicksPerMillisecond;
            var stream = Stream(draw: draw);
            stream.Start(0, "d0");
            DateTimeOffset noticed = clock.Now;
            Accept(stream, 3);
            Assert.Equal(noticed + TimeSpan.FromTicks(expectedTicks), stream.NextDeadline);
            if (expectedMs > 0)
            {
                Assert.Null(stream.TakeNack(noticed + TimeSpan.FromTicks(expectedTicks) - TimeSpan.FromTicks(1)));
            }

            List<SecureSequenceRange>? nack = stream.TakeNack(noticed + TimeSpan.FromTicks(expectedTicks));
            Assert.NotNull(nack);
            Assert.Equal(new[] { "1+2" }, Show(nack!));
            Assert.Equal(1, stream.NacksSent);
        }

        [Fact]
        public void NackDelaysFromARealRandomSourceStayWithinZeroToTwoMilliseconds()
        {
            var random = new Random(1234);
            var delays = new List<TimeSpan>();
            for (int i = 0; i < 200; i++)
            {
                var stream = new GroupStreamReceiver<string>(new GroupStreamOptions(), random.NextDouble);
                stream.Start(0, "d0");
                stream.Accept(2, "d2", 1, clock.Now);
                delays.Add(stream.NextDeadline!.Value - clock.Now);
            }

            Assert.All(delays, d => Assert.InRange(d, TimeSpan.Zero, Ms(2)));
            Assert.True(delays.Distinct().Count() > 100, "the delay is drawn, not fixed");
        }

        [Fact]
        public void NumbersNoticedBeforeTheTimerFiresGoIntoTheSameNack()
        {
            var stream = Stream(draw: 1.0 - 1e-9);
            stream.Start(0, "d0");
            DateTimeOffset first = clock.Now;
            Accept(stream, 2);
            clock.Advance(Ms(1));
            Accept(stream, 5);
            clock.Advance(Ms(0.5));
            Accept(stream, 9);
            Assert.Null(stream.TakeNack(clock.Now));
            List<SecureSequenceRange>? nack = stream.TakeNack(first + Ms(2));
            Assert.Equal(new[] { "1+1", "3+2", "6+3" }, Show(nack!));
            Assert.Equal(1, stream.NacksSent);
        }

        [Fact]
        public void AskingAgainBacksOffFromTenMillisecondsDoublingToOneSecond()
        {
            var stream = Stream(draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 2);
            DateTimeOffset at = clock.Now;
            var waits = new List<double>();
            for (int i = 0; i < 10; i++)
            {
                Assert.NotNull(stream.TakeNack(at));
                DateTimeOffset next = stream.NextDeadline!.Value;
                Assert.Null(stream.TakeNack(next - TimeSpan.FromTicks(1)));
                waits.Add((next - at).TotalMilliseconds);
                at = next;
            }

            Assert.Equal(new double[] { 10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000 }, waits);
        }

        [Fact]
        public void ARepairBeforeTheMembersOwnTimerCancelsItsNack()
        {
            var stream = Stream(draw: 0.9);
            stream.Start(0, "d0");
            Accept(stream, 1, 3);
            Assert.NotNull(stream.NextDeadline);
            clock.Advance(Ms(1));

            // Another member asked first; the relay's repair reaches everyone.
            Accept(stream, 2);
            Assert.Null(stream.NextDeadline);
            Assert.Null(stream.TakeNack(clock.Advance(Ms(5))));
            Assert.Equal(0, stream.NacksSent);
            Assert.Equal(new ulong[] { 0, 1, 2, 3 }, TakeAll(stream));
        }

        [Fact]
        public void ARepairOfPartOfARangeLeavesTheRestAskedOnItsSchedule()
        {
            var stream = Stream(draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 6);
            Assert.Equal(new[] { "1+5" }, Show(stream.TakeNack(clock.Now)!));
            Accept(stream, 3);
            Assert.Equal(new[] { "1+2", "4+2" }, Show(stream.Missing));
            Assert.Null(stream.TakeNack(clock.Advance(Ms(9))));
            Assert.Equal(new[] { "1+2", "4+2" }, Show(stream.TakeNack(clock.Advance(Ms(1)))!));
        }

        [Fact]
        public void ANumberMissingForTheRepairTimeoutIsGivenUpAndTheStreamMovesOn()
        {
            var stream = Stream(draw: 0);
            stream.Start(0, "d0");
            DateTimeOffset noticed = clock.Now;
            Accept(stream, 1, 4, 5);
            TakeAll(stream);
            stream.Expire(noticed + TimeSpan.FromSeconds(5) - TimeSpan.FromTicks(1));
            Assert.Equal(2UL, stream.Next);
            Assert.Empty(TakeAll(stream));

            stream.Expire(noticed + TimeSpan.FromSeconds(5));
            Assert.Equal(new ulong[] { 4, 5 }, TakeAll(stream));
            Assert.Equal(6UL, stream.Next);
            Assert.Equal(2, stream.RepairsGivenUp);
            Assert.Equal(GapReasons.NotRepaired, stream.LossReason(1, 4));
            Assert.Null(stream.LossReason(4, 5));
            Assert.Null(stream.NextDeadline);

            // What was given up stays passed: a late copy is a duplicate.
            Assert.True(stream.IsDuplicate(2));
        }

        [Fact]
        public void TheRepairDeadlineIsPartOfNextDeadline()
        {
            var stream = Stream(draw: 0);
            stream.Start(0, "d0");
            DateTimeOffset noticed = clock.Now;
            Accept(stream, 2);
            for (DateTimeOffset at = noticed; at < noticed + TimeSpan.FromSeconds(5);)
            {
                stream.TakeNack(at);
                at = stream.NextDeadline!.Value;
            }

            Assert.Equal(noticed + TimeSpan.FromSeconds(5), stream.NextDeadline);
        }

        [Fact]
        public void UnavailableGivesUpOnlyTheMissingNumbersItNamesAndRecordsWhy()
        {
            var stream = Stream(draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 3, 6);
            TakeAll(stream);
            Assert.Equal(new[] { "1+2", "4+2" }, Show(stream.Missing));

            stream.GiveUp(0, 3, GapReasons.Unavailable);
            Assert.Equal(new ulong[] { 3 }, TakeAll(stream));
            Assert.Equal(4UL, stream.Next);
            Assert.Equal(2, stream.RepairsGivenUp);
            Assert.Equal(GapReasons.Unavailable, stream.LossReason(0, 3));
            Assert.Null(stream.LossReason(3, 6));
            Assert.Equal(new[] { "4+2" }, Show(stream.Missing));

            // Far above anything seen: nothing to give up.
            stream.GiveUp(100, 10, GapReasons.Unavailable);
            Assert.Equal(2, stream.RepairsGivenUp);
        }

        [Fact]
        public void AFullHoldGivesUpTheNumbersBelowItAndHandsTheHeldOnesOn()
        {
            var stream = Stream(new GroupStreamOptions { HoldLimit = 4 }, draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 2, 3, 4, 5);
            Assert.Equal(4, stream.HeldCount);
            Assert.Equal(new ulong[] { 0 }, TakeAll(stream));

            Accept(stream, 6);
            Assert.Equal(new ulong[] { 2, 3, 4, 5, 6 }, TakeAll(stream));
            Assert.Equal(0, stream.HeldCount);
            Assert.Equal(1, stream.HoldOverflows);
            Assert.Equal(1, stream.RepairsGivenUp);
            Assert.Equal(GapReasons.HoldFull, stream.LossReason(0, 2));
        }

        [Fact]
        public void AFullHoldWithSeveralHolesGivesUpOnlyAsMuchAsItNeeds()
        {
            var stream = Stream(new GroupStreamOptions { HoldLimit = 3 }, draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 2, 4, 5);
            TakeAll(stream);
            Accept(stream, 7);

            // Hole 1 given up: 2 comes out, 3 is still awaited with 4, 5 and 7 held.
            Assert.Equal(new ulong[] { 2 }, TakeAll(stream));
            Assert.Equal(3UL, stream.Next);
            Assert.Equal(3, stream.HeldCount);
            Assert.Equal(new[] { "3+1", "6+1" }, Show(stream.Missing));
        }

        [Fact]
        public void HeldBytesAreBoundedToo()
        {
            var stream = Stream(new GroupStreamOptions { HoldBytes = 250 }, draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 2, 3);
            Assert.Equal(200, stream.HeldBytes);
            Accept(stream, 5);
            Assert.Equal(new ulong[] { 0, 2, 3 }, TakeAll(stream));
            Assert.Equal(new[] { "4+1" }, Show(stream.Missing));
            Assert.Equal(100, stream.HeldBytes);
            Assert.Equal(1, stream.HoldOverflows);
        }

        [Fact]
        public void ADatagramBeyondTheWindowGivesUpWhatFellOutOfIt()
        {
            var stream = Stream(new GroupStreamOptions { ReceiveWindow = 64 }, draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 10, 100);
            Assert.Equal(new ulong[] { 0, 10 }, TakeAll(stream));
            Assert.Equal(37UL, stream.Next);
            Assert.Equal(new[] { "37+63" }, Show(stream.Missing));
            Assert.Equal(36 - 1, stream.RepairsGivenUp);
            Assert.Equal(GapReasons.ReceiveWindow, stream.LossReason(10, 37));
        }

        [Fact]
        public void ANackHoldsAtMostSixteenRangesLowestFirstAndTheRestComesNextTime()
        {
            var stream = Stream(draw: 0);
            stream.Start(0, "d0");
            for (ulong r = 2; r <= 40; r += 2)
            {
                Accept(stream, r);
            }

            List<SecureSequenceRange> first = stream.TakeNack(clock.Now)!;
            Assert.Equal(16, first.Count);
            Assert.Equal(Enumerable.Range(0, 16).Select(i => (ulong)(1 + (2 * i))), first.Select(n => n.First));
            List<SecureSequenceRange> rest = stream.TakeNack(clock.Now)!;
            Assert.Equal(new ulong[] { 33, 35, 37, 39 }, rest.Select(n => n.First));
            Assert.Null(stream.TakeNack(clock.Now));
        }

        [Fact]
        public void ARangeLongerThanANackRangeIsAskedInPartsThatNeverTouch()
        {
            var stream = Stream(new GroupStreamOptions { ReceiveWindow = 1 << 20 }, draw: 0);
            stream.Start(0, "d0");
            Accept(stream, 100001);
            List<SecureSequenceRange> first = stream.TakeNack(clock.Now)!;
            Assert.Equal(new[] { "1+65535" }, Show(first));
            List<SecureSequenceRange> second = stream.TakeNack(clock.Now)!;
            Assert.Equal(new[] { "65536+34465" }, Show(second));
        }

        [Fact]
        public void ShuffledDuplicatedAndLossyArrivalsComeOutOnceEachInOrder()
        {
            var random = new Random(99);
            for (int round = 0; round < 20; round++)
            {
                var stream = new GroupStreamReceiver<string>(new GroupStreamOptions { HoldLimit = 64 }, random.NextDouble);
                stream.Start(0, "d0");
                var arrivals = Enumerable.Range(1, 500).Select(i => (ulong)i).Where(_ => random.NextDouble() > 0.1).ToList();
                arrivals.AddRange(arrivals.Where(_ => random.NextDouble() < 0.2).ToList());
                arrivals = arrivals.OrderBy(r => (double)r + (random.NextDouble() * 30)).ToList();
                var handed = new List<ulong>();
                foreach (ulong r in arrivals)
                {
                    clock.Advance(Ms(0.1));
                    if (!stream.IsDuplicate(r))
                    {
                        stream.Accept(r, "d" + r, 10, clock.Now);
                    }

                    stream.Expire(clock.Now);
                    handed.AddRange(TakeAll(stream));
                }

                clock.Advance(10);
                stream.Expire(clock.Now);
                handed.AddRange(TakeAll(stream));
                Assert.Equal(handed.OrderBy(r => r).Distinct(), handed);
                Assert.Equal(0, stream.HeldCount);
                Assert.Equal(stream.Highest + 1, stream.Next);
                Assert.Equal((long)stream.Next, handed.Count + stream.RepairsGivenUp);
                Assert.Subset(new HashSet<ulong>(arrivals.Append(0UL)), new HashSet<ulong>(handed));
            }
        }
    }
}
