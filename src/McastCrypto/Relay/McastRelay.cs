using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using McastCrypto.Hosting;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using McastCrypto.Transport;

namespace McastCrypto.Relay
{
    /// <summary>
    /// The relay of a group, running in the background of this process: it owns its sockets, its
    /// key, its member table and its loops, and counts everything it receives, sends and drops.
    /// </summary>
    public sealed class McastRelay : McastActor<RelayEvent>
    {
        /// <summary>Names the federation's drops in <see cref="Drops"/> (FederationUnauthorizedRelay, ...), apart from the LAN's.</summary>
        private const string FederationDropPrefix = "Federation";

        private readonly IRelayProtocol protocol;
        private readonly Queue<RelayEvent> events = new Queue<RelayEvent>();
        private readonly ManualResetEventSlim eventArrived = new ManualResetEventSlim(false);
        private readonly int eventLimit;
        private long eventsDropped;

        private readonly RelayFederation? federation;

        private McastRelay(McastRelayOptions options, IDatagramChannel channel, IRelayProtocol protocol, RelayFederation? federation, string interfaceName)
            : base(
                options.Protocol,
                channel,
                interfaceName,
                federation is null ? protocol.Receive : federation.After(protocol.Receive),
                federation is null ? protocol.Tick : federation.After(protocol.Tick),
                options.EffectiveSendRate)
        {
            this.protocol = protocol;
            this.federation = federation;
            eventLimit = options.EventLimit;
            StartedAt = DateTimeOffset.Now;
            IdentityPath = options.IdentityPath;
            Register(Table.Add(this), options.Name, "Relay");
        }

        /// <summary>The relays running in this process.</summary>
        internal static ObjectTable<McastRelay> Table { get; } = new ObjectTable<McastRelay>(closeOrder: 1, noun: "relay");

        public McastRelayState State => IsClosed ? McastRelayState.Stopped : McastRelayState.Running;

        /// <summary>The relay key's fingerprint (SHA256:base64), for members to check.</summary>
        public string KeyFingerprint => protocol.KeyFingerprint;

        public DateTimeOffset StartedAt { get; }

        /// <summary>The file the relay's key was read from or written to; null when the key lives as long as the relay.</summary>
        public string? IdentityPath { get; }

        /// <summary>The group key's epoch now, where the protocol has epochs (null in Classic).</summary>
        public long? Epoch => Runner.Read(() => protocol.Epoch);

        /// <summary>The members now known, registered or joined.</summary>
        public IReadOnlyList<RelayMember> Members => Runner.Read(() => protocol.Members);

        public int MemberCount => Members.Count;

        /// <summary>Joins refused because the member's key is not on the list of authorized keys (Secure).</summary>
        public long RefusedJoins => protocol.Drops["AdmissionRefused"];

        public long MessagesRelayed => Runner.Read(() => protocol.MessagesRelayed);

        /// <summary>Secure: group datagrams kept to repair what members missed (0 in Classic).</summary>
        public int RetransmitBufferCount => Runner.Read(() => (protocol as SecureRelay)?.RetransmitBufferCount ?? 0);

        /// <summary>Secure: bytes of the group datagrams kept to repair (0 in Classic).</summary>
        public long RetransmitBufferBytes => Runner.Read(() => (protocol as SecureRelay)?.RetransmitBufferBytes ?? 0);

        /// <summary>Secure: group datagrams let go from the retransmit buffer to keep within its bounds.</summary>
        public long RetransmitEvicted => Runner.Read(() => (protocol as SecureRelay)?.RetransmitEvicted ?? 0);

        /// <summary>Secure: Nacks (requests to repair) handled.</summary>
        public long NacksReceived => Runner.Read(() => (protocol as SecureRelay)?.NacksReceived ?? 0);

        /// <summary>Secure: group datagrams sent again because a member asked.</summary>
        public long RepairsSent => Runner.Read(() => (protocol as SecureRelay)?.RepairsSent ?? 0);

        /// <summary>Secure: repairs not sent again because the same datagram had just been (within the repair hold-off).</summary>
        public long RepairsSuppressed => Runner.Read(() => (protocol as SecureRelay)?.RepairsSuppressed ?? 0);

        /// <summary>Secure: datagrams asked for that were no longer kept, reported unavailable.</summary>
        public long RepairsUnavailable => Runner.Read(() => (protocol as SecureRelay)?.RepairsUnavailable ?? 0);

        /// <summary>Secure: members' fragments held because they came before the ones below them.</summary>
        public int HeldFragments => Runner.Read(() => (protocol as SecureRelay)?.HeldFragments ?? 0);

        /// <summary>Everything dropped, by reason: the protocol's drops, the loops' failures, and the federation's drops (bus messages refused), named Federation and their reason.</summary>
        public override IReadOnlyDictionary<string, long> Drops => federation is null
            ? Runner.Drops(protocol.Drops)
            : Runner.Drops(protocol.Drops, Runner.Read(() => federation.Port.Drops.Snapshot()).Select(p => new KeyValuePair<string, long>(FederationDropPrefix + p.Key, p.Value)).ToArray());

        /// <summary>Federation: this relay's site name; null for a relay of one site.</summary>
        public string? Site => federation?.Port.Site;

        /// <summary>Federation: the NATS server (without credentials); null for a relay of one site.</summary>
        public string? FederationUrl => federation?.Url;

        /// <summary>Federation: whether the relay is connected to the NATS server now; null for a relay of one site.</summary>
        public bool? FederationConnected => federation?.IsConnected;

        /// <summary>Federation: attempts to connect to the NATS server that failed, and errors it sent (a refused user name or password among them); 0 for a relay of one site.</summary>
        public long FederationConnectFailures => federation?.ConnectFailures ?? 0;

        /// <summary>Federation: the last failure to connect to the NATS server or error it sent, such as "Authorization Violation" (never the credentials); null while there was none.</summary>
        public string? FederationLastError => federation?.LastError;

        /// <summary>Federation: the other relays this one knows (authorized or refused), with their site and stream state; empty for a relay of one site.</summary>
        public IReadOnlyList<FederationPeerInfo> FederationPeers => federation is null
            ? Array.Empty<FederationPeerInfo>()
            : Runner.Read(() => (federation.Port as FederationLink)?.Peers ?? Array.Empty<FederationPeerInfo>());

        /// <summary>Federation: the other relays whose publish key this relay holds (it takes their members' messages).</summary>
        public int FederationPeerCount => FederationPeers.Count(p => p.HasKey);

        /// <summary>Federation: bus messages refused, by reason (UnauthorizedRelay, BadSignature, ...); empty for a relay of one site.</summary>
        public IReadOnlyDictionary<string, long> FederationDrops => federation is null
            ? new Dictionary<string, long>()
            : Runner.Read(() => federation.Port.Drops.Snapshot().ToDictionary(p => p.Key, p => p.Value));

        /// <summary>Federation: publications the bus did not take (disconnected or full); the other relays repair them from this relay's buffer.</summary>
        public long FederationPublishRefused => federation?.PublicationsRefused ?? 0;

        /// <summary>
        /// Events that left the event log unread because it was full (it keeps the latest
        /// ones). Not a drop: no traffic was lost, only the record of it.
        /// </summary>
        public long EventsOverwritten => Interlocked.Read(ref eventsDropped);

        internal WaitHandle EventArrived => eventArrived.WaitHandle;

        /// <summary>
        /// A member joined the group. Raised in order on a thread of the relay's own, never on its
        /// network loops: a slow handler delays only the next handlers; one that throws is counted
        /// in HandlerErrors.
        /// </summary>
        public event EventHandler<McastRelayMemberEventArgs>? MemberJoined;

        /// <summary>A member left the group: it said goodbye (Kind Left) or fell silent too long (Kind TimedOut).</summary>
        public event EventHandler<McastRelayMemberEventArgs>? MemberLeft;

        /// <summary>A join was refused: the member's key is not on the list of authorized keys.</summary>
        public event EventHandler<McastRelayMemberEventArgs>? JoinRefused;

        private protected override string StateText => State.ToString();

        /// <summary>Opens the sockets, makes the relay's key, and starts serving the group.</summary>
        public static McastRelay Start(McastRelayOptions options)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            options.Validate();
            Func<System.Net.IPEndPoint, RelayParts> makeProtocol = RelayProtocolFactory.Prepare(options);
            return Open<McastRelay>(
                options.Network,
                options.ChannelDecorator,
                (channel, interfaceName) =>
                {
                    RelayParts parts = makeProtocol(channel.LocalEndPoint);
                    RelayFederation? federation = null;
                    try
                    {
                        if (parts.Federation is not null)
                        {
                            // Connects in the background: an unreachable server does not stop the
                            // relay from serving its own LAN, and the bus keeps trying by itself.
                            IFederationBus bus = (options.FederationBusFactory ?? (url => FederationBusLoader.Open(url, credential: options.FederationCredential)))(options.FederationUrl!);
                            federation = new RelayFederation(parts.Federation, bus);
                        }

                        return new McastRelay(options, channel, parts.Protocol, federation, interfaceName);
                    }
                    catch
                    {
                        federation?.Dispose();
                        (parts.Federation as IDisposable)?.Dispose();
                        parts.Protocol.Dispose();
                        throw;
                    }
                },
                relay =>
                {
                    RelayFederation? federation = relay.federation;
                    relay.Runner.Idle = federation is null ? relay.protocol.Flush : federation.After(relay.protocol.Flush);
                    relay.Runner.NextDeadline = () => relay.protocol.NextDeadline;
                    relay.Runner.Start();
                    if (federation is not null)
                    {
                        var secure = (SecureRelay)relay.protocol;
                        federation.Start(
                            (subject, payload, now, output) =>
                            {
                                secure.ReceiveFederation(subject, payload, now, output);

                                // What it multicasts goes now, not with the next datagram heard on the LAN.
                                secure.Flush(now, output);
                            },
                            step => relay.Runner.Invoke((now, output) => { step(now, output); return true; }, CancellationToken.None, waitUntilSent: false));
                    }
                });
        }

        /// <summary>The events since the last call (joins, leaves, time-outs, relayed messages), oldest first.</summary>
        public IReadOnlyList<RelayEvent> TakeEvents()
        {
            lock (events)
            {
                eventArrived.Reset();
                var taken = new List<RelayEvent>(events);
                events.Clear();
                return taken;
            }
        }

        /// <summary>Tells every member the relay is going (a leave notice each), stops the loops and closes the sockets. Idempotent.</summary>
        public void Stop() => CloseOnce();

        private protected override void Farewell(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            protocol.Stop(now, output);
            if (federation is not null)
            {
                // The other sites hear that this relay's members left, if the bus takes it in time.
                federation.Port.Flush(now);
                federation.AfterStep(now);
            }
        }

        private protected override void OnClosed()
        {
            // The bus first (bounded: it lets what is queued go for a second), then the keys it signed with.
            federation?.Dispose();
            protocol.Dispose();
            Table.Remove(Id);
            eventArrived.Set();
        }

        private protected override void OnEvent(RelayEvent e)
        {
            lock (events)
            {
                events.Enqueue(e);
                if (events.Count > eventLimit)
                {
                    events.Dequeue();
                    Interlocked.Increment(ref eventsDropped);
                }

                eventArrived.Set();
            }

            switch (e.Kind)
            {
                case RelayEventKind.Joined:
                    Raise(MemberJoined, new McastRelayMemberEventArgs(e));
                    break;
                case RelayEventKind.Left:
                case RelayEventKind.TimedOut:
                    Raise(MemberLeft, new McastRelayMemberEventArgs(e));
                    break;
                case RelayEventKind.Refused:
                    Raise(JoinRefused, new McastRelayMemberEventArgs(e));
                    break;
            }
        }
    }
}
