using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Protocol.Federation;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    public class FederatedSitesTests
    {
        private sealed class Site
        {
            public SecureNet Net = null!;
            public FederationLink Link = null!;
            public InMemoryFederationBus Bus = null!;
        }

        [Fact]
        public void TwoSitesExchangeMessagesAndRosters()
        {
            var hub = new InMemoryFederationHub();
            var keyA = EcdsaP256PrivateKey.Generate();
            var keyB = EcdsaP256PrivateKey.Generate();
            var a = Make(hub, keyA, keyB, "site-a");
            var b = Make(hub, keyB, keyA, "site-b");
            var a1 = a.Net.AddMember("a1");
            var b1 = b.Net.AddMember("b1");
            a.Net.JoinAll();
            b.Net.JoinAll();
            Run(hub, a, b, 3);

            Assert.Contains(a1.Member.KnownMembers, m => m.Name == "b1" && m.Site == "site-b");
            Assert.Contains(b1.Member.KnownMembers, m => m.Name == "a1" && m.Site == "site-a");

            a.Net.Say(a1, "hello from a");
            Run(hub, a, b, 0.5);
            b.Net.Say(b1, "hello from b");
            Run(hub, a, b, 0.5);
            for (int i = 0; i < 20; i++)
            {
                a.Net.Say(a1, "m" + i);
            }

            a.Net.Say(a1, new string('z', 5000));
            Run(hub, a, b, 2);

            Assert.Equal(new[] { "hello from a" }.Concat(Enumerable.Range(0, 20).Select(i => "m" + i)).Concat(new[] { new string('z', 5000) }), b1.Messages.Select(m => m.Text));
            Assert.All(b1.Messages, m => Assert.Equal("site-a", m.Member!.Site));
            Assert.Equal(new[] { "hello from b" }, a1.Messages.Select(m => m.Text));
            Assert.Empty(a1.Gaps);
            Assert.Empty(b1.Gaps);
            Assert.Equal(2, b.Net.Relay.Members.Count);

            // a1 leaves: b1 sees it go.
            a.Net.Do(a1, (m, o) => m.Leave(a.Net.Clock.Now, o));
            a.Net.Pump();
            Run(hub, a, b, 1);
            Assert.Contains(b1.Events, e => e.Kind == MemberEventKind.Left && e.Member!.Name == "a1");
            Assert.Equal(0, b.Net.Relay.RemoteMembers);
        }

        [Fact]
        public void ALongOutageIsABetweenSitesGap()
        {
            var hub = new InMemoryFederationHub();
            var keyA = EcdsaP256PrivateKey.Generate();
            var keyB = EcdsaP256PrivateKey.Generate();
            var a = Make(hub, keyA, keyB, "site-a", 4);
            var b = Make(hub, keyB, keyA, "site-b");
            var a1 = a.Net.AddMember("a1");
            var b1 = b.Net.AddMember("b1");
            a.Net.JoinAll();
            b.Net.JoinAll();
            Run(hub, a, b, 3);
            a.Net.Say(a1, "before");
            Run(hub, a, b, 0.5);
            hub.Up = false;
            for (int i = 0; i < 20; i++)
            {
                a.Net.Say(a1, "m" + i);
                Run(hub, a, b, 0.1);
            }

            hub.Up = true;
            Run(hub, a, b, 15);
            a.Net.Say(a1, "after");
            Run(hub, a, b, 1);
            Assert.Equal("before", b1.Messages.First().Text);
            Assert.Equal("after", b1.Messages.Last().Text);
            Assert.NotEmpty(b1.Gaps);
            Assert.All(b1.Gaps, g => Assert.Equal(GapReasons.BetweenSites, g.Reason));
            Assert.Equal(20, b1.Gaps.Sum(g => g.LostFragments) + b1.Messages.Count() - 2);
        }

        [Fact]
        public void AMemberRefusedAnAliasForLackOfRoomGetsOneFromTheNextRosterOnceThereIsRoom()
        {
            var hub = new InMemoryFederationHub();
            var keyA = EcdsaP256PrivateKey.Generate();
            var keyB = EcdsaP256PrivateKey.Generate();
            var a = Make(hub, keyA, keyB, "site-a");
            var b = Make(hub, keyB, keyA, "site-b", maxRemoteMembers: 1);
            var a1 = a.Net.AddMember("a1");
            var a2 = a.Net.AddMember("a2");
            var b1 = b.Net.AddMember("b1");
            a.Net.JoinAll();
            b.Net.JoinAll();
            Run(hub, a, b, 3);
            Assert.Equal(1, b.Net.Relay.RemoteMembers);
            Assert.True(b.Net.Relay.Drops["TooManyRemoteMembers"] >= 1);
            string inside = b1.Member.KnownMembers.Single(m => m.Site == "site-a").Name!;

            // The one with an alias leaves: the other gets one from site a's next roster.
            SecureNet.Node leaving = inside == "a1" ? a1 : a2;
            a.Net.Do(leaving, (m, o) => m.Leave(a.Net.Clock.Now, o));
            a.Net.Pump();
            Run(hub, a, b, 6);
            Assert.Equal(1, b.Net.Relay.RemoteMembers);
            Assert.Contains(b1.Member.KnownMembers, m => m.Name == (inside == "a1" ? "a2" : "a1") && m.Site == "site-a");
        }

        private static Site Make(InMemoryFederationHub hub, EcdsaP256PrivateKey key, EcdsaP256PrivateKey other, string name, int buffer = 4096, int maxRemoteMembers = SecureDefaults.MaxRemoteMembers)
        {
            var site = new Site();
            site.Net = new SecureNet(new SecureRelayOptions { HandshakesPerSourcePerSecond = 100, MaxRemoteMembers = maxRemoteMembers });
            site.Link = new FederationLink(key, new FederationOptions { RetransmitBufferSize = buffer, Site = name, AuthorizedRelays = new HashSet<string> { other.PublicKey.Fingerprint } }, site.Net.Clock.Now);
            site.Net.Relay.AttachFederation(site.Link);
            site.Bus = hub.Connect();
            foreach (string subject in site.Link.Subscriptions)
            {
                site.Bus.Subscribe(subject, (s, p) =>
                {
                    var o = new ProtocolOutput<RelayEvent>();
                    site.Net.Relay.ReceiveFederation(s, p, site.Net.Clock.Now, o);
                    site.Net.FromRelay(o);
                });
            }

            site.Link.SetConnected(site.Bus.IsConnected, site.Net.Clock.Now);
            return site;
        }

        private static void Settle(InMemoryFederationHub hub, params Site[] sites)
        {
            for (int round = 0; round < 1000; round++)
            {
                bool moved = false;
                foreach (Site s in sites)
                {
                    s.Net.Pump();
                    var o = new ProtocolOutput<RelayEvent>();
                    s.Net.Relay.Flush(s.Net.Clock.Now, o);
                    s.Net.FromRelay(o);
                    s.Net.Pump();
                    foreach (FederationPublication p in s.Link.TakePublications())
                    {
                        s.Bus.TryPublish(p.Subject, p.Payload);
                        moved = true;
                    }
                }

                moved |= hub.DeliverAll() > 0;
                if (!moved)
                {
                    return;
                }
            }
        }

        private static void Run(InMemoryFederationHub hub, Site a, Site b, double seconds)
        {
            for (double t = 0; t < seconds; t += 0.05)
            {
                a.Net.Clock.Advance(0.05);
                b.Net.Clock.Advance(0.05);
                a.Net.TickAll();
                b.Net.TickAll();
                Settle(hub, a, b);
            }
        }
    }
}
