using System;
using System.Net;
using FsCheck.Xunit;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    public class MulticastOptionsTests
    {
        [Fact]
        public void The_defaults_are_the_classic_protocols_and_valid()
        {
            var options = new MulticastOptions();

            Assert.Equal(IPAddress.Parse("224.1.1.1"), options.Group);
            Assert.Equal(5007, options.Port);
            Assert.Null(options.Interface);
            Assert.Equal(1, options.Ttl);
            Assert.True(options.MulticastLoopback);
            Assert.Equal(4 * 1024 * 1024, options.ReceiveBufferBytes);
            options.Validate();
            Assert.Equal(IPAddress.Any, options.ResolveInterfaceAddress());
        }

        [Theory]
        [InlineData("10.1.2.3")]
        [InlineData("223.255.255.255")]
        [InlineData("240.0.0.1")]
        [InlineData("ff02::1")]
        public void A_group_that_is_not_IPv4_multicast_is_refused_by_name(string group)
        {
            var options = new MulticastOptions { Group = IPAddress.Parse(group), Interface = "Loopback" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains(IPAddress.Parse(group).ToString(), ex.Message);
            Assert.Equal(nameof(MulticastOptions.Group), ex.ParamName);
        }

        [Property(MaxTest = 200)]
        public bool Exactly_the_addresses_in_224_0_0_0_slash_4_are_valid_groups(byte a, byte b, byte c, byte d)
        {
            var options = new MulticastOptions { Group = new IPAddress(new[] { a, b, c, d }), Interface = "Loopback" };
            bool valid;
            try
            {
                options.Validate();
                valid = true;
            }
            catch (ArgumentException)
            {
                valid = false;
            }

            return valid == (a >= 224 && a <= 239);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(-1)]
        [InlineData(65536)]
        public void A_port_outside_1_to_65535_is_refused_by_value(int port)
        {
            var options = new MulticastOptions { Port = port, Interface = "Loopback" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains("port " + port, ex.Message);
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(256)]
        public void A_ttl_outside_0_to_255_is_refused_by_value(int ttl)
        {
            var options = new MulticastOptions { Ttl = ttl, Interface = "Loopback" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains("TTL " + ttl, ex.Message);
        }

        [Fact]
        public void A_negative_receive_buffer_is_refused()
        {
            var options = new MulticastOptions { ReceiveBufferBytes = -5, Interface = "Loopback" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains("-5", ex.Message);
        }

        [Fact]
        public void An_unknown_interface_name_is_refused_by_name()
        {
            var options = new MulticastOptions { Interface = "no-such-interface-7f3a" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains("'no-such-interface-7f3a'", ex.Message);
            Assert.Equal(nameof(MulticastOptions.Interface), ex.ParamName);
        }

        [Theory]
        [InlineData("203.0.113.77")]
        [InlineData("::1")]
        [InlineData("239.1.2.3")]
        public void An_interface_address_this_computer_cannot_send_from_is_refused_by_value(string address)
        {
            var options = new MulticastOptions { Interface = address };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains(address, ex.Message);
        }

        [Theory]
        [InlineData("Loopback")]
        [InlineData("loopback")]
        [InlineData(" LOOPBACK ")]
        [InlineData("127.0.0.1")]
        public void Loopback_is_127_0_0_1(string name)
        {
            var options = new MulticastOptions { Interface = name };

            Assert.Equal(IPAddress.Loopback, options.ResolveInterfaceAddress());
        }

        [Fact]
        public void An_empty_interface_name_is_refused()
        {
            var options = new MulticastOptions { Interface = "  " };

            Assert.Throws<ArgumentException>(options.Validate);
        }

        [Fact]
        public void A_channel_refuses_invalid_options_before_opening_a_socket()
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("10.0.0.1"), Interface = "Loopback" };

            Assert.Throws<ArgumentException>(() => new MulticastChannel(options));
            Assert.Throws<ArgumentNullException>(() => new MulticastChannel(null!));
        }
    }
}
