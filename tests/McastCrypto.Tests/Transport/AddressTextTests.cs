using System.Net;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    public class AddressTextTests
    {
        [Theory]
        [InlineData("239.255.1.2", 5007, "239.255.1.2:5007")]
        [InlineData("ff15::1", 5007, "[ff15::1]:5007")]
        [InlineData("::ffff:239.1.2.3", 80, "239.1.2.3:80")]
        [InlineData("fe80::1%3", 65535, "[fe80::1%3]:65535")]
        public void An_endpoint_is_written_in_its_family_s_form_never_IPv4_mapped(string address, int port, string expected)
        {
            Assert.Equal(expected, AddressText.EndPoint(IPAddress.Parse(address), port));
            Assert.Equal(expected, AddressText.EndPoint(new IPEndPoint(IPAddress.Parse(address), port)));
        }

        [Theory]
        [InlineData("fe80::1%3", "fe80::1%3", true)]
        [InlineData("fe80::1%3", "fe80::1", true)]
        [InlineData("fe80::1%3", "fe80::1%4", false)]
        [InlineData("fe80::1%3", "fe80::2%3", false)]
        [InlineData("fd00::1", "fd00::1", true)]
        [InlineData("::ffff:10.0.0.1", "10.0.0.1", true)]
        [InlineData("10.0.0.1", "10.0.0.2", false)]
        [InlineData("::1", "127.0.0.1", false)]
        public void Addresses_are_the_same_up_to_a_missing_scope_id_and_the_IPv4_mapped_form(string a, string b, bool same)
        {
            Assert.Equal(same, AddressText.SameAddress(IPAddress.Parse(a), IPAddress.Parse(b)));
            Assert.Equal(same, AddressText.SameAddress(IPAddress.Parse(b), IPAddress.Parse(a)));
            Assert.Equal(same, AddressText.SameEndPoint(new IPEndPoint(IPAddress.Parse(a), 9), new IPEndPoint(IPAddress.Parse(b), 9)));
            Assert.False(AddressText.SameEndPoint(new IPEndPoint(IPAddress.Parse(a), 9), new IPEndPoint(IPAddress.Parse(b), 10)));
        }

        [Theory]
        [InlineData("ff01::1", 1)]
        [InlineData("ff02::1", 2)]
        [InlineData("ff05::1", 5)]
        [InlineData("ff15::1", 5)]
        [InlineData("ff08::1", 8)]
        [InlineData("ff0e::1", 14)]
        public void An_IPv6_group_s_scope_is_its_fourth_nibble(string group, int scope)
        {
            Assert.Equal(scope, AddressText.IPv6MulticastScope(IPAddress.Parse(group)));
        }
    }
}
