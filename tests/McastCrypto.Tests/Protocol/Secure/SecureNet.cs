using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Protocol.Classic;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// A relay and members wired through an in-memory group on a fake clock: every datagram reaches
    /// the relay and every member but its sender, in order. Like the runner, the relay is flushed
    /// whenever no datagram waits. Tests can hold datagrams back, deafen members, or inject their own.
    /// </summary>
    internal sealed class SecureNet : IDisposable
    {
        public static readonly IPAddress Group = IPAddress.Parse("239.255.10.20");
        public const int Port = 47001;

        private readonly Queue<(byte[] Datagram, IPEndPoint Source)> air = new Queue<(byte[], IPEndPoint)>();

        /// <param name="relayOptions">The relay's options; the group and port are set here.</param>
        /// <param name="relayKey">The relay's key; a new one when null.</param>
        /// <param name="group">The group: <see cref="Group"/> when null. With an IPv6 group everyone has a link-local address with scope id 2 (as sources on a veth link are).</param>
        public SecureNet(SecureRelayOptions? relayOptions = null, EcdsaP256PrivateKey? relayKey = null, IPAddress? group = null)
        {
            NetGroup = group ?? Group;
            RelayOptions = relayOptions ?? new SecureRelayOptions();
            RelayOptions.Group = NetGroup;
            RelayOptions.Port = Port;
            Relay = new SecureRelay(new IPEndPoint(HostAddress(0), 50000), relayKey ?? EcdsaP256PrivateKey.Generate(), RelayOptions);
        }

        /// <summary>The group of this net (<see cref="Group"/> unless the constructor was given another).</summary>
        public IPAddress NetGroup { get; }

        public FakeClock Clock { get; } = new FakeClock();

        public SecureRelayOptions RelayOptions { get; }

        public SecureRelay Relay { get; private set; }

        public List<Node> Members { get; } = new List<Node>();

        public List<RelayEvent> RelayEvents { get; } = new List<RelayEvent>();

        /// <summary>Every datagram that went on the air, with its source, in order.</summary>
        public List<(byte[] Datagram, IPEndPoint Source)> Log { get; } = new List<(byte[], IPEndPoint)>();

        /// <summary>When set and false for a datagram, the datagram is held back (not delivered to anyone) and kept in <see cref="Held"/>.</summary>
        public Func<byte[], IPEndPoint, bool>? Deliver { get; set; }

        public List<(byte[] Datagram, IPEndPoint Source)> Held { get; } = new List<(byte[], IPEndPoint)>();

        /// <summary>When set and false for a datagram, the relay does not hear it (the members still do).</summary>
        public Func<byte[], IPEndPoint, bool>? RelayHears { get; set; }

        /// <summary>Adds a member (not started). Its options get the test group and port.</summary>
        public Node AddMember(string name, SecureMemberOptions? options = null, EcdsaP256PrivateKey? key = null)
        {
            options ??= new SecureMemberOptions();
            options.Group = NetGroup;
            options.Port = Port;
            options.DisplayName = name;
            key ??= EcdsaP256PrivateKey.Generate();
            string fingerprint = key.PublicKey.Fingerprint;
            var node = new Node(new SecureMember(new IPEndPoint(HostAddress(Members.Count + 1), 50001 + Members.Count), key, options), fingerprint);
            Members.Add(node);
            return node;
        }

        /// <summary>Replaces the relay (a restart): a new key unless one is given.</summary>
        public void RestartRelay(EcdsaP256PrivateKey? key = null)
        {
            Relay.Dispose();
            Relay = new SecureRelay(new IPEndPoint(HostAddress(0), 50100), key ?? EcdsaP256PrivateKey.Generate(), RelayOptions);
        }

        /// <summary>Host <paramref name="n"/>'s address: 127.0.0.1 on an IPv4 group, fe80::n%2 on an IPv6 group.</summary>
        public IPAddress HostAddress(int n)
        {
            if (NetGroup.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
            {
                return IPAddress.Loopback;
            }

            byte[] bytes = IPAddress.Parse("fe80::").GetAddressBytes();
            bytes[14] = (byte)(n >> 8);
            bytes[15] = (byte)(n + 1);
            return new IPAddress(bytes, 2);
        }

        /// <summary>Starts every member not started and pumps until quiet; asserts all are connected.</summary>
        public void JoinAll()
        {
            foreach (Node node in Members.Where(n => n.Member.State == MemberState.New))
            {
                Do(node, (m, o) => m.Start(Clock.Now, o));
            }

            Pump();
            Assert.All(Members, n => Assert.Equal(MemberState.Connected, n.Member.State));
        }

        /// <summary>Runs an action of a member and puts what it sends on the air.</summary>
        public void Do(Node node, Action<SecureMember, ProtocolOutput<MemberEvent>> action)
        {
            var output = new ProtocolOutput<MemberEvent>();
            action(node.Member, output);
            Collect(node, output);
        }

        /// <summary>Sends a text from a member and pumps.</summary>
        public SentMessage Say(Node node, string text)
        {
            SentMessage? sent = null;
            Do(node, (m, o) => sent = m.Send(text, Clock.Now, o));
            Pump();
            return sent!;
        }

        /// <summary>Puts a datagram on the air as if <paramref name="source"/> sent it.</summary>
        public void Inject(byte[] datagram, IPEndPoint source) => air.Enqueue((datagram, source));

        /// <summary>Delivers one datagram to one member only, now.</summary>
        public ProtocolOutput<MemberEvent> DeliverTo(Node node, byte[] datagram, IPEndPoint source)
        {
            var output = new ProtocolOutput<MemberEvent>();
            node.Member.Receive(datagram, source, Clock.Now, output);
            node.Events.AddRange(output.Events);
            return output;
        }

        /// <summary>Delivers one datagram to the relay only, now, without a flush; returns what it produced.</summary>
        public ProtocolOutput<RelayEvent> DeliverToRelay(byte[] datagram, IPEndPoint source)
        {
            var output = new ProtocolOutput<RelayEvent>();
            Relay.Receive(datagram, source, Clock.Now, output);
            RelayEvents.AddRange(output.Events);
            return output;
        }

        /// <summary>Advances the clock by <paramref name="step"/> seconds <paramref name="times"/> times, ticking everyone and pumping each time.</summary>
        public void Run(double seconds, double step = 0.1)
        {
            int times = (int)Math.Round(seconds / step);
            for (int i = 0; i < times; i++)
            {
                Clock.Advance(step);
                TickAll();
            }
        }

        public void TickAll()
        {
            foreach (Node node in Members.Where(n => !n.Dead))
            {
                Do(node, (m, o) => m.Tick(Clock.Now, o));
            }

            var relayOutput = new ProtocolOutput<RelayEvent>();
            Relay.Tick(Clock.Now, relayOutput);
            FromRelay(relayOutput);
            Pump();
        }

        /// <summary>Delivers everything on the air, and whatever that makes, until the group is quiet.</summary>
        public void Pump()
        {
            for (int guard = 0; air.Count > 0; guard++)
            {
                Assert.True(guard < 200000, "the group never went quiet");
                var (datagram, source) = air.Dequeue();
                if (Deliver is not null && !Deliver(datagram, source))
                {
                    Held.Add((datagram, source));
                    continue;
                }

                var relayOutput = new ProtocolOutput<RelayEvent>();
                if (RelayHears is null || RelayHears(datagram, source))
                {
                    Relay.Receive(datagram, source, Clock.Now, relayOutput);
                    FromRelay(relayOutput);
                }

                foreach (Node node in Members)
                {
                    if (node.Dead || node.Deaf || node.Member.Self.Equals(source) || (node.Hears is not null && !node.Hears(datagram)))
                    {
                        continue;
                    }

                    var output = new ProtocolOutput<MemberEvent>();
                    node.Member.Receive(datagram, source, Clock.Now, output);
                    Collect(node, output);
                }

                if (air.Count == 0)
                {
                    // The runner flushes the relay whenever no datagram waits (the relay hears its own too).
                    var flushed = new ProtocolOutput<RelayEvent>();
                    Relay.Flush(Clock.Now, flushed);
                    FromRelay(flushed);
                }
            }
        }

        /// <summary>Puts the relay's output on the air and records its events.</summary>
        public void FromRelay(ProtocolOutput<RelayEvent> output)
        {
            RelayEvents.AddRange(output.Events);
            foreach (byte[] d in output.Datagrams)
            {
                Assert.True(d.Length <= RelayOptions.MaxDatagramBytes, "a relay datagram of " + d.Length + " bytes");
                Log.Add((d, Relay.Self));
                air.Enqueue((d, Relay.Self));
            }
        }

        public void Dispose()
        {
            foreach (Node node in Members)
            {
                node.Member.Dispose();
            }

            Relay.Dispose();
        }

        private void Collect(Node node, ProtocolOutput<MemberEvent> output)
        {
            node.Events.AddRange(output.Events);
            foreach (byte[] d in output.Datagrams)
            {
                Assert.True(d.Length <= SecureDefaults.MaxDatagramBytes, "a member datagram of " + d.Length + " bytes");
                Log.Add((d, node.Member.Self));
                air.Enqueue((d, node.Member.Self));
            }
        }

        internal sealed class Node
        {
            public Node(SecureMember member, string fingerprint)
            {
                Member = member;
                Fingerprint = fingerprint;
            }

            public SecureMember Member { get; }

            public string Fingerprint { get; }

            public List<MemberEvent> Events { get; } = new List<MemberEvent>();

            /// <summary>Neither ticks nor hears: its process died.</summary>
            public bool Dead { get; set; }

            /// <summary>Hears nothing but still ticks.</summary>
            public bool Deaf { get; set; }

            /// <summary>When set and false for a datagram, this member alone does not hear it (it is lost on the way to it).</summary>
            public Func<byte[], bool>? Hears { get; set; }

            public IEnumerable<MemberEvent> Gaps => Events.Where(e => e.Kind == MemberEventKind.Gap);

            public IEnumerable<MemberEvent> Messages => Events.Where(e => e.Kind == MemberEventKind.Message);

            public override string ToString() => Member.Identity?.ToString() ?? Member.Self.ToString();
        }
    }
}
