using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Xunit;
using McastCrypto.Protocol;
using Xunit;

namespace McastCrypto.Tests.Protocol
{
    public class ReplayWindowTests
    {
        [Fact]
        public void ANumberIsAcceptedOnceAndOnlyAfterUpdate()
        {
            var window = new ReplayWindow();
            Assert.Null(window.Highest);
            Assert.True(window.Check(0));
            Assert.True(window.Check(0), "Check changes nothing");
            Assert.True(window.Update(0));
            Assert.False(window.Check(0));
            Assert.False(window.Update(0));
            Assert.Equal(0UL, window.Highest);
        }

        [Fact]
        public void NumbersWithinTheWindowAreAcceptedInAnyOrderAndOlderOnesAreRefused()
        {
            var window = new ReplayWindow(1024);
            Assert.True(window.Update(5000));
            Assert.True(window.Check(5000 - 1023), "the oldest number the window still tells apart");
            Assert.False(window.Check(5000 - 1024), "one older than the window");
            Assert.True(window.Update(4990));
            Assert.False(window.Check(4990));
            Assert.True(window.Update(4000));
            Assert.True(window.Update(ulong.MaxValue));
            Assert.False(window.Check(5000), "far behind the new highest");
            Assert.True(window.Check(ulong.MaxValue - 1));
            Assert.False(window.Check(ulong.MaxValue));
        }

        [Fact]
        public void SlidingForwardForgetsWhatWasMarkedInTheWordsItReuses()
        {
            var window = new ReplayWindow(64);
            for (ulong s = 0; s < 64; s++)
            {
                Assert.True(window.Update(s));
            }

            // 64 to 127 reuse the word 0 to 63 used: they must read as new.
            for (ulong s = 64; s < 200; s++)
            {
                Assert.True(window.Check(s));
            }

            Assert.True(window.Update(130));
            Assert.True(window.Check(100), "130 - 100 < 64 and 100 was never seen");
            Assert.False(window.Check(66), "130 - 66 = 64: out of the window");
        }

        [Theory]
        [InlineData(0)]
        [InlineData(63)]
        [InlineData(100)]
        [InlineData(65600)]
        public void TheSizeIsAMultipleOf64WithinBounds(int size)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ReplayWindow(size));
        }

        /// <summary>
        /// Any run of checks and updates agrees with the obvious model: a set of every number accepted
        /// and the highest one. Numbers are drawn near each other (and sometimes far) so the window
        /// slides, wraps its words and refuses old numbers.
        /// </summary>
        [Property(MaxTest = 300)]
        public bool AgreesWithASetOfEverythingSeen(int[] steps, ulong start, bool small)
        {
            int size = small ? 64 : 1024;
            var window = new ReplayWindow(size);
            var seen = new HashSet<ulong>();
            ulong? highest = null;
            ulong cursor = start;
            foreach (int step in steps ?? Array.Empty<int>())
            {
                // Mostly small moves, forward and back; now and then a long jump forward.
                long delta = step % 97 == 0 ? (long)size * 3 : (step % (size + size / 2)) - (size / 2);
                cursor = delta >= 0 ? unchecked(cursor + (ulong)delta) : (cursor >= (ulong)(-delta) ? cursor - (ulong)(-delta) : 0);
                bool expected = highest is null || cursor > highest.Value || (highest.Value - cursor < (ulong)size && !seen.Contains(cursor));
                if (window.Check(cursor) != expected)
                {
                    return false;
                }

                bool update = step % 3 != 0;
                if (update)
                {
                    if (window.Update(cursor) != expected)
                    {
                        return false;
                    }

                    if (expected)
                    {
                        seen.Add(cursor);
                        highest = highest is null || cursor > highest.Value ? cursor : highest;
                    }
                }

                if (window.Highest != highest)
                {
                    return false;
                }
            }

            return true;
        }

        [Fact]
        public void ItsMemoryDoesNotGrowWithTheNumbersSeen()
        {
            var window = new ReplayWindow(1024);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (ulong s = 0; s < 200_000; s += 3)
            {
                window.Update(s);
            }

            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1024, "updates allocate nothing");
        }
    }
}
