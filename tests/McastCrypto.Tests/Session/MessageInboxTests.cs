using System;
using System.Linq;
using McastCrypto.Protocol;
using McastCrypto.Session;
using Xunit;

namespace McastCrypto.Tests.Session
{
    public class MessageInboxTests
    {
        private static McastMessage Data(long sequence, int length) =>
            new McastMessage(null!, sequence, new MemberIdentity("0000000a", "a"), MessageContent.FromData(new byte[length]), sequence.ToString("x16"), true, DateTimeOffset.Now);

        private static McastMessage Gap(long sequence, long lost, long bytes) =>
            McastMessage.Gap(null!, sequence, null, 0, lost, null, "inbox full, " + bytes + " bytes", DateTimeOffset.Now);

        [Fact]
        public void A_reader_that_stopped_finds_one_gap_record_for_what_overflowed_then_the_newest_messages()
        {
            using var inbox = new MessageInbox(3, long.MaxValue, Gap);
            for (int i = 0; i < 10; i++)
            {
                inbox.Add(seq => Data(seq, 10));
            }

            // Three messages and one Gap record standing for the seven that went.
            Assert.Equal(4, inbox.Count);
            Assert.Equal(7, inbox.Overflow);
            var taken = inbox.Take(0, remove: true);
            Assert.Equal(McastMessageKind.Gap, taken[0].Kind);
            Assert.Equal(7, taken[0].LostMessages);
            Assert.Equal(1, taken[0].Sequence);
            Assert.Equal(new long[] { 8, 9, 10 }, taken.Skip(1).Select(m => m.Sequence));
            Assert.Equal(0, inbox.Bytes);

            // Read, the record is gone; a new overflow makes a new one with new counts.
            for (int i = 0; i < 4; i++)
            {
                inbox.Add(seq => Data(seq, 10));
            }

            taken = inbox.Take(0, remove: true);
            Assert.Equal(McastMessageKind.Gap, taken[0].Kind);
            Assert.Equal(1, taken[0].LostMessages);
            Assert.Equal(3, taken.Count(m => m.Kind == McastMessageKind.Message));
        }

        [Fact]
        public void The_byte_limit_drops_the_oldest_and_keeps_a_single_message_larger_than_it()
        {
            using var inbox = new MessageInbox(1000, 100, Gap);
            inbox.Add(seq => Data(seq, 60));
            inbox.Add(seq => Data(seq, 30));
            Assert.Equal(90, inbox.Bytes);

            inbox.Add(seq => Data(seq, 30));
            Assert.Equal(60, inbox.Bytes);
            Assert.Equal(1, inbox.Overflow);

            // One message over the limit alone: the others give way, it stays.
            inbox.Add(seq => Data(seq, 500));
            Assert.Equal(500, inbox.Bytes);
            var taken = inbox.Take(0, remove: true);
            Assert.Equal(McastMessageKind.Gap, taken[0].Kind);
            Assert.Equal(3, taken[0].LostMessages);
            Assert.Contains("120 bytes", taken[0].Reason);
            Assert.Equal(500, taken.Single(m => m.Kind == McastMessageKind.Message).Length);
        }

        [Fact]
        public void Keeping_messages_with_a_reader_that_does_not_remove_them_still_stays_within_the_bounds()
        {
            using var inbox = new MessageInbox(5, long.MaxValue, Gap);
            for (int i = 0; i < 100; i++)
            {
                inbox.Add(seq => Data(seq, 1));
                inbox.Take(0, remove: false);
            }

            Assert.Equal(6, inbox.Count);
            Assert.Equal(95, inbox.Overflow);
        }
    }
}
