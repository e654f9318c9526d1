using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Threading;
using McastCrypto.Crypto;
using McastCrypto.Hosting;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Transport;

namespace McastCrypto.Relay
{
    /// <summary>
    /// The relay of a group, running in the background of this process: it owns its sockets, its
    /// key, its member table and its loops, and counts everything it receives, sends and drops.
    /// </summary>
    public sealed class McastRelay : IDisposable
    {
        private readonly IRelayProtocol protocol;
        private readonly ProtocolRunner<RelayEvent> runner;
        private readonly Queue<RelayEvent> events = new Queue<RelayEvent>();
        private readonly ManualResetEventSlim eventArrived = new ManualResetEventSlim(false);
        private readonly int eventLimit;
        private long eventsDropped;
        private int stopped;

        private McastRelay(McastRelayOptions options, IDatagramChannel channel, IRelayProtocol protocol, string interfaceName)
        {
            this.protocol = protocol;
            eventLimit = options.EventLimit;
            Protocol = options.Protocol;
            Group = channel.Group;
            Port = channel.Port;
            Interface = interfaceName;
            LocalEndPoint = channel.LocalEndPoint;
            StartedAt = DateTimeOffset.Now;
            runner = new ProtocolRunner<RelayEvent>(
                channel,
                (d, now, output) => protocol.Receive(d.Payload, d.Source, now, output),
                protocol.Tick,
                OnEvent,
                new SendPacer(options.SendRate, 256));
            Id = Table.Add(this);
            Name = string.IsNullOrEmpty(options.Name) ? "Relay" + Id.ToString(CultureInfo.InvariantCulture) : options.Name!;
        }

        /// <summary>The relays running in this process.</summary>
        internal static ObjectTable<McastRelay> Table { get; } = new ObjectTable<McastRelay>(closeOrder: 1);

        public int Id { get; }

        public string Name { get; }

        public McastProtocol Protocol { get; }

        public IPAddress Group { get; }

        public int Port { get; }

        /// <summary>The interface as resolved: its IPv4 address.</summary>
        public string Interface { get; }

        /// <summary>The address:port the relay sends from.</summary>
        public IPEndPoint LocalEndPoint { get; }

        public McastRelayState State => stopped != 0 ? McastRelayState.Stopped : McastRelayState.Running;

        /// <summary>The relay key's fingerprint (SHA256:base64), for members to check.</summary>
        public string KeyFingerprint => protocol.KeyFingerprint;

        public DateTimeOffset StartedAt { get; }

        /// <summary>The members now known, registered or joined.</summary>
        public IReadOnlyList<RelayMember> Members => runner.Read(() => protocol.Members);

        public int MemberCount => Members.Count;

        public long DatagramsIn => runner.DatagramsIn;

        public long DatagramsOut => runner.DatagramsOut;

        /// <summary>The receive buffer the operating system granted the socket, as it reports it; null when unknown.</summary>
        public int? ReceiveBufferBytes => runner.ReceiveBufferBytes;

        /// <summary>Datagrams the operating system dropped at the receive socket (also in Drops); null where it does not say.</summary>
        public long? KernelDrops => runner.KernelDrops;

        public long MessagesRelayed => runner.Read(() => protocol.MessagesRelayed);

        /// <summary>Everything dropped, by reason: the protocol's drops and the loops' failures.</summary>
        public IReadOnlyDictionary<string, long> Drops => runner.Drops(protocol.Drops);

        /// <summary>
        /// Events that left the event log unread because it was full (it keeps the latest
        /// ones). Not a drop: no traffic was lost, only the record of it.
        /// </summary>
        public long EventsOverwritten => Interlocked.Read(ref eventsDropped);

        /// <summary>The last failure of a background loop, if any.</summary>
        public Exception? LastError => runner.LastError;

        internal WaitHandle EventArrived => eventArrived.WaitHandle;

        /// <summary>Opens the sockets, makes the relay's key, and starts serving the group.</summary>
        public static McastRelay Start(McastRelayOptions options)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            options.Validate();
            var relayOptions = new ClassicRelayOptions { ClientTimeout = options.ClientTimeout, MaxClients = options.MaxClients };
            relayOptions.Validate();
            IDatagramChannel? channel = null;
            RsaPrivateKey? key = null;
            McastRelay? relay = null;
            try
            {
                // The sockets first: a group that cannot be joined should fail before the key is made.
                var multicast = new MulticastChannel(options.Network);
                channel = options.ChannelDecorator is null ? multicast : options.ChannelDecorator(multicast);
                key = RsaOaep.Generate();
                relay = new McastRelay(options, channel, new ClassicRelay(channel.LocalEndPoint, key, relayOptions), multicast.InterfaceAddress.ToString());
                relay.runner.Start();
                return relay;
            }
            catch
            {
                if (relay is not null)
                {
                    relay.Stop();
                }
                else
                {
                    channel?.Dispose();
                    key?.Dispose();
                }

                throw;
            }
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
        public void Stop()
        {
            if (Interlocked.Exchange(ref stopped, 1) != 0)
            {
                return;
            }

            try
            {
                runner.Shutdown(protocol.Stop);
            }
            finally
            {
                protocol.Dispose();
                Table.Remove(Id);
                eventArrived.Set();
            }
        }

        public void Dispose() => Stop();

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} ({1}, {2}:{3})", Name, State, Group, Port);

        private void OnEvent(RelayEvent e)
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
        }
    }
}
