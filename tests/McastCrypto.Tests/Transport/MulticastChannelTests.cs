using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    public class MulticastChannelTests
    {
        private static byte[] Tagged(string tag, int index)
        {
            return Encoding.ASCII.GetBytes(tag + ":" + index);
        }

        [Fact]
        public async Task A_datagram_sent_by_one_channel_arrives_at_another_with_the_senders_local_end_point_as_source()
        {
            IPAddress group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            using MulticastChannel sender = LoopbackNetwork.Open(group, port);
            using MulticastChannel receiver = LoopbackNetwork.Open(group, port);

            byte[] payload = Guid.NewGuid().ToByteArray();
            sender.Send(payload);
            Datagram got = await LoopbackNetwork.ReceiveOneAsync(receiver);

            Assert.Equal(payload, got.Payload);
            Assert.Equal(sender.LocalEndPoint, got.Source);
            Assert.Equal(IPAddress.Loopback, sender.LocalEndPoint.Address);
            Assert.NotEqual(0, sender.LocalEndPoint.Port);
            Assert.NotEqual(port, sender.LocalEndPoint.Port);
            Assert.True(got.Destination is null || got.Destination.Equals(group), "destination " + got.Destination);
            Assert.Equal(IPAddress.Loopback, sender.InterfaceAddress);
            Assert.Equal(group, sender.Group);
            Assert.Equal(port, sender.Port);
        }

        [Fact]
        public async Task A_channel_hears_its_own_datagrams_through_multicast_loopback()
        {
            using MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());

            channel.Send(new byte[] { 1, 2, 3 });
            Datagram got = await LoopbackNetwork.ReceiveOneAsync(channel);

            Assert.Equal(new byte[] { 1, 2, 3 }, got.Payload);
            Assert.Equal(channel.LocalEndPoint, got.Source);
        }

        [Fact]
        public async Task Two_channels_on_the_same_group_and_port_both_receive()
        {
            IPAddress group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            using MulticastChannel first = LoopbackNetwork.Open(group, port);
            using MulticastChannel second = LoopbackNetwork.Open(group, port);
            using MulticastChannel sender = LoopbackNetwork.Open(group, port);

            Assert.NotEqual(first.LocalEndPoint, second.LocalEndPoint);
            sender.Send(new byte[] { 42 });

            Assert.Equal(new byte[] { 42 }, (await LoopbackNetwork.ReceiveOneAsync(first)).Payload);
            Assert.Equal(new byte[] { 42 }, (await LoopbackNetwork.ReceiveOneAsync(second)).Payload);
        }

        [Fact]
        public async Task Channels_on_the_same_port_never_hear_each_others_groups()
        {
            int port = LoopbackNetwork.RandomPort();
            IPAddress groupA = LoopbackNetwork.RandomGroup();
            IPAddress groupB;
            do
            {
                groupB = LoopbackNetwork.RandomGroup();
            }
            while (groupB.Equals(groupA));

            using MulticastChannel a = LoopbackNetwork.Open(groupA, port);
            using MulticastChannel b = LoopbackNetwork.Open(groupB, port);

            for (int i = 0; i < 5; i++)
            {
                a.Send(Tagged("A", i));
                b.Send(Tagged("B", i));
            }

            Task<List<Datagram>> heardByA = LoopbackNetwork.CollectAsync(a, TimeSpan.FromMilliseconds(600));
            Task<List<Datagram>> heardByB = LoopbackNetwork.CollectAsync(b, TimeSpan.FromMilliseconds(600));
            string[] textA = (await heardByA).Select(d => Encoding.ASCII.GetString(d.Payload)).ToArray();
            string[] textB = (await heardByB).Select(d => Encoding.ASCII.GetString(d.Payload)).ToArray();

            Assert.Equal(Enumerable.Range(0, 5).Select(i => "A:" + i), textA);
            Assert.Equal(Enumerable.Range(0, 5).Select(i => "B:" + i), textB);
        }

        [Fact]
        public async Task A_paced_burst_of_500_datagrams_all_arrive()
        {
            IPAddress group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            using MulticastChannel sender = LoopbackNetwork.Open(group, port);
            using MulticastChannel receiver = LoopbackNetwork.Open(group, port);
            Assert.True(receiver.ReceiveBufferBytes > 0);

            const int count = 500;
            Task<List<Datagram>> collecting = LoopbackNetwork.CollectAsync(receiver, LoopbackNetwork.MaxWait, count);
            var payload = new byte[1000];
            for (int i = 0; i < count; i++)
            {
                BitConverter.TryWriteBytes(payload, i);
                sender.Send(payload);
                if (i % 25 == 24)
                {
                    await Task.Delay(2);
                }
            }

            List<Datagram> got = await collecting;
            int[] indices = got.Select(d => BitConverter.ToInt32(d.Payload, 0)).Distinct().OrderBy(i => i).ToArray();
            Assert.Equal(Enumerable.Range(0, count), indices);
        }

        [Fact]
        public async Task Disposing_the_channel_ends_a_pending_receive_within_a_second()
        {
            MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());
            Task<Datagram> pending = channel.ReceiveAsync(CancellationToken.None);
            await Task.Delay(100);
            Assert.False(pending.IsCompleted);

            channel.Dispose();

            Task first = await Task.WhenAny(pending, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.Same(pending, first);
            Exception ex = await Assert.ThrowsAnyAsync<Exception>(() => pending);
            Assert.True(ex is ObjectDisposedException || ex is OperationCanceledException, ex.ToString());
        }

        [Fact]
        public async Task Cancelling_a_receive_throws_OperationCanceledException_and_loses_nothing()
        {
            using MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());
            using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

            Task<Datagram> pending = channel.ReceiveAsync(cancel.Token);
            Task first = await Task.WhenAny(pending, Task.Delay(TimeSpan.FromSeconds(1)));
            Assert.Same(pending, first);
            OperationCanceledException ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending);
            Assert.Equal(cancel.Token, ex.CancellationToken);

            channel.Send(new byte[] { 7 });
            Assert.Equal(new byte[] { 7 }, (await LoopbackNetwork.ReceiveOneAsync(channel)).Payload);
        }

        [Fact]
        public async Task A_disposed_channel_refuses_to_send_and_receive_and_may_be_disposed_again()
        {
            MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());
            channel.Dispose();
            channel.Dispose();

            Assert.Throws<ObjectDisposedException>(() => channel.Send(new byte[] { 1 }));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => channel.ReceiveAsync(CancellationToken.None));
        }

        [Fact]
        public void A_datagram_larger_than_UDP_over_IPv4_allows_is_refused_before_the_socket()
        {
            using MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());

            ArgumentException ex = Assert.Throws<ArgumentException>(() => channel.Send(new byte[MulticastChannel.MaxDatagramBytes + 1]));
            Assert.Contains("65508", ex.Message);
        }

        [Fact]
        public async Task The_largest_datagram_makes_the_round_trip()
        {
            using MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());
            var payload = new byte[MulticastChannel.MaxDatagramBytes];
            new Random(1).NextBytes(payload);

            channel.Send(payload);

            Assert.Equal(payload, (await LoopbackNetwork.ReceiveOneAsync(channel)).Payload);
        }

        [Fact]
        public void The_options_are_copied_when_the_channel_opens()
        {
            MulticastOptions options = LoopbackNetwork.Options(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());
            using var channel = new MulticastChannel(options);
            int port = options.Port;

            options.Port = port == 20000 ? 20001 : 20000;

            Assert.Equal(port, channel.Port);
        }

        [Fact]
        public void The_loopback_interface_may_be_named_by_its_system_name()
        {
            NetworkInterface? loopback = NetworkInterface.GetAllNetworkInterfaces()
                .FirstOrDefault(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback
                    && n.GetIPProperties().UnicastAddresses.Any(u => u.Address.Equals(IPAddress.Loopback)));
            if (loopback is null)
            {
                return; // No loopback interface with 127.0.0.1 to name on this machine.
            }

            MulticastOptions options = LoopbackNetwork.Options(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort());
            options.Interface = loopback.Name;
            using var channel = new MulticastChannel(options);

            Assert.Equal(IPAddress.Loopback, channel.InterfaceAddress);
            Assert.Equal(IPAddress.Loopback, channel.LocalEndPoint.Address);
        }

        [Fact]
        public void A_bind_conflict_is_reported_with_the_operation_group_port_interface_and_reason()
        {
            if (!OperatingSystem.IsLinux())
            {
                return; // The conflict below relies on Linux's rule that every socket sharing a port sets SO_REUSEADDR.
            }

            IPAddress group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            using var exclusive = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            exclusive.Bind(new IPEndPoint(group, port));

            McastTransportException ex = Assert.Throws<McastTransportException>(() => LoopbackNetwork.Open(group, port));

            Assert.Equal("bind", ex.Operation);
            Assert.Equal(SocketError.AddressAlreadyInUse, ex.SocketError);
            Assert.Equal(new IPEndPoint(group, port), ex.EndPoint);
            Assert.Contains(group.ToString(), ex.Message);
            Assert.Contains(port.ToString(), ex.Message);
            Assert.Contains("127.0.0.1", ex.Message);
            Assert.IsType<SocketException>(ex.InnerException);
            Assert.Contains(ex.InnerException!.Message, ex.Message);
        }

        [Fact]
        public void The_receive_buffer_reported_is_the_one_the_system_granted()
        {
            using MulticastChannel channel = LoopbackNetwork.Open(LoopbackNetwork.RandomGroup(), LoopbackNetwork.RandomPort(), 100000);

            Assert.Equal(channel.ReceiveBufferBytes, ((IDatagramChannel)channel).ReceiveBufferBytes);
            if (!OperatingSystem.IsLinux())
            {
                Assert.True(channel.ReceiveBufferBytes > 0);
                return; // Only Linux's rule is known here: twice the size asked for, capped at twice rmem_max.
            }

            long rmemMax = long.Parse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), CultureInfo.InvariantCulture);
            Assert.Equal(2 * Math.Min(100000, rmemMax), channel.ReceiveBufferBytes);
        }

        [Fact]
        public async Task The_datagrams_the_kernel_drops_at_a_full_receive_socket_are_counted_for_that_socket()
        {
            IPAddress group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();

            // The smallest buffer the system allows holds a datagram or two of 1000 bytes; nobody reads it.
            MulticastChannel tiny = LoopbackNetwork.Open(group, port, 1);
            try
            {
                if (!OperatingSystem.IsLinux())
                {
                    Assert.Null(tiny.KernelDrops);
                    return; // Only Linux reports the drops of one socket.
                }

                using MulticastChannel reader = LoopbackNetwork.Open(group, port);
                using MulticastChannel sender = LoopbackNetwork.Open(group, port);
                Assert.Equal(0, tiny.KernelDrops);

                const int count = 50;
                Task<List<Datagram>> reading = LoopbackNetwork.CollectAsync(reader, LoopbackNetwork.MaxWait, count);
                var payload = new byte[1000];
                for (int i = 0; i < count; i++)
                {
                    BitConverter.TryWriteBytes(payload, i);
                    sender.Send(payload);
                }

                // The kernel delivers each datagram to every member socket in one pass: once the reader has
                // them all, the tiny socket has kept or dropped each of them.
                Assert.Equal(count, (await reading).Count);
                long drops = tiny.KernelDrops ?? -1;
                List<Datagram> kept = await LoopbackNetwork.CollectAsync(tiny, TimeSpan.FromMilliseconds(300), count);

                Assert.True(drops > 0, "drops " + drops);
                Assert.Equal(count, kept.Count + drops);
                Assert.Equal(0, reader.KernelDrops);

                tiny.Dispose();
                Assert.Equal(drops, tiny.KernelDrops);
            }
            finally
            {
                tiny.Dispose();
            }
        }
    }
}
