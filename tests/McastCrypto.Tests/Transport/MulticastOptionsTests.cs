using System;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
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
        [InlineData("fe80::1")]
        [InlineData("fd00::1")]
        [InlineData("::")]
        public void A_group_that_is_not_multicast_is_refused_by_name(string group)
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
        [Theory]
        [InlineData("ff01::1")]
        [InlineData("ff02::1:3")]
        [InlineData("ff05::2")]
        [InlineData("ff08::1234")]
        [InlineData("ff0e::1")]
        [InlineData("ff15::abcd")]
        [InlineData("ff18::1")]
        [InlineData("ff3e:30:2001:db8::1")]
        public void An_IPv6_group_of_any_scope_is_a_group_and_needs_an_interface(string group)
        {
            // No interface: the group passes its check, and the refusal is about the missing interface.
            var options = new MulticastOptions { Group = IPAddress.Parse(group) };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Equal(nameof(MulticastOptions.Interface), ex.ParamName);
            Assert.Contains("IPv6 group " + IPAddress.Parse(group), ex.Message);
            Assert.Contains("needs -Interface", ex.Message);
            Assert.True(options.IsIPv6);
        }

        [Theory]
        [InlineData("ff15::1", true)]
        [InlineData("ff00::", true)]
        [InlineData("feff::1", false)]
        [InlineData("239.255.1.2", true)]
        [InlineData("::ffff:239.1.2.3", true)]
        [InlineData("::ffff:10.1.2.3", false)]
        [InlineData("2001:db8::1", false)]
        public void Multicast_groups_are_224_0_0_0_slash_4_and_ff00_slash_8(string address, bool expected)
        {
            Assert.Equal(expected, MulticastOptions.IsMulticastGroup(IPAddress.Parse(address)));
        }

        [Fact]
        public void An_IPv4_mapped_group_is_the_IPv4_group()
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("::ffff:239.255.1.2"), Interface = "Loopback" };

            Assert.False(options.IsIPv6);
            Assert.Equal(IPAddress.Loopback, options.ResolveInterfaceAddress());
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(256)]
        public void A_hop_limit_outside_0_to_255_is_refused_as_a_hop_limit_for_an_IPv6_group(int hops)
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Ttl = hops, Interface = "1" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Equal(nameof(MulticastOptions.Ttl), ex.ParamName);
            Assert.Contains("hop limit " + hops, ex.Message);
        }

        [Theory]
        [InlineData("127.0.0.1")]
        [InlineData("0.0.0.0")]
        public void An_IPv4_interface_address_for_an_IPv6_group_is_refused(string address)
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Interface = address };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Equal(nameof(MulticastOptions.Interface), ex.ParamName);
            Assert.Contains("'" + address + "' is IPv4", ex.Message);
            Assert.Contains("ff15::1 is IPv6", ex.Message);
        }

        [Theory]
        [InlineData("2001:db8::7f3a")]
        [InlineData("ff02::1")]
        [InlineData("::")]
        public void An_IPv6_interface_address_this_computer_cannot_send_from_is_refused_by_value(string address)
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Interface = address };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Equal(nameof(MulticastOptions.Interface), ex.ParamName);
            Assert.Contains(address, ex.Message);
        }

        [Fact]
        public void An_interface_index_no_interface_has_is_refused_by_value()
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Interface = "999999" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Equal(nameof(MulticastOptions.Interface), ex.ParamName);
            Assert.Contains("index 999999", ex.Message);
        }

        [Fact]
        public void An_IPv6_group_on_an_unknown_interface_name_is_refused_by_name()
        {
            var options = new MulticastOptions { Group = IPAddress.Parse("ff02::1"), Interface = "no-such-interface-7f3a" };

            ArgumentException ex = Assert.Throws<ArgumentException>(options.Validate);

            Assert.Contains("'no-such-interface-7f3a'", ex.Message);
            Assert.Contains("IPv6 group", ex.Message);
        }

        [Fact]
        public void The_loopback_interface_by_name_index_or_address_is_one_interface_for_an_IPv6_group()
        {
            NetworkInterface? lo = NetworkInterface.GetAllNetworkInterfaces()
                .FirstOrDefault(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback && n.Supports(NetworkInterfaceComponent.IPv6)
                    && n.GetIPProperties().UnicastAddresses.Any(a => a.Address.Equals(IPAddress.IPv6Loopback)));
            if (lo is null)
            {
                // IPv6 turned off (a container without it): Loopback names no interface an IPv6 group can use, and says so.
                Assert.Contains("no loopback interface with IPv6", Outcome(new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Interface = "Loopback" }));
                return;
            }

            int index = lo.GetIPProperties().GetIPv6Properties().Index;

            string[] outcomes = new[] { lo.Name, index.ToString(System.Globalization.CultureInfo.InvariantCulture), "::1", "Loopback" }
                .Select(i => Outcome(new MulticastOptions { Group = IPAddress.Parse("ff15::1"), Interface = i }))
                .ToArray();

            if (lo.SupportsMulticast)
            {
                // macOS's lo0, Windows' loopback: the group is joined there, on its index.
                Assert.All(outcomes, o => Assert.Equal("index " + index, o));
            }
            else
            {
                // Linux's lo has no MULTICAST flag: every form is refused, naming lo and why.
                Assert.All(outcomes, o => Assert.Contains("(" + lo.Name + ") cannot carry the IPv6 group ff15::1: it does not do multicast", o));
            }

            static string Outcome(MulticastOptions options)
            {
                try
                {
                    ResolvedInterface nic = options.Resolve();
                    Assert.Equal(AddressFamily.InterNetworkV6, nic.Family);
                    return "index " + nic.Index;
                }
                catch (ArgumentException e)
                {
                    return e.Message;
                }
            }
        }

        [Fact]
        public void An_IPv4_group_takes_an_interface_by_its_index()
        {
            NetworkInterface lo = NetworkInterface.GetAllNetworkInterfaces()
                .First(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback && n.Supports(NetworkInterfaceComponent.IPv4));
            int index = lo.GetIPProperties().GetIPv4Properties().Index;
            IPAddress first = lo.GetIPProperties().UnicastAddresses.Select(a => a.Address).First(a => a.AddressFamily == AddressFamily.InterNetwork);

            var options = new MulticastOptions { Interface = index.ToString(System.Globalization.CultureInfo.InvariantCulture) };

            Assert.Equal(first, options.ResolveInterfaceAddress());
        }

        [Fact]
        public void An_IPv4_group_shows_its_interface_as_an_address_and_an_IPv6_group_by_name()
        {
            Assert.Equal("127.0.0.1", new MulticastOptions { Interface = "Loopback" }.Resolve().Text);
            Assert.Equal("0.0.0.0", new MulticastOptions().Resolve().Text);
            Assert.Equal("eth7", ResolvedInterface.IPv6(7, "eth7", null).Text);
            Assert.Equal("7", ResolvedInterface.IPv6(7, null, null).Text);
        }
    }
}
