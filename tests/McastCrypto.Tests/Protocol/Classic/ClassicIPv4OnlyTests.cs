using System;
using System.Net;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Protocol.Classic
{
    /// <summary>Classic's records 10, 11 and 12 carry 4-byte IPv4 addresses: every layer refuses IPv6 for it, saying so.</summary>
    public class ClassicIPv4OnlyTests
    {
        private static readonly IPEndPoint V6Self = new IPEndPoint(IPAddress.Parse("fe80::1%2"), 40000);

        [Fact]
        public void The_codec_refuses_to_write_an_IPv6_address_into_six_bytes()
        {
            ArgumentException ex = Assert.Throws<ArgumentException>(() => ClassicCodec.EncodeEndPoint(V6Self));

            Assert.Contains("[fe80::1%2]:40000", ex.Message);
            Assert.Contains("IPv4 addresses only", ex.Message);
        }

        [Fact]
        public void The_codec_still_writes_an_IPv4_mapped_address_as_its_IPv4_address()
        {
            Assert.Equal(new byte[] { 10, 1, 2, 3, 0x9C, 0x40 }, ClassicCodec.EncodeEndPoint(new IPEndPoint(IPAddress.Parse("::ffff:10.1.2.3"), 40000)));
        }

        [Fact]
        public void A_Classic_member_or_relay_refuses_an_IPv6_address_of_its_own()
        {
            Assert.Throws<ArgumentException>(() => new ClassicMember(V6Self, TestKeys.Get(0), new ClassicMemberOptions()));
            Assert.Throws<ArgumentException>(() => new ClassicRelay(V6Self, TestKeys.Get(1), new ClassicRelayOptions()));
        }

        [Fact]
        public void A_Classic_session_on_an_IPv6_group_is_refused_before_any_socket()
        {
            var options = new McastSessionOptions
            {
                Protocol = McastProtocol.Classic,
                Network = new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Interface = "1" },
            };

            ArgumentException ex = Assert.Throws<ArgumentException>(() => MemberProtocolFactory.Prepare(options));

            Assert.Contains("IPv6 group ff15::1", ex.Message);
            Assert.Contains("-Protocol Secure", ex.Message);
        }

        [Fact]
        public void A_Classic_relay_on_an_IPv6_group_is_refused_before_any_socket()
        {
            var options = new McastRelayOptions
            {
                Protocol = McastProtocol.Classic,
                Network = new MulticastOptions { Group = IPAddress.Parse("ff02::1:2"), Interface = "1" },
            };

            ArgumentException ex = Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(options));

            Assert.Contains("IPv6 group ff02::1:2", ex.Message);
        }

        [Fact]
        public void A_Classic_session_or_relay_on_an_IPv4_group_is_still_prepared()
        {
            var session = new McastSessionOptions { Protocol = McastProtocol.Classic, Network = new MulticastOptions { Group = IPAddress.Parse("239.255.1.2"), Interface = "Loopback" } };
            var relay = new McastRelayOptions { Protocol = McastProtocol.Classic, Network = new MulticastOptions { Group = IPAddress.Parse("239.255.1.2"), Interface = "Loopback" } };

            Assert.NotNull(MemberProtocolFactory.Prepare(session));
            Assert.NotNull(RelayProtocolFactory.Prepare(relay));
        }
    }
}
