using System.Net;
using McastCrypto.Commands;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    /// <summary>The decisions behind the warnings; no socket is opened here.</summary>
    public class NetworkWarningsTests
    {
        private static readonly IPAddress Group = IPAddress.Parse("224.1.1.1");

        [Fact]
        public void WarnsWhenTheSystemPicksTheInterface()
        {
            string? warning = NetworkWarnings.DefaultInterface("This session", null, IPAddress.Any, Group, 5007, 1);
            Assert.NotNull(warning);
            Assert.StartsWith("This session uses the system's default interface", warning);
            Assert.Contains("224.1.1.1:5007", warning);
            Assert.Contains("-Interface Loopback", warning);
            Assert.Contains("network segment", warning);
        }

        [Fact]
        public void SaysHowFarDatagramsGoWithALargerTtl()
        {
            string? warning = NetworkWarnings.DefaultInterface("This relay", null, IPAddress.Any, Group, 5007, 8);
            Assert.NotNull(warning);
            Assert.Contains("8 routers (-Ttl 8)", warning);
        }

        [Theory]
        [InlineData("Loopback", "127.0.0.1")]
        [InlineData("127.0.0.1", "127.0.0.1")]
        [InlineData("lo", "127.0.0.1")]
        [InlineData("eth0", "192.0.2.10")] // named on purpose: the user chose the network
        [InlineData("192.0.2.10", "192.0.2.10")]
        public void StaysQuietWhenTheUserNamedTheInterface(string requested, string resolved) =>
            Assert.Null(NetworkWarnings.DefaultInterface("This session", requested, IPAddress.Parse(resolved), Group, 5007, 1));

        [Fact]
        public void StaysQuietWhenTheDefaultIsLoopback() =>
            Assert.Null(NetworkWarnings.DefaultInterface("This session", null, IPAddress.Parse("127.0.0.1"), Group, 5007, 1));

        [Fact]
        public void WarnsOfASecondRelayOnTheSameGroupPortAndInterface()
        {
            var running = new[] { ("lab", 4, Group, 5007, "127.0.0.1") };
            string? warning = NetworkWarnings.SecondRelay(running, Group, 5007, "127.0.0.1");
            Assert.NotNull(warning);
            Assert.Contains("lab (Id 4)", warning);
            Assert.Contains("224.1.1.1:5007", warning);
            Assert.Contains("Stop-McastRelay -Id 4", warning);
        }

        [Fact]
        public void TakesTheDefaultInterfaceToOverlapAnyOther()
        {
            var onDefault = new[] { ("a", 1, Group, 5007, "0.0.0.0") };
            Assert.NotNull(NetworkWarnings.SecondRelay(onDefault, Group, 5007, "127.0.0.1"));
            var onLoopback = new[] { ("a", 1, Group, 5007, "127.0.0.1") };
            Assert.NotNull(NetworkWarnings.SecondRelay(onLoopback, Group, 5007, "0.0.0.0"));
        }

        [Fact]
        public void StaysQuietForAnotherGroupPortOrInterface()
        {
            var running = new[] { ("a", 1, Group, 5007, "127.0.0.1") };
            Assert.Null(NetworkWarnings.SecondRelay(running, Group, 5008, "127.0.0.1"));
            Assert.Null(NetworkWarnings.SecondRelay(running, IPAddress.Parse("224.1.1.2"), 5007, "127.0.0.1"));
            Assert.Null(NetworkWarnings.SecondRelay(running, Group, 5007, "192.0.2.10"));
            Assert.Null(NetworkWarnings.SecondRelay(new (string, int, IPAddress, int, string)[0], Group, 5007, "127.0.0.1"));
        }
        [Fact]
        public void Writes_an_IPv6_group_and_port_in_brackets()
        {
            string? warning = NetworkWarnings.DefaultInterface("This session", null, IPAddress.IPv6Any, IPAddress.Parse("ff15::1"), 5007, 1);
            Assert.NotNull(warning);
            Assert.Contains("datagrams to [ff15::1]:5007 go out", warning);
        }

        [Fact]
        public void Warns_of_a_second_relay_on_an_IPv6_group_on_the_same_interface_only()
        {
            IPAddress v6 = IPAddress.Parse("ff15::1");
            var running = new[] { ("lab", 4, v6, 5007, "veth1") };

            string? warning = NetworkWarnings.SecondRelay(running, IPAddress.Parse("ff15:0::1"), 5007, "veth1");
            Assert.NotNull(warning);
            Assert.Contains("already serves [ff15::1]:5007 on veth1", warning);
            Assert.Null(NetworkWarnings.SecondRelay(running, v6, 5007, "veth2"));
            Assert.Null(NetworkWarnings.SecondRelay(running, IPAddress.Parse("ff15::2"), 5007, "veth1"));
        }
    }
}
