using System;
using System.Collections.Generic;
using System.Threading;
using McastCrypto.Hosting;
using McastCrypto.Protocol;
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
        private readonly IRelayProtocol protocol;
        private readonly Queue<RelayEvent> events = new Queue<RelayEvent>();
        private readonly ManualResetEventSlim eventArrived = new ManualResetEventSlim(false);
        private readonly int eventLimit;
        private long eventsDropped;

        private McastRelay(McastRelayOptions options, IDatagramChannel channel, IRelayProtocol protocol, string interfaceName)
            : base(options.Protocol, channel, interfaceName, protocol.Receive, protocol.Tick, options.EffectiveSendRate)
        {
            this.protocol = protocol;
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

        /// <summary>Everything dropped, by reason: the protocol's drops and the loops' failures.</summary>
        public override IReadOnlyDictionary<string, long> Drops => Runner.Drops(protocol.Drops);

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
            Func<System.Net.IPEndPoint, IRelayProtocol> makeProtocol = RelayProtocolFactory.Prepare(options);
            return Open<McastRelay>(
                options.Network,
                options.ChannelDecorator,
                (channel, interfaceName) =>
                {
                    IRelayProtocol protocol = makeProtocol(channel.LocalEndPoint);
                    try
                    {
                        return new McastRelay(options, channel, protocol, interfaceName);
                    }
                    catch
                    {
                        protocol.Dispose();
                        throw;
                    }
                },
                relay =>
                {
                    relay.Runner.Idle = relay.protocol.Flush;
                    relay.Runner.NextDeadline = () => relay.protocol.NextDeadline;
                    relay.Runner.Start();
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

        private protected override void Farewell(DateTimeOffset now, ProtocolOutput<RelayEvent> output) => protocol.Stop(now, output);

        private protected override void OnClosed()
        {
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
