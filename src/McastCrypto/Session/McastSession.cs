using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using McastCrypto.Hosting;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Session
{
    /// <summary>
    /// A member of a group: it owns the sockets, the keys, and the background receive and
    /// keep-alive loops; it keeps what arrives until taken, and the members it has heard of.
    /// </summary>
    public sealed class McastSession : McastActor<MemberEvent>
    {
        private readonly IMemberProtocol protocol;
        private readonly MessageInbox inbox;
        private readonly PeerTable peers;
        private readonly ManualResetEventSlim stateChanged = new ManualResetEventSlim(false);
        private long messagesSent;
        private long messagesReceived;

        // The state last reported by the protocol, and whether the relay was lost since the last
        // Connected: only the runner's thread (OnEvent) touches them.
        private MemberState reportedState = MemberState.New;
        private bool lostSinceConnected;

        private McastSession(McastSessionOptions options, IDatagramChannel channel, IMemberProtocol protocol, string interfaceName)
            : base(options.Protocol, channel, interfaceName, protocol.Receive, protocol.Tick, options.SendRate)
        {
            this.protocol = protocol;
            Runner.NextDeadline = () => protocol.NextDeadline;
            CreatedAt = DateTimeOffset.Now;
            inbox = new MessageInbox(options.InboxLimit);
            peers = new PeerTable(options.PeerLimit);
            Register(Table.Add(this), options.Name, "Session");
        }

        /// <summary>The sessions open in this process.</summary>
        internal static ObjectTable<McastSession> Table { get; } = new ObjectTable<McastSession>(closeOrder: 0, noun: "session");

        public MemberState State => IsClosed ? MemberState.Closed : Runner.Read(() => protocol.State);

        /// <summary>Why the session is Failed (the reason, and the relay keys concerned); null otherwise.</summary>
        public MemberFailure? Failure => Runner.Read(() => protocol.Failure);

        /// <summary>This session's id in the group, once the relay knows it (in Classic its address:port).</summary>
        public string? MemberId => Runner.Read(() => protocol.Identity?.Id);

        /// <summary>The fingerprint of this session's own key (SHA256:base64).</summary>
        public string KeyFingerprint => protocol.KeyFingerprint;

        /// <summary>The group key's epoch now, where the protocol has epochs (null in Classic).</summary>
        public long? Epoch => Runner.Read(() => protocol.Epoch);

        /// <summary>The relay's key fingerprint (SHA256:base64), once known.</summary>
        public string? RelayKeyFingerprint => Runner.Read(() => protocol.RelayFingerprint);

        public DateTimeOffset CreatedAt { get; }

        /// <summary>The last time the relay gave a sign of life that this session could check.</summary>
        public DateTimeOffset? LastRelayTraffic => Runner.Read(() => protocol.LastRelayTraffic);

        public long MessagesSent => Interlocked.Read(ref messagesSent);

        public long MessagesReceived => Interlocked.Read(ref messagesReceived);

        /// <summary>Messages waiting to be taken by Receive-McastMessage.</summary>
        public int Pending => inbox.Count;

        /// <summary>Everything dropped, by reason: the protocol's drops, the inbox's and the loops' failures.</summary>
        public override IReadOnlyDictionary<string, long> Drops => Runner.Drops(
            protocol.Drops,
            new KeyValuePair<string, long>("InboxOverflow", inbox.Overflow),
            new KeyValuePair<string, long>("PeerTableFull", peers.Overflow));

        internal WaitHandle MessageArrived => inbox.Arrived;

        /// <summary>
        /// A message from a member arrived (it also stays in the session until taken). Raised in
        /// order on a thread of the session's own, never on its network loops: a slow handler delays
        /// only the next handlers. One that throws is counted in HandlerErrors.
        /// </summary>
        public event EventHandler<McastMessageEventArgs>? MessageReceived;

        /// <summary>The relay announced that a member joined (this session's own join included).</summary>
        public event EventHandler<McastPeerEventArgs>? PeerJoined;

        /// <summary>The relay announced that a member left or timed out (this session's own leave included).</summary>
        public event EventHandler<McastPeerEventArgs>? PeerLeft;

        /// <summary>The session's state changed (to RelayLost, Connected, Failed, Closed...): the old and new state, and the failure when Failed.</summary>
        public event EventHandler<McastSessionStateChangedEventArgs>? StateChanged;

        private protected override string StateText => State.ToString();

        /// <summary>
        /// Opens a session: sockets, a new key, the handshake with the relay, and the background
        /// loops. Returns once the relay announced the join; throws TimeoutException when no relay
        /// answers in time, McastSessionFailedException when the join ends for good (a changed relay
        /// key, a refusal), OperationCanceledException when cancelled.
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
            Func<System.Net.IPEndPoint, IMemberProtocol> makeProtocol = MemberProtocolFactory.Prepare(options);
            return Open<McastSession>(
                options.Network,
                options.ChannelDecorator,
                (channel, interfaceName) =>
                {
                    IMemberProtocol protocol = makeProtocol(channel.LocalEndPoint);
                    try
                    {
                        return new McastSession(options, channel, protocol, interfaceName);
                    }
                    catch
                    {
                        protocol.Dispose();
                        throw;
                    }
                },
                session =>
                {
                    session.Runner.Start();
                    session.Runner.Invoke((now, output) =>
                    {
                        session.protocol.Start(now, output);
                        return true;
                    });
                    session.WaitForJoin(options.Timeout, cancellationToken, waiting);
                });
        }

        /// <summary>
        /// Waits until one of the sessions in <paramref name="after"/> has a message after the sequence number
        /// given there (0 for any), or one of them closes, or the time-out passes, or
        /// the token is cancelled. Works for any number of sessions. True when there is news.
        /// </summary>
        public static bool WaitForArrivals(IReadOnlyDictionary<McastSession, long> after, TimeSpan timeout, CancellationToken cancellationToken)
        {
            if (after is null)
            {
                throw new ArgumentNullException(nameof(after));
            }

            using (var news = new ManualResetEventSlim(false))
            {
                var sessions = after.Keys.ToList();
                foreach (McastSession session in sessions)
                {
                    session.inbox.AddWatcher(news);
                }

                try
                {
                    // Registered first, checked second: nothing that arrives in between is missed.
                    if (sessions.Any(s => s.IsClosed || s.inbox.LastSequence > after[s]))
                    {
                        return true;
                    }

                    try
                    {
                        return news.Wait(timeout, cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        return false;
                    }
                }
                finally
                {
                    foreach (McastSession session in sessions)
                    {
                        session.inbox.RemoveWatcher(news);
                    }
                }
            }
        }

        /// <summary>
        /// Sends one message to the group. Throws ObjectDisposedException once closed,
        /// InvalidOperationException when not connected (the message says why).
        /// </summary>
        public SentMessage Send(string text)
        {
            ThrowIfClosed();
            SentMessage sent = Runner.Invoke((now, output) => protocol.Send(text, now, output));
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
        public IReadOnlyList<McastPeer> GetPeers()
        {
            MemberIdentity? self = Runner.Read(() => protocol.Identity);
            return peers.Snapshot(this, self, Name);
        }

        /// <summary>Says goodbye to the relay, stops the loops and closes the sockets. Idempotent.</summary>
        public void Close() => CloseOnce();

        private protected override void Farewell(DateTimeOffset now, ProtocolOutput<MemberEvent> output) => protocol.Leave(now, output);

        private protected override void OnClosed()
        {
            protocol.Dispose();
            Table.Remove(Id);
            stateChanged.Set();
            inbox.WakeWatchers();
        }

        private void WaitForJoin(TimeSpan timeout, CancellationToken cancellationToken, Action<MemberState, TimeSpan>? waiting)
        {
            // A monotonic clock: a wall-clock step must not end the wait early or stretch it.
            Stopwatch waited = Stopwatch.StartNew();
            while (true)
            {
                stateChanged.Reset();
                MemberState state = State;
                if (state == MemberState.Connected)
                {
                    return;
                }

                if (state == MemberState.Failed)
                {
                    throw new McastSessionFailedException(Failure!);
                }

                TimeSpan left = timeout - waited.Elapsed;
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

                waiting?.Invoke(state, waited.Elapsed);
                WaitHandle.WaitAny(new[] { stateChanged.WaitHandle, cancellationToken.WaitHandle }, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
                cancellationToken.ThrowIfCancellationRequested();
            }
        }

        /// <summary>
        /// On the runner's thread: raises StateChanged, and puts the changes a user should see into
        /// the message stream: the relay lost, connected again after that, failed.
        /// </summary>
        private void OnStateChanged(MemberState state)
        {
            MemberState old = reportedState;
            if (state == old)
            {
                return;
            }

            reportedState = state;
            MemberFailure? failure = state == MemberState.Failed ? protocol.Failure : null;
            bool shown = state == MemberState.RelayLost || state == MemberState.Failed || (state == MemberState.Connected && lostSinceConnected);
            if (state == MemberState.RelayLost)
            {
                lostSinceConnected = true;
            }
            else if (state == MemberState.Connected)
            {
                lostSinceConnected = false;
            }

            if (shown)
            {
                inbox.Add(seq => new McastMessage(this, seq, McastMessageKind.StateChanged, null, failure?.Message, null, false, DateTimeOffset.Now, state));
            }

            Raise(StateChanged, new McastSessionStateChangedEventArgs(old, state, failure, DateTimeOffset.Now));
        }

        private protected override void OnEvent(MemberEvent e)
        {
            switch (e.Kind)
            {
                case MemberEventKind.StateChanged:
                    OnStateChanged(e.State);
                    stateChanged.Set();
                    return;
                case MemberEventKind.Message:
                    if (e.Member is not null)
                    {
                        peers.Message(e.Member, e.At);
                    }

                    Interlocked.Increment(ref messagesReceived);
                    McastMessage message = inbox.Add(seq => new McastMessage(this, seq, McastMessageKind.Message, e.Member, e.Text, e.MessageId, e.Verified, DateTimeOffset.Now));
                    Raise(MessageReceived, new McastMessageEventArgs(message));
                    return;
                case MemberEventKind.Present:
                    peers.Present(e.Member!, e.At);
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

                    MemberIdentity member = e.Member!;
                    if (member.Name is null && member.Equals(protocol.Identity))
                    {
                        // This session's own join or leave: it knows its own name.
                        member = new MemberIdentity(member.Id, Name, member.KeyFingerprint, member.EndPoint);
                    }

                    McastMessage notice = inbox.Add(seq => new McastMessage(this, seq, joined ? McastMessageKind.Joined : McastMessageKind.Left, member, null, null, e.Verified, DateTimeOffset.Now));
                    Raise(joined ? PeerJoined : PeerLeft, new McastPeerEventArgs(notice));
                    return;
                default:
                    // Outcomes of this session's own messages: Send reports them to its caller.
                    return;
            }
        }
    }
}
