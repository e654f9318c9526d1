using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using FsCheck.Xunit;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    public class FaultInjectingChannelTests
    {
        private static byte[] Numbered(int i)
        {
            return BitConverter.GetBytes(i);
        }

        private static int[] Numbers(IEnumerable<byte[]> datagrams)
        {
            return datagrams.Select(d => BitConverter.ToInt32(d, 0)).ToArray();
        }

        private static int[] SendNumbered(FaultRules rules, int seed, int count, out FaultInjectingChannel channel)
        {
            var fake = new FakeDatagramChannel();
            channel = new FaultInjectingChannel(fake, rules, seed);
            for (int i = 0; i < count; i++)
            {
                channel.Send(Numbered(i));
            }

            return Numbers(fake.Sent);
        }

        private static void WaitUntil(Func<bool> condition)
        {
            Assert.True(SpinWait.SpinUntil(condition, LoopbackNetwork.MaxWait), "condition not met within 5 s");
        }

        [Property(MaxTest = 30)]
        public bool The_same_seed_makes_the_same_decisions(int seed)
        {
            var rules = new FaultRules { DropRate = 0.3, DuplicateRate = 0.2, ReorderRate = 0.2 };

            int[] first = SendNumbered(rules, seed, 100, out FaultInjectingChannel a);
            int[] second = SendNumbered(rules, seed, 100, out FaultInjectingChannel b);

            return first.SequenceEqual(second)
                && a.Dropped == b.Dropped && a.Duplicated == b.Duplicated && a.Reordered == b.Reordered;
        }

        [Fact]
        public void Different_seeds_make_different_decisions()
        {
            var rules = new FaultRules { DropRate = 0.5 };

            int[] first = SendNumbered(rules, 1, 100, out _);
            int[] second = SendNumbered(rules, 2, 100, out _);

            Assert.NotEqual(first, second);
        }

        [Fact]
        public void A_datagrams_fate_depends_only_on_the_seed_and_its_place()
        {
            // Turning duplication on must not change which datagrams are dropped.
            int[] dropsOnly = SendNumbered(new FaultRules { DropRate = 0.4 }, 9, 200, out _);
            int[] withDuplicates = SendNumbered(new FaultRules { DropRate = 0.4, DuplicateRate = 0.5 }, 9, 200, out _);

            Assert.Equal(dropsOnly, withDuplicates.Distinct().ToArray());
        }

        [Fact]
        public void With_no_faults_everything_arrives_in_order()
        {
            int[] got = SendNumbered(new FaultRules(), 3, 200, out FaultInjectingChannel channel);

            Assert.Equal(Enumerable.Range(0, 200), got);
            Assert.Equal(0, channel.Dropped + channel.Duplicated + channel.Reordered + channel.Delayed);
        }

        [Fact]
        public void A_drop_rate_of_one_drops_and_counts_everything()
        {
            int[] got = SendNumbered(new FaultRules { DropRate = 1 }, 3, 50, out FaultInjectingChannel channel);

            Assert.Empty(got);
            Assert.Equal(50, channel.Dropped);
        }

        [Fact]
        public void Some_drops_at_a_middling_rate_are_counted_exactly()
        {
            int[] got = SendNumbered(new FaultRules { DropRate = 0.25 }, 11, 400, out FaultInjectingChannel channel);

            Assert.Equal(400 - got.Length, channel.Dropped);
            Assert.InRange(channel.Dropped, 50, 150);
            Assert.Equal(got.OrderBy(i => i), got);
        }

        [Fact]
        public void A_duplicate_rate_of_one_delivers_everything_twice_and_counts_it()
        {
            int[] got = SendNumbered(new FaultRules { DuplicateRate = 1 }, 3, 10, out FaultInjectingChannel channel);

            Assert.Equal(Enumerable.Range(0, 10).SelectMany(i => new[] { i, i }), got);
            Assert.Equal(10, channel.Duplicated);
        }

        [Fact]
        public void Reordering_holds_a_datagram_back_until_the_next_has_passed()
        {
            int[] got = SendNumbered(new FaultRules { ReorderRate = 1 }, 3, 5, out FaultInjectingChannel channel);

            Assert.Equal(new[] { 1, 0, 3, 2 }, got);
            Assert.Equal(3, channel.Reordered);
        }

        [Fact]
        public void Flush_releases_the_held_datagram()
        {
            var fake = new FakeDatagramChannel();
            using var channel = new FaultInjectingChannel(fake, new FaultRules { ReorderRate = 1 }, 3);
            channel.Send(Numbered(0));
            Assert.Empty(fake.Sent);

            channel.Flush();

            Assert.Equal(new[] { 0 }, Numbers(fake.Sent));
        }

        [Fact]
        public void A_delay_delivers_later_and_counts_the_delayed_datagrams()
        {
            var fake = new FakeDatagramChannel();
            using var channel = new FaultInjectingChannel(fake, new FaultRules { MaxDelay = TimeSpan.FromSeconds(1) }, 5);
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 10; i++)
            {
                channel.Send(Numbered(i));
            }

            Assert.True(fake.SentCount < 10, "some datagrams should still be waiting");
            WaitUntil(() => fake.SentCount == 10);
            Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(20), "delivered too early: " + clock.Elapsed);
            Assert.Equal(Enumerable.Range(0, 10), Numbers(fake.Sent).OrderBy(i => i));
            Assert.InRange(channel.Delayed, 1, 10);
        }

        [Fact]
        public void Faults_apply_only_to_the_directions_the_rules_name()
        {
            var fake = new FakeDatagramChannel();
            using var channel = new FaultInjectingChannel(fake, new FaultRules { DropRate = 1, ApplyToSend = false }, 3);

            channel.Send(Numbered(1));

            Assert.Equal(new[] { 1 }, Numbers(fake.Sent));
            Assert.Equal(0, channel.Dropped);
        }

        [Fact]
        public async Task Receiving_passes_through_untouched_by_default()
        {
            var fake = new FakeDatagramChannel();
            using var channel = new FaultInjectingChannel(fake, new FaultRules { DropRate = 1 }, 3);
            fake.Deliver(Numbered(4));

            Datagram got = await LoopbackNetwork.ReceiveOneAsync(channel);

            Assert.Equal(Numbered(4), got.Payload);
        }

        [Fact]
        public async Task Faults_on_receive_drop_and_duplicate_what_arrives()
        {
            var fake = new FakeDatagramChannel();
            var rules = new FaultRules { DropRate = 1, ApplyToSend = false, ApplyToReceive = true };
            using var channel = new FaultInjectingChannel(fake, rules, 3);
            for (int i = 0; i < 5; i++)
            {
                fake.Deliver(Numbered(i));
            }

            List<Datagram> none = await LoopbackNetwork.CollectAsync(channel, TimeSpan.FromMilliseconds(300));
            Assert.Empty(none);
            Assert.Equal(5, channel.Dropped);

            rules.DropRate = 0;
            rules.DuplicateRate = 1;
            fake.Deliver(Numbered(9));
            Assert.Equal(Numbered(9), (await LoopbackNetwork.ReceiveOneAsync(channel)).Payload);
            Assert.Equal(Numbered(9), (await LoopbackNetwork.ReceiveOneAsync(channel)).Payload);
            Assert.Equal(1, channel.Duplicated);
        }

        [Fact]
        public async Task Disposing_disposes_the_inner_channel_and_ends_a_pending_receive()
        {
            var fake = new FakeDatagramChannel();
            var channel = new FaultInjectingChannel(fake, new FaultRules { ApplyToReceive = true }, 3);
            Task<Datagram> pending = channel.ReceiveAsync(CancellationToken.None);
            await Task.Delay(50);

            channel.Dispose();
            channel.Dispose();

            Assert.True(fake.IsDisposed);
            Task first = await Task.WhenAny(pending, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.Same(pending, first);
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
            Assert.Throws<ObjectDisposedException>(() => channel.Send(Numbered(1)));
        }

        [Fact]
        public async Task A_cancelled_receive_through_the_fault_queue_throws_OperationCanceledException()
        {
            using var channel = new FaultInjectingChannel(new FakeDatagramChannel(), new FaultRules { ApplyToReceive = true }, 3);
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

            OperationCanceledException ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => channel.ReceiveAsync(cancel.Token));

            Assert.Equal(cancel.Token, ex.CancellationToken);
        }

        [Fact]
        public async Task Sends_from_many_threads_are_all_accounted_for()
        {
            var fake = new FakeDatagramChannel();
            using var channel = new FaultInjectingChannel(fake, new FaultRules { DropRate = 0.3, DuplicateRate = 0.3 }, 8);

            await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
            {
                for (int i = 0; i < 250; i++)
                {
                    channel.Send(Numbered((t * 1000) + i));
                }
            })));

            Assert.Equal(1000 - channel.Dropped + channel.Duplicated, fake.SentCount);
        }

        [Fact]
        public async Task Over_a_real_loopback_channel_duplicates_arrive_twice_from_the_senders_end_point()
        {
            System.Net.IPAddress group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            using MulticastChannel receiver = LoopbackNetwork.Open(group, port);
            using var sender = new FaultInjectingChannel(LoopbackNetwork.Open(group, port), new FaultRules { DuplicateRate = 1 }, 1);

            sender.Send(new byte[] { 5 });

            for (int copy = 0; copy < 2; copy++)
            {
                Datagram got = await LoopbackNetwork.ReceiveOneAsync(receiver);
                Assert.Equal(new byte[] { 5 }, got.Payload);
                Assert.Equal(sender.LocalEndPoint, got.Source);
            }
        }
    }
}
