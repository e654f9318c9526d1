using System;
using System.Linq;
using McastCrypto.Protocol;
using Xunit;

namespace McastCrypto.Tests.Protocol
{
    public class ReassemblyTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        private readonly DropCounter drops = new DropCounter();

        /// <summary>What one pending message of 4096 fragments costs before any chunk: its slot array at least.</summary>
        private static long SlotsOf4096 => 4096L * IntPtr.Size;

        [Fact]
        public void HostileFirstFragmentsAreRefusedOnceTheirSlotsFillTheSourcesBytes()
        {
            var reassembly = new Reassembly<int>(
                new ReassemblyLimits { MaxMessagesPerSource = 1000, MaxBytesPerSource = 1024 * 1024 },
                drops);

            // 12-byte datagrams: a header declaring 4096 fragments and an empty chunk.
            for (uint id = 0; id < 100; id++)
            {
                Assert.Null(reassembly.Add(1, id, 0, 4096, Array.Empty<byte>(), Now));
            }

            long fits = 1024 * 1024 / SlotsOf4096;
            Assert.InRange(reassembly.PendingMessages, 1, (int)fits);
            Assert.Equal(100 - reassembly.PendingMessages, drops["ReassemblyLimit"]);
            Assert.True(reassembly.PendingBytes >= reassembly.PendingMessages * SlotsOf4096, "PendingBytes " + reassembly.PendingBytes + " does not count the slots");
            Assert.True(reassembly.PendingBytes <= 1024 * 1024);
        }

        [Fact]
        public void HostileFirstFragmentsFromManySourcesAreBoundedByTheTotalBytes()
        {
            var reassembly = new Reassembly<int>(
                new ReassemblyLimits { MaxBytesTotal = 1024 * 1024 },
                drops);

            for (int source = 0; source < 100; source++)
            {
                Assert.Null(reassembly.Add(source, 7, 0, 4096, Array.Empty<byte>(), Now));
            }

            Assert.InRange(reassembly.PendingMessages, 1, (int)(1024 * 1024 / SlotsOf4096));
            Assert.Equal(100 - reassembly.PendingMessages, drops["ReassemblyLimit"]);
            Assert.True(reassembly.PendingBytes >= reassembly.PendingMessages * SlotsOf4096);
        }

        [Fact]
        public void APendingMessageCostsItsSlotsAndOverheadAndGivesThemBackWhenComplete()
        {
            var reassembly = new Reassembly<int>(new ReassemblyLimits(), drops);

            Assert.Null(reassembly.Add(1, 9, 0, 3, new byte[] { 1, 2 }, Now));
            Assert.Equal(Reassembly<int>.MessageOverheadBytes + (3 * IntPtr.Size) + 2, reassembly.PendingBytes);
            Assert.Null(reassembly.Add(1, 9, 2, 3, new byte[] { 5 }, Now));
            Assert.Equal(Reassembly<int>.MessageOverheadBytes + (3 * IntPtr.Size) + 3, reassembly.PendingBytes);

            byte[]? whole = reassembly.Add(1, 9, 1, 3, new byte[] { 3, 4 }, Now);

            Assert.Equal(new byte[] { 1, 2, 3, 4, 5 }, whole);
            Assert.Equal(0, reassembly.PendingBytes);
            Assert.Equal(0, reassembly.PendingMessages);
            Assert.Equal(0, drops.Total);
        }

        [Fact]
        public void TheExactCostDecidesWhereTheSourceLimitCuts()
        {
            long each = Reassembly<int>.MessageOverheadBytes + SlotsOf4096;
            var reassembly = new Reassembly<int>(
                new ReassemblyLimits { MaxMessagesPerSource = 1000, MaxBytesPerSource = (3 * each) + 10 },
                drops);

            for (uint id = 0; id < 5; id++)
            {
                reassembly.Add(1, id, 0, 4096, Array.Empty<byte>(), Now);
            }

            Assert.Equal(3, reassembly.PendingMessages);
            Assert.Equal(3 * each, reassembly.PendingBytes);
            Assert.Equal(2, drops["ReassemblyLimit"]);

            // The 10 bytes left take a chunk of 10, not of 11; a chunk refused gives the message's slots back.
            Assert.Null(reassembly.Add(1, 0, 1, 4096, new byte[10], Now));
            Assert.Null(reassembly.Add(1, 1, 1, 4096, new byte[1], Now));
            Assert.Equal(2, reassembly.PendingMessages);
            Assert.Equal((2 * each) + 10, reassembly.PendingBytes);
            Assert.Equal(3, drops["ReassemblyLimit"]);
        }

        [Fact]
        public void AMessageThatMustExceedTheLargestIsRefusedAtItsFirstFragment()
        {
            var reassembly = new Reassembly<int>(new ReassemblyLimits(), drops, maxMessageBytes: 1000);

            // 4 more chunks of 256 and at least one byte after them: 1025 bytes at the least.
            Assert.Null(reassembly.Add(1, 1, 0, 5, new byte[256], Now));
            Assert.Equal(1, drops["MessageTooLarge"]);
            Assert.Equal(0, reassembly.PendingMessages);

            // 3 chunks of 256 and a last one: 769 bytes at the least, so it may fit.
            Assert.Null(reassembly.Add(1, 2, 0, 4, new byte[256], Now));
            Assert.Equal(1, reassembly.PendingMessages);
            Assert.Equal(1, drops["MessageTooLarge"]);
        }

        [Fact]
        public void AMessageWhoseChunksAddUpPastTheLargestIsRefusedAndReleased()
        {
            var reassembly = new Reassembly<int>(new ReassemblyLimits(), drops, maxMessageBytes: 1000);

            Assert.Null(reassembly.Add(1, 1, 0, 2, new byte[10], Now));
            Assert.Null(reassembly.Add(1, 1, 1, 2, new byte[991], Now));

            Assert.Equal(1, drops["MessageTooLarge"]);
            Assert.Equal(0, reassembly.PendingMessages);
            Assert.Equal(0, reassembly.PendingBytes);

            Assert.Null(reassembly.Add(1, 3, 0, 1, new byte[1001], Now));
            Assert.Equal(2, drops["MessageTooLarge"]);
            Assert.Equal(new byte[1000], reassembly.Add(1, 4, 0, 1, new byte[1000], Now));
        }

        [Fact]
        public void ARefusedSourceLeavesNoBookkeepingBehind()
        {
            long each = Reassembly<int>.MessageOverheadBytes + SlotsOf4096;
            var reassembly = new Reassembly<int>(new ReassemblyLimits { MaxBytesTotal = each }, drops);
            reassembly.Add(0, 1, 0, 4096, Array.Empty<byte>(), Now);

            foreach (int source in Enumerable.Range(1, 1000))
            {
                reassembly.Add(source, 1, 0, 4096, Array.Empty<byte>(), Now);
            }

            Assert.Equal(1000, drops["ReassemblyLimit"]);
            Assert.Equal(1, reassembly.SourcesTracked);
        }
    }
}
