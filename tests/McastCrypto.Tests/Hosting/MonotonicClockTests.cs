using System;
using System.Diagnostics;
using System.Threading;
using McastCrypto.Hosting;
using Xunit;

namespace McastCrypto.Tests.Hosting
{
    public class MonotonicClockTests
    {
        [Fact]
        public void It_starts_at_the_wall_time_and_never_goes_back()
        {
            DateTimeOffset before = DateTimeOffset.UtcNow;
            var clock = new MonotonicClock();
            DateTimeOffset after = DateTimeOffset.UtcNow;

            Assert.InRange(clock.Origin, before, after);
            DateTimeOffset previous = clock.Now;
            Assert.True(previous >= clock.Origin);
            for (int i = 0; i < 10000; i++)
            {
                DateTimeOffset next = clock.Now;
                Assert.True(next >= previous, next.ToString("O") + " after " + previous.ToString("O"));
                previous = next;
            }
        }

        [Fact]
        public void It_advances_with_the_time_that_passes()
        {
            var clock = new MonotonicClock();
            DateTimeOffset first = clock.Now;
            var measured = Stopwatch.StartNew();
            Thread.Sleep(50);
            TimeSpan slept = measured.Elapsed;
            DateTimeOffset second = clock.Now;

            // The two readings bracket the measured sleep.
            Assert.True(second - first >= slept, (second - first) + " < " + slept);
        }
    }
}
