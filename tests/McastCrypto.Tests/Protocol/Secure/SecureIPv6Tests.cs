using System;
using System.Linq;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>The Secure protocol on IPv6 groups: G is the group's 16 address bytes, and members are named by link-local sources with a scope id.</summary>
    public class SecureIPv6Tests
    {
        private static readonly IPAddress V6Group = IPAddress.Parse("ff15::4d43");

        [Fact]
        public void G_is_four_bytes_for_an_IPv4_group_and_sixteen_for_an_IPv6_group()
        {
            byte[] v4 = SecureKeySchedule.GroupAndPort(IPAddress.Parse("239.1.2.3"), 5007);
            byte[] v6 = SecureKeySchedule.GroupAndPort(IPAddress.Parse("ff15::1:2"), 5007);

            Assert.Equal(new byte[] { 239, 1, 2, 3, 0x13, 0x8F }, v4);
            Assert.Equal(18, v6.Length);
            Assert.Equal(IPAddress.Parse("ff15::1:2").GetAddressBytes(), v6.Take(16).ToArray());
            Assert.Equal(new byte[] { 0x13, 0x8F }, v6.Skip(16).ToArray());
        }

        [Fact]
        public void G_has_no_scope_id_and_an_IPv4_mapped_group_is_its_IPv4_address()
        {
            Assert.Equal(
                SecureKeySchedule.GroupAndPort(IPAddress.Parse("ff02::1:2"), 6000),
                SecureKeySchedule.GroupAndPort(IPAddress.Parse("ff02::1:2%7"), 6000));
            Assert.Equal(
                SecureKeySchedule.GroupAndPort(IPAddress.Parse("239.1.2.3"), 6000),
                SecureKeySchedule.GroupAndPort(IPAddress.Parse("::ffff:239.1.2.3"), 6000));
        }

        [Theory]
        [InlineData("ff02::1")]
        [InlineData("ff15::1")]
        [InlineData("ff0e::1234")]
        public void Member_and_relay_options_take_an_IPv6_group(string group)
        {
            new SecureMemberOptions { Group = IPAddress.Parse(group) }.Validate();
            new SecureRelayOptions { Group = IPAddress.Parse(group) }.Validate();
        }

        [Theory]
        [InlineData("fe80::1")]
        [InlineData("2001:db8::1")]
        [InlineData("10.0.0.1")]
        public void Member_and_relay_options_refuse_a_group_that_is_not_multicast(string group)
        {
            ArgumentException member = Assert.Throws<ArgumentException>(() => new SecureMemberOptions { Group = IPAddress.Parse(group) }.Validate());
            ArgumentException relay = Assert.Throws<ArgumentException>(() => new SecureRelayOptions { Group = IPAddress.Parse(group) }.Validate());

            Assert.Contains("ff00::/8", member.Message);
            Assert.Equal(nameof(SecureMemberOptions.Group), relay.ParamName);
        }

        [Fact]
        public void Three_members_on_an_IPv6_group_join_and_every_message_reaches_the_others()
        {
            using var net = new SecureNet(group: V6Group);
            SecureNet.Node[] nodes = { net.AddMember("a"), net.AddMember("b"), net.AddMember("c") };
            net.JoinAll();

            foreach (SecureNet.Node n in nodes)
            {
                net.Say(n, "from " + n.Member.Identity!.Name);
            }

            foreach (SecureNet.Node n in nodes)
            {
                string[] heard = n.Messages.Select(e => e.Text!).OrderBy(t => t, StringComparer.Ordinal).ToArray();
                Assert.Equal(nodes.Where(o => o != n).Select(o => "from " + o.Member.Identity!.Name).OrderBy(t => t, StringComparer.Ordinal), heard);
                Assert.Equal(0, n.Member.Drops["BadSignature"] + n.Member.Drops["BadTag"] + n.Member.Drops["Replay"]);
                Assert.True(n.Member.Self.Address.IsIPv6LinkLocal);
            }

            Assert.Equal(0, net.Relay.Drops.Total);
        }

        [Fact]
        public void A_relay_on_another_IPv6_group_does_not_admit_the_member_because_G_differs()
        {
            using var net = new SecureNet(group: V6Group);
            SecureNet.Node a = net.AddMember("a", new SecureMemberOptions());

            // The member signs its Hello for ff15::4d44; the relay of ff15::4d43 checks it against its own G.
            var stray = new SecureMember(a.Member.Self, EcdsaP256PrivateKey.Generate(), new SecureMemberOptions { Group = IPAddress.Parse("ff15::4d44"), Port = SecureNet.Port });
            var output = new ProtocolOutput<MemberEvent>();
            stray.Start(net.Clock.Now, output);
            byte[] hello = output.Datagrams.Single();

            ProtocolOutput<RelayEvent> answer = net.DeliverToRelay(hello, a.Member.Self);

            Assert.Empty(answer.Datagrams);
            Assert.Equal(1, net.Relay.Drops["BadSignature"]);
        }

        [Fact]
        public void A_member_ignores_its_own_datagram_whether_or_not_the_source_carries_the_scope_id()
        {
            using var net = new SecureNet(group: V6Group);
            SecureNet.Node a = net.AddMember("a");
            SecureNet.Node b = net.AddMember("b");
            net.JoinAll();
            int before = net.Log.Count;
            net.Say(a, "hello");
            byte[] own = net.Log.Skip(before).First(l => l.Source.Equals(a.Member.Self)).Datagram;
            long drops = a.Member.Drops.Total;
            int events = a.Events.Count;

            var unscoped = new IPEndPoint(new IPAddress(a.Member.Self.Address.GetAddressBytes()), a.Member.Self.Port);
            ProtocolOutput<MemberEvent> echo = net.DeliverTo(a, own, unscoped);

            Assert.Empty(echo.Datagrams);
            Assert.Equal(drops, a.Member.Drops.Total);
            Assert.Equal(events, a.Events.Count);

            // The same datagram from a member's address on another link is not its own: it is read (and dropped, not being for it).
            var elsewhere = new IPEndPoint(new IPAddress(a.Member.Self.Address.GetAddressBytes(), 9), a.Member.Self.Port);
            net.DeliverTo(a, own, elsewhere);
            Assert.True(a.Member.Drops.Total > drops, "a datagram from another link's address was taken for the member's own");
        }

        [Fact]
        public void The_hello_budget_counts_each_IPv6_address_not_its_64_prefix()
        {
            var budget = new HandshakeBudget(perSecond: 100, perSource: 1);
            DateTimeOffset now = DateTimeOffset.UnixEpoch;

            Assert.True(budget.TrySpend(IPAddress.Parse("fd00:1::1"), now));
            Assert.True(budget.TrySpend(IPAddress.Parse("fd00:1::2"), now));
            Assert.False(budget.TrySpend(IPAddress.Parse("fd00:1::1"), now));
            Assert.True(budget.TrySpend(IPAddress.Parse("10.0.0.1"), now));
            Assert.False(budget.TrySpend(IPAddress.Parse("::ffff:10.0.0.1"), now));
            Assert.Equal(3, budget.SourcesTracked);
        }
    }
}
