using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Protocol.Classic;

namespace McastCrypto.Tests.Protocol.Federation
{
    /// <summary>
    /// Several federation links joined by an <see cref="InMemoryFederationHub"/> on a fake clock, wired
    /// as a relay wires its link to a bus: subscriptions, publications drained after every step,
    /// connection changes passed on. Every relay's key is made up front, so that each can list the others.
    /// </summary>
    internal sealed class FederationNet : IDisposable
    {
        private readonly Action<int, FederationOptions>? configure;

        public FederationNet(int relays, int started = -1, Action<int, FederationOptions>? configure = null)
        {
            this.configure = configure;
            for (int i = 0; i < relays; i++)
            {
                Relays.Add(new Node(i, "site-" + (char)('a' + i), EcdsaP256PrivateKey.Generate()));
            }

            for (int i = 0; i < (started < 0 ? relays : started); i++)
            {
                Start(i);
            }
        }

        public FakeClock Clock { get; } = new FakeClock();

        public InMemoryFederationHub Hub { get; } = new InMemoryFederationHub();

        public List<Node> Relays { get; } = new List<Node>();

        public Node this[int index] => Relays[index];

        public FederationOptions OptionsFor(int index)
        {
            var options = new FederationOptions
            {
                Site = Relays[index].Site,
                AuthorizedRelays = new HashSet<string>(Relays.Where(r => r.Index != index).Select(r => r.Key.PublicKey.Fingerprint)),
            };
            configure?.Invoke(index, options);
            return options;
        }

        /// <summary>Starts (or restarts: a new boot, the same identity) relay <paramref name="index"/>.</summary>
        public Node Start(int index, FederationOptions? options = null)
        {
            Node node = Relays[index];
            node.Bus?.Dispose();
            node.Link?.Dispose();
            node.Link = new FederationLink(node.Key, options ?? OptionsFor(index), Clock.Now + node.ClockOffset);
            node.Bus = Hub.Connect();
            FederationLink link = node.Link;
            foreach (string subject in link.Subscriptions)
            {
                node.Bus.Subscribe(subject, (s, p) =>
                {
                    link.Receive(s, p, Clock.Now + node.ClockOffset);
                    node.Collect();
                });
            }

            node.Bus.ConnectionChanged += (_, connected) => link.SetConnected(connected, Clock.Now + node.ClockOffset);
            link.SetConnected(node.Bus.IsConnected, Clock.Now + node.ClockOffset);
            return node;
        }

        /// <summary>Drains every link's publications to its bus and delivers, until nothing moves (bounded).</summary>
        public void Pump()
        {
            for (int round = 0; round < 10_000; round++)
            {
                bool moved = false;
                foreach (Node node in Relays.Where(n => n.Link is not null))
                {
                    node.Link!.Flush(Clock.Now + node.ClockOffset);
                    foreach (FederationPublication p in node.Link.TakePublications())
                    {
                        node.Published.Add(p);
                        node.Bus!.TryPublish(p.Subject, p.Payload);
                        moved = true;
                    }

                    node.Collect();
                }

                moved |= Hub.DeliverAll() > 0;
                if (!moved)
                {
                    return;
                }
            }

            throw new InvalidOperationException("The federation did not settle in 10,000 rounds.");
        }

        public void Step()
        {
            foreach (Node node in Relays.Where(n => n.Link is not null))
            {
                node.Link!.Tick(Clock.Now + node.ClockOffset);
                node.Collect();
            }

            Pump();
        }

        /// <summary>Runs the clock forward <paramref name="seconds"/> in steps, ticking every link at each.</summary>
        public void Run(double seconds, double step = 0.1)
        {
            Step();
            for (double t = 0; t < seconds - 1e-9; t += step)
            {
                Clock.Advance(step);
                Step();
            }
        }

        public void Dispose()
        {
            foreach (Node node in Relays)
            {
                node.Bus?.Dispose();
                node.Link?.Dispose();
                node.Key.Dispose();
            }
        }

        internal sealed class Node
        {
            private readonly Dictionary<uint, ulong> nextQ = new Dictionary<uint, ulong>();
            private ulong messageId = 1;

            public Node(int index, string site, EcdsaP256PrivateKey key)
            {
                Index = index;
                Site = site;
                Key = key;
            }

            public int Index { get; }

            public string Site { get; }

            public EcdsaP256PrivateKey Key { get; }

            public string Fingerprint => Key.PublicKey.Fingerprint;

            public FederationLink? Link { get; set; }

            /// <summary>How far this relay's clock is from the net's (set before <see cref="FederationNet.Start"/>).</summary>
            public TimeSpan ClockOffset { get; set; }

            public InMemoryFederationBus? Bus { get; set; }

            public List<FederationRemoteEvent> Events { get; } = new List<FederationRemoteEvent>();

            public List<FederationPublication> Published { get; } = new List<FederationPublication>();

            public FederationLink L => Link!;

            public void Collect()
            {
                if (Link is not null)
                {
                    Events.AddRange(Link.TakeRemoteEvents());
                }
            }

            /// <summary>A local member joins: a fresh key and the given name.</summary>
            public byte[] Join(uint memberId, string name, ulong firstQ = 0)
            {
                using EcdsaP256PrivateKey member = EcdsaP256PrivateKey.Generate();
                byte[] point = member.PublicKey.Point;
                L.LocalJoined(memberId, point, name, firstQ, DateTimeOffset.MinValue);
                nextQ[memberId] = firstQ;
                return point;
            }

            /// <summary>The member sends a one-fragment text message (its next Q).</summary>
            public ulong Say(uint memberId, string text)
            {
                ulong q = nextQ[memberId];
                nextQ[memberId] = q + 1;
                L.LocalData(new SecureFragment(memberId, q, messageId++, 0, 1, SecureCodec.ContentText, Encoding.UTF8.GetBytes(text)), DateTimeOffset.MinValue);
                return q;
            }

            public List<FederationRemoteEvent> Of(FederationRemoteEventKind kind) => Events.Where(e => e.Kind == kind).ToList();

            public List<FederationRemoteEvent> From(Node origin, uint memberId) =>
                Events.Where(e => e.OriginFingerprint == origin.Fingerprint && e.MemberId == memberId).ToList();

            public List<ulong> DataQ(Node origin, uint memberId) =>
                From(origin, memberId).Where(e => e.Kind == FederationRemoteEventKind.Data).Select(e => e.Fragment!.Sequence).ToList();
        }
    }
}
