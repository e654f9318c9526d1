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

namespace McastCrypto.Session
{
    /// <summary>
    /// A member of a group: it owns the sockets, the keys, and the background receive and
    /// keep-alive loops; it keeps what arrives until taken, and the members it has heard of.
    /// </summary>
    public sealed class McastSession : IDisposable
    {
        private readonly IMemberProtocol protocol;
        private readonly ProtocolRunner<MemberEvent> runner;
        private readonly MessageInbox inbox;
        private readonly PeerTable peers;
        private readonly ManualResetEventSlim stateChanged = new ManualResetEventSlim(false);
        private long messagesSent;
        private long messagesReceived;
        private int closed;

        private McastSession(McastSessionOptions options, IDatagramChannel channel, IMemberProtocol protocol, string interfaceName)
        {
            this.protocol = protocol;
            Protocol = options.Protocol;
            Group = channel.Group;
            Port = channel.Port;
            Interface = interfaceName;
            LocalEndPoint = channel.LocalEndPoint;
            CreatedAt = DateTimeOffset.Now;
            inbox = new MessageInbox(options.InboxLimit);
            peers = new PeerTable(options.PeerLimit);
            runner = new ProtocolRunner<MemberEvent>(
                channel,
                (d, now, output) => protocol.Receive(d.Payload, d.Source, now, output),
                protocol.Tick,
                OnEvent,
                new SendPacer(options.SendRate, 256));
            Id = Table.Add(this);
            Name = string.IsNullOrEmpty(options.Name) ? "Session" + Id.ToString(CultureInfo.InvariantCulture) : options.Name!;
        }

        /// <summary>The sessions open in this process.</summary>
        internal static ObjectTable<McastSession> Table { get; } = new ObjectTable<McastSession>(closeOrder: 0);

        /// <summary>A number unique in this process.</summary>
        public int Id { get; }

        public string Name { get; }

        public McastProtocol Protocol { get; }

        public IPAddress Group { get; }

        public int Port { get; }

        /// <summary>The interface as resolved: its IPv4 address.</summary>
        public string Interface { get; }

        /// <summary>The address:port the relay and the other members know this session by.</summary>
        public IPEndPoint LocalEndPoint { get; }

        public MemberState State => closed != 0 ? MemberState.Closed : runner.Read(() => protocol.State);

        /// <summary>The relay's key fingerprint (SHA256:base64), once known.</summary>
        public string? RelayKeyFingerprint => runner.Read(() => protocol.RelayFingerprint);

        public DateTimeOffset CreatedAt { get; }

        /// <summary>The last time anything came from the relay.</summary>
        public DateTimeOffset? LastRelayTraffic => runner.Read(() => protocol.LastRelayTraffic);

        public long DatagramsIn => runner.DatagramsIn;

        public long DatagramsOut => runner.DatagramsOut;

        /// <summary>The receive buffer the operating system granted the socket, as it reports it; null when unknown.</summary>
        public int? ReceiveBufferBytes => runner.ReceiveBufferBytes;

        /// <summary>Datagrams the operating system dropped at the receive socket (also in Drops); null where it does not say.</summary>
        public long? KernelDrops => runner.KernelDrops;

        public long MessagesSent => Interlocked.Read(ref messagesSent);

        public long MessagesReceived => Interlocked.Read(ref messagesReceived);

        /// <summary>Messages waiting to be taken by Receive-McastMessage.</summary>
        public int Pending => inbox.Count;

        /// <summary>Everything dropped, by reason: the protocol's drops, the inbox's and the loops' failures.</summary>
        public IReadOnlyDictionary<string, long> Drops => runner.Drops(
            protocol.Drops,
            new KeyValuePair<string, long>("InboxOverflow", inbox.Overflow),
            new KeyValuePair<string, long>("PeerTableFull", peers.Overflow));

        /// <summary>The last failure of a background loop, if any.</summary>
        public Exception? LastError => runner.LastError;

        internal WaitHandle MessageArrived => inbox.Arrived;

        /// <summary>
        /// Opens a session: sockets, a new key, the handshake with the relay, and the background
        /// loops. Returns once the relay announced the join; throws TimeoutException when no relay
        /// answers in time, OperationCanceledException when cancelled.
        /// </summary>
        public static McastSession Open(McastSessionOptions options, CancellationToken cancellationToken) =>
            Open(options, cancellationToken, null);

        /// <summary>
        /// Opens a session as <see cref="Open(McastSessionOptions, CancellationToken)"/> does, calling
        /// <paramref name="waiting"/> on the calling thread about five times a second with the
        /// state and the time waited, while the handshake goes on.
        /// </summary>
        public static McastSession Open(McastSessionOptions options, CancellationToken cancellationToken, Action<MemberState, TimeSpan>? waiting)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            options.Validate();
            var memberOptions = new ClassicMemberOptions { KeepAliveInterval = options.KeepAliveInterval, FragmentSize = options.FragmentSize };
            memberOptions.Validate();
            IDatagramChannel? channel = null;
            RsaPrivateKey? key = null;
            McastSession? session = null;
            try
            {
                // The sockets first: a group that cannot be joined should fail before the key is made.
                var multicast = new MulticastChannel(options.Network);
                channel = options.ChannelDecorator is null ? multicast : options.ChannelDecorator(multicast);
                key = RsaOaep.Generate();
                var member = new ClassicMember(channel.LocalEndPoint, key, memberOptions);
                session = new McastSession(options, channel, member, multicast.InterfaceAddress.ToString());
                session.runner.Start();
                session.runner.Invoke((now, output) =>
                {
                    member.Start(now, output);
                    return true;
                });
                session.WaitForJoin(options.Timeout, cancellationToken, waiting);
                return session;
            }
            catch
            {
                if (session is not null)
                {
                    session.Close();
                }
                else
                {
                    channel?.Dispose();
                    key?.Dispose();
                }

                throw;
            }
        }

        /// <summary>Sends one message to the group. Throws ObjectDisposedException once closed, InvalidOperationException when not connected.</summary>
        public SentMessage Send(string text)
        {
            ThrowIfClosed();
            SentMessage sent = runner.Invoke((now, output) => protocol.Send(text, now, output));
            Interlocked.Increment(ref messagesSent);
            return sent;
        }

        /// <summary>
        /// The messages with a sequence above <paramref name="after"/>; unless <paramref name="keep"/>,
        /// they leave the session (so nothing is returned twice). At most <paramref name="max"/> are
        /// returned; the others stay.
        /// </summary>
        public IReadOnlyList<McastMessage> Receive(long after = 0, bool keep = false, int max = int.MaxValue) => inbox.Take(after, !keep, max);

        /// <summary>The members this session knows, itself included.</summary>
        public IReadOnlyList<McastPeer> GetPeers() => peers.Snapshot(this, LocalEndPoint, Name);

        /// <summary>Says goodbye to the relay (DISCONNECT), stops the loops and closes the sockets. Idempotent.</summary>
        public void Close()
        {
            if (Interlocked.Exchange(ref closed, 1) != 0)
            {
                return;
            }

            try
            {
                runner.Shutdown(protocol.Leave);
            }
            finally
            {
                protocol.Dispose();
                Table.Remove(Id);
                stateChanged.Set();
            }
        }

        public void Dispose() => Close();

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} ({1}, {2}:{3})", Name, State, Group, Port);

        private void WaitForJoin(TimeSpan timeout, CancellationToken cancellationToken, Action<MemberState, TimeSpan>? waiting)
        {
            DateTime started = DateTime.UtcNow;
            DateTime deadline = started + timeout;
            while (true)
            {
                MemberState state = State;
                if (state == MemberState.Connected)
                {
                    return;
                }

                TimeSpan left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero)
                {
                    string what = state == MemberState.AwaitingRelayKey
                        ? "no relay answered with its key"
                        : "the relay sent its key but did not announce the join";
                    throw new TimeoutException(string.Format(
                        CultureInfo.InvariantCulture,
                        "No relay on group {0} port {1} interface {2}: {3} within {4} s.",
                        Group,
                        Port,
                        Interface,
                        what,
                        timeout.TotalSeconds));
                }

                stateChanged.Reset();
                if (State == MemberState.Connected)
                {
                    return;
                }

                waiting?.Invoke(state, DateTime.UtcNow - started);

                WaitHandle.WaitAny(new[] { stateChanged.WaitHandle, cancellationToken.WaitHandle }, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        private void OnEvent(MemberEvent e)
        {
            switch (e.Kind)
            {
                case MemberEventKind.StateChanged:
                    stateChanged.Set();
                    return;
                case MemberEventKind.Message:
                    if (e.Member is not null)
                    {
                        peers.Message(e.Member, e.At);
                    }

                    Interlocked.Increment(ref messagesReceived);
                    inbox.Add(seq => new McastMessage(this, seq, McastMessageKind.Message, e.Member, e.MemberName, e.Text, e.MessageId, e.At.ToLocalTime()));
                    return;
                case MemberEventKind.Joined:
                case MemberEventKind.Left:
                    bool joined = e.Kind == MemberEventKind.Joined;
                    if (joined)
                    {
                        peers.Joined(e.Member!, e.At);
                    }
                    else
                    {
                        peers.Left(e.Member!, e.At);
                    }

                    inbox.Add(seq => new McastMessage(this, seq, joined ? McastMessageKind.Joined : McastMessageKind.Left, e.Member, e.Member!.Equals(LocalEndPoint) ? Name : e.MemberName, null, null, e.At.ToLocalTime()));
                    return;
            }
        }

        private void ThrowIfClosed()
        {
            if (closed != 0)
            {
                throw new ObjectDisposedException(Name, "The session " + Name + " (Id " + Id.ToString(CultureInfo.InvariantCulture) + ") is closed.");
            }
        }
    }
}
