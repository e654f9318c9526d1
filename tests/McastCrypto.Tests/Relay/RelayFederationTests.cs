using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using McastCrypto.Relay;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Relay
{
    /// <summary>
    /// A relay's federation settings as they reach the federation, and the join between the
    /// federation and its bus: publications handed over after every step without waiting, bus
    /// messages run as steps of the relay, the connection state told to the federation.
    /// </summary>
    public class RelayFederationTests
    {
        private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 11, 26, 6, 0, 0, TimeSpan.Zero);

        private static McastRelayOptions Options(McastProtocol protocol = McastProtocol.Secure) => new McastRelayOptions
        {
            Protocol = protocol,
            Network = new MulticastOptions { Group = IPAddress.Parse("239.255.1.2"), Port = 41000, Interface = "Loopback" },
        };

        private static string RelaysFile(params string[] lines)
        {
            string path = Path.Combine(Path.GetTempPath(), "mcast-relays-" + Guid.NewGuid().ToString("N"));
            File.WriteAllLines(path, lines);
            return path;
        }

        [Fact]
        public void AFederatedRelayNeedsASiteAndAListOfRelays()
        {
            string relays = RelaysFile("# none yet");
            try
            {
                McastRelayOptions noSite = Options();
                noSite.FederationUrl = "nats://127.0.0.1:4222";
                noSite.AuthorizedRelaysPath = relays;
                Assert.Contains("-Federation needs -Site", Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(noSite)).Message, StringComparison.Ordinal);

                McastRelayOptions noList = Options();
                noList.FederationUrl = "nats://127.0.0.1:4222";
                noList.Site = "paris";
                Assert.Contains("-Federation needs -AuthorizedRelaysPath", Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(noList)).Message, StringComparison.Ordinal);

                foreach (Action<McastRelayOptions> orphan in new Action<McastRelayOptions>[]
                {
                    o => o.Site = "paris",
                    o => o.AuthorizedRelaysPath = relays,
                    o => o.FederationSubject = "x",
                    o => o.FederationBufferSize = 8,
                })
                {
                    McastRelayOptions alone = Options();
                    orphan(alone);
                    Assert.Contains("is for a federated relay", Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(alone)).Message, StringComparison.Ordinal);
                }

                McastRelayOptions classic = Options(McastProtocol.Classic);
                classic.FederationUrl = "nats://127.0.0.1:4222";
                classic.Site = "paris";
                classic.AuthorizedRelaysPath = relays;
                Assert.Contains("Secure protocol", Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(classic)).Message, StringComparison.Ordinal);

                McastRelayOptions badUrl = Options();
                badUrl.FederationUrl = "nats://u:secret@127.0.0.1:4222";
                badUrl.Site = "paris";
                badUrl.AuthorizedRelaysPath = relays;
                Assert.DoesNotContain("secret", Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(badUrl)).Message, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(relays);
            }
        }

        [Fact]
        public void TheSettingsReachTheFederationWithTheRelaysDatagramSize()
        {
            string fingerprint = EcdsaTestKey();
            string relays = RelaysFile("# berlin", fingerprint + " berlin");
            try
            {
                McastRelayOptions options = Options();
                options.FederationUrl = "nats://127.0.0.1:4222";
                options.Site = "paris";
                options.AuthorizedRelaysPath = relays;
                options.FederationBufferSize = 16;
                options.FederationSubject = "lab.group1";
                options.MaxDatagramBytes = 1200;
                FederationOptions federation = RelayProtocolFactory.FederationSettings(options, RelayProtocolFactory.SecureOptions(options))!;
                Assert.Equal("paris", federation.Site);
                Assert.Equal("lab.group1", federation.SubjectPrefix);
                Assert.Equal(16, federation.RetransmitBufferSize);
                Assert.Equal(1200, federation.MaxDatagramBytes);
                Assert.Equal(new[] { fingerprint }, federation.AuthorizedRelays);

                options.FederationSubject = null;
                options.FederationBufferSize = null;
                federation = RelayProtocolFactory.FederationSettings(options, RelayProtocolFactory.SecureOptions(options))!;
                Assert.Equal(FederationOptions.DefaultSubjectPrefix, federation.SubjectPrefix);
                Assert.Equal(new FederationOptions().RetransmitBufferSize, federation.RetransmitBufferSize);

                Assert.Null(RelayProtocolFactory.FederationSettings(Options(), RelayProtocolFactory.SecureOptions(Options())));
            }
            finally
            {
                File.Delete(relays);
            }
        }

        [Fact]
        public void AfterEveryStepThePublicationsGoToTheBusInOrderAndARefusalIsCounted()
        {
            var port = new FakePort();
            var bus = new FakeBus { Connected = true };
            using var federation = new RelayFederation(port, bus);
            var ran = new List<string>();
            Action<DateTimeOffset, ProtocolOutput<RelayEvent>> tick = federation.After((now, output) =>
            {
                ran.Add("tick");
                port.Queue("a.relay.1", 1);
                port.Queue("a.relay.1", 2);
            });
            tick(T0, new ProtocolOutput<RelayEvent>());
            Assert.Equal(new[] { "tick" }, ran);
            Assert.Equal(new[] { "a.relay.1:1", "a.relay.1:2" }, bus.Published);
            Assert.Equal(new[] { true }, port.Told);

            bus.Refuse = true;
            port.Queue("a.relay.1", 3);
            federation.After((byte[] d, IPEndPoint s, DateTimeOffset now, ProtocolOutput<RelayEvent> o) => { })(new byte[1], new IPEndPoint(IPAddress.Loopback, 1), T0, new ProtocolOutput<RelayEvent>());
            Assert.Equal(1, federation.PublicationsRefused);
            Assert.Empty(port.Queued);
        }

        [Fact]
        public void TheFederationIsToldWhenTheBusDropsAndComesBackOnce()
        {
            var port = new FakePort();
            var bus = new FakeBus { Connected = false };
            using var federation = new RelayFederation(port, bus);
            federation.AfterStep(T0);
            federation.AfterStep(T0);
            bus.Connected = true;
            federation.AfterStep(T0.AddSeconds(1));
            federation.AfterStep(T0.AddSeconds(2));
            bus.Connected = false;
            federation.AfterStep(T0.AddSeconds(3));
            Assert.Equal(new[] { false, true, false }, port.Told);
        }

        [Fact]
        public void ABusMessageIsAStepOfTheRelayAndItsPublicationsFollowIt()
        {
            var port = new FakePort { Subscriptions = new[] { "a.relay.*", "a.inbox.1" } };
            var bus = new FakeBus { Connected = true };
            using var federation = new RelayFederation(port, bus);
            var steps = new List<string>();
            // One step at a time, as the relay's runner runs them (the connection state comes in a step of its own, from a pool thread).
            var actor = new object();
            federation.Start(
                (subject, payload, now, output) =>
                {
                    steps.Add(subject + ":" + payload.Length);
                    port.Queue("a.inbox.2", 9);
                },
                step =>
                {
                    lock (actor)
                    {
                        step(T0, new ProtocolOutput<RelayEvent>());
                    }
                });
            Assert.Equal(new[] { "a.relay.*", "a.inbox.1" }, bus.Subscribed.Keys);
            bus.Subscribed["a.relay.*"]("a.relay.2", new byte[5]);
            lock (actor)
            {
                Assert.Equal(new[] { "a.relay.2:5" }, steps);
                Assert.Equal(new[] { "a.inbox.2:9" }, bus.Published);
            }

            Assert.Equal(1, federation.MessagesIn);

            federation.Dispose();
            Assert.True(bus.Disposed);
            bus.Subscribed["a.relay.*"]("a.relay.2", new byte[5]);
            Assert.Single(steps);
        }

        [Fact]
        public void AClosedRelayTurnsBusMessagesAwayQuietly()
        {
            var port = new FakePort { Subscriptions = new[] { "a.relay.*" } };
            var bus = new FakeBus { Connected = true };
            using var federation = new RelayFederation(port, bus);
            federation.Start((subject, payload, now, output) => { }, step => throw new ObjectDisposedException("runner"));
            bus.Subscribed["a.relay.*"]("a.relay.2", new byte[1]);
            Assert.Equal(1, federation.MessagesIn);
        }

        private static string EcdsaTestKey()
        {
            using McastCrypto.Crypto.EcdsaP256PrivateKey key = McastCrypto.Crypto.EcdsaP256PrivateKey.Generate();
            return key.PublicKey.Fingerprint;
        }

        private sealed class FakeBus : IFederationBus
        {
            public bool Connected { get; set; }

            public bool Refuse { get; set; }

            public bool Disposed { get; private set; }

            public List<string> Published { get; } = new List<string>();

            public Dictionary<string, Action<string, byte[]>> Subscribed { get; } = new Dictionary<string, Action<string, byte[]>>();

            public string Url => "nats://fake:4222";

            public bool IsConnected => Connected;

            public event EventHandler<bool>? ConnectionChanged
            {
                add { }
                remove { }
            }

            public bool TryPublish(string subject, byte[] payload)
            {
                if (Refuse)
                {
                    return false;
                }

                Published.Add(subject + ":" + payload.Length);
                return true;
            }

            public void Subscribe(string subject, Action<string, byte[]> handler) => Subscribed.Add(subject, handler);

            public void Dispose() => Disposed = true;
        }

        private sealed class FakePort : IFederationPort
        {
            public List<FederationPublication> Queued { get; } = new List<FederationPublication>();

            public List<bool> Told { get; } = new List<bool>();

            public string Site => "paris";

            public int AuthorizedRelayCount => 1;

            public IReadOnlyList<string> Subscriptions { get; set; } = Array.Empty<string>();

            public DateTimeOffset? NextDeadline => null;

            public DropCounter Drops { get; } = new DropCounter();

            public void Queue(string subject, int length) => Queued.Add(new FederationPublication(subject, new byte[length]));

            public void SetConnected(bool connected, DateTimeOffset now) => Told.Add(connected);

            public IReadOnlyList<FederationPublication> TakePublications()
            {
                var taken = new List<FederationPublication>(Queued);
                Queued.Clear();
                return taken;
            }

            public IReadOnlyList<FederationRemoteEvent> TakeRemoteEvents() => Array.Empty<FederationRemoteEvent>();

            public void Receive(string subject, byte[] payload, DateTimeOffset now)
            {
            }

            public void Tick(DateTimeOffset now)
            {
            }

            public void Flush(DateTimeOffset now)
            {
            }

            public void LocalJoined(uint memberId, byte[] identityKey, string name, ulong nextQ, DateTimeOffset now)
            {
            }

            public void LocalLeft(uint memberId, SecureLeftReason reason, DateTimeOffset now)
            {
            }

            public void LocalData(SecureFragment fragment, DateTimeOffset now)
            {
            }

            public void LocalRefused(uint memberId, ulong messageId, SecureRefusedReason reason, DateTimeOffset now)
            {
            }

            public void LocalProgress(uint memberId, ulong nextQ, DateTimeOffset now)
            {
            }
        }
    }
}
