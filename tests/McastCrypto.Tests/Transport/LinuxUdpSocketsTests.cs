using System;
using System.Net;
using System.Net.Sockets;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    public class LinuxUdpSocketsTests
    {
        private static readonly string[] Table =
        {
            "   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops            ",
            "  371: 0100007F:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000   101        0 21811 2 0000000000000000 0         ",
            " 2153: 0101FFEF:4E21 00000000:0000 07 00000000:00001200 00:00000000 00000000  1000        0 47105 2 0000000000000000 48        ",
            " 2154: 0101FFEF:4E21 00000000:0000 07 00000000:00000000 00:00000000 00000000  1000        0 471050 2 0000000000000000 3        ",
        };

        [Theory]
        [InlineData(47105, 48L)]
        [InlineData(471050, 3L)]
        [InlineData(21811, 0L)]
        [InlineData(4710, null)]
        [InlineData(2, null)]
        public void The_drops_column_is_read_from_the_line_of_the_inode(long inode, long? drops)
        {
            Assert.Equal(drops, LinuxUdpSockets.FindDrops(Table, inode));
        }

        [Theory]
        [InlineData("socket:[47105]", 47105L)]
        [InlineData("socket:[]", null)]
        [InlineData("socket:[12x]", null)]
        [InlineData("pipe:[47105]", null)]
        [InlineData("/dev/null", null)]
        [InlineData(null, null)]
        public void Only_a_socket_link_names_an_inode(string? target, long? inode)
        {
            Assert.Equal(inode, LinuxUdpSockets.ParseSocketLink(target));
        }

        [Fact]
        public void A_short_or_garbled_line_is_skipped()
        {
            string[] table = { "garbage", "1: a b c d e f g h 47105 j k", "1: a b c d e f g h 47105 j k many" };

            Assert.Null(LinuxUdpSockets.FindDrops(table, 47105));
        }

        [Fact]
        public void A_bound_UDP_socket_is_found_by_its_inode_on_Linux()
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));

            long? inode = LinuxUdpSockets.InodeOf(socket);
            if (!OperatingSystem.IsLinux())
            {
                Assert.Null(inode);
                return;
            }

            Assert.NotNull(inode);
            Assert.Equal(0, LinuxUdpSockets.ReadDrops(inode!.Value));
        }
    }
}
