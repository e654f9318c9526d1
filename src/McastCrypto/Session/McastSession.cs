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
        private long messagesAcknowledged;
        private long messagesFailed;
        private long gaps;
        private long lostFragments;

        // Outcomes of this session's own messages (sent, acknowledged, failed) so far: a waiting Send
        // sees in it that the send queue moves, even while its own message waits behind others.
        private long sendActivity;

        // The messages of a protocol with acknowledgements that have no outcome yet, oldest first,
        // and by message id. Under pendingGate (taken inside the runner's lock, never around it).
        private readonly object pendingGate = new object();
        private readonly LinkedList<PendingSend> outstanding = new LinkedList<PendingSend>();
        private readonly Dictionary<string, LinkedListNode<PendingSend>> pendingById = new Dictionary<string, LinkedListNode<PendingSend>>(StringComparer.Ordinal);

        // The state last reported by the protocol, and whether the relay was lost since the last
        // Connected: only the runner's thread (OnEvent) touches them.
        private MemberState reportedState = MemberState.New;
        private bool lostSinceConnected;

        private McastSession(McastSessionOptions options, IDatagramChannel channel, IMemberProtocol protocol, string interfaceName)
            : base(options.Protocol, channel, interfaceName, protocol.Receive, protocol.Tick, options.EffectiveSendRate)
        {
            this.protocol = protocol;
            Runner.NextDeadline = () => protocol.NextDeadline;
            CreatedAt = DateTimeOffset.Now;
            inbox = new MessageInbox(options.InboxLimit, options.InboxBytes, (sequence, lost, lostBytes) => McastMessage.Gap(
                this,
                sequence,
                null,
                0,
                lost,
                null,
                string.Format(
                    System.Globalization.CultureInfo.InvariantCulture,
                    "dropped here: nobody took them before the session's inbox was full ({0} messages, {1} bytes at most; {2} bytes dropped)",
                    options.InboxLimit,
                    options.InboxBytes,
                    lostBytes),
                DateTimeOffset.Now));
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

        /// <summary>This session's messages the relay acknowledged (protocols with acknowledgements: Secure).</summary>
        public long MessagesAcknowledged => Interlocked.Read(ref messagesAcknowledged);

        /// <summary>This session's messages that could not be delivered to the relay (the protocol reported MessageFailed).</summary>
        public long MessagesFailed => Interlocked.Read(ref messagesFailed);

        /// <summary>Gap records put in the message stream: losses for good of other members' messages.</summary>
        public long Gaps => Interlocked.Read(ref gaps);

        /// <summary>Fragments of other members' messages lost for good, as the gaps reported them.</summary>
        public long LostFragments => Interlocked.Read(ref lostFragments);

        /// <summary>Whether the relay acknowledges this session's messages (Secure), so that <see cref="Send(MessageContent, bool, CancellationToken, Action{SendProgress})"/> can wait for it.</summary>
        public bool HasAcknowledgements => protocol.HasAcknowledgements;

        /// <summary>The longest content this session sends, in bytes (a text's in UTF-8).</summary>
        public int MaxMessageBytes => protocol.MaxMessageBytes;

        /// <summary>
        /// Secure: what reliable delivery did and holds now (Nacks, repairs, retransmissions, the
        /// buffers' fill); null for Classic, which repairs nothing.
        /// </summary>
        public McastReliabilityCounters? Reliability =>
            protocol is Protocol.Secure.SecureMember secure ? Runner.Read(() => new McastReliabilityCounters(secure)) : null;

        /// <summary>This session's messages taken by a protocol with acknowledgements and not yet acknowledged or failed.</summary>
        public int MessagesOutstanding
        {
            get
            {
                lock (pendingGate)
                {
                    return outstanding.Count;
                }
            }
        }

        /// <summary>
        /// How long a waiting <see cref="Send(MessageContent, bool, CancellationToken, Action{SendProgress})"/>
        /// goes on without any sign that the send queue moves (no fragment of its message or of the
        /// oldest one sent or acknowledged, no outcome of any message) before it stops waiting and
        /// reports the message failed: a safety net far above the protocol's own deadline (Secure fails
        /// a message its relay did not acknowledge within 10 s), for a protocol that never reports.
        /// </summary>
        internal TimeSpan SendStallLimit { get; set; } = DefaultSendStallLimit;

        /// <summary>How often a waiting Send reads the progress (and calls its progress callback).</summary>
        internal TimeSpan SendPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

        /// <summary>The default of <see cref="SendStallLimit"/>: 60 s, six times Secure's acknowledgement deadline.</summary>
        internal static readonly TimeSpan DefaultSendStallLimit = TimeSpan.FromSeconds(60);

        /// <summary>The most messages without an outcome tracked (far above any protocol's send buffer); past it the oldest is forgotten.</summary>
        internal const int OutstandingLimit = 65536;

        /// <summary>Messages waiting to be taken by Receive-McastMessage.</summary>
        public int Pending => inbox.Count;

        /// <summary>The bytes of the messages waiting (bounded by the session's InboxBytes).</summary>
        public long PendingBytes => inbox.Bytes;

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
        /// Opens a session on a channel and protocol made by the caller (tests: a fake channel and a
        /// fake protocol), as <see cref="Open(McastSessionOptions, CancellationToken)"/> does after the
        /// sockets and the protocol are made. The session owns both from here on.
        /// </summary>
        internal static McastSession Open(McastSessionOptions options, IDatagramChannel channel, IMemberProtocol protocol, CancellationToken cancellationToken)
        {
            options.Validate();
            McastSession session;
            try
            {
                session = new McastSession(options, channel, protocol, channel.LocalEndPoint.Address.ToString());
            }
            catch
            {
                protocol.Dispose();
                channel.Dispose();
                throw;
            }

            try
            {
                session.Runner.Start();
                session.Runner.Invoke((now, output) =>
                {
                    session.protocol.Start(now, output);
                    return true;
                });
                session.WaitForJoin(options.Timeout, cancellationToken, null);
                return session;
            }
            catch
            {
                session.Close();
                throw;
            }
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
        /// Sends one text to the group and returns once the protocol took it, without waiting for an
        /// acknowledgement. Throws ObjectDisposedException once closed, InvalidOperationException when
        /// not connected (the message says why), ArgumentException for a text the protocol cannot carry.
        /// </summary>
        public SentMessage Send(string text) => Send(MessageContent.FromText(text ?? throw new ArgumentNullException(nameof(text))), false, CancellationToken.None).Sent;

        /// <summary>
        /// Sends one message (a text, bytes or a file) to the group. Returns once the protocol took it
        /// (<paramref name="wait"/> false: Status Queued, or Sent for a protocol without
        /// acknowledgements); with <paramref name="wait"/>, where the protocol has acknowledgements
        /// (Secure), once the relay acknowledged it (Acknowledged) or it failed (Failed, with the
        /// reason: the protocol's, or that nothing moved for <see cref="SendStallLimit"/>). A protocol
        /// without acknowledgements (Classic) returns Sent once its datagrams went out, wait or not.
        /// </summary>
        /// <param name="content">What to send.</param>
        /// <param name="wait">Wait for the acknowledgement (protocols that have one).</param>
        /// <param name="cancellationToken">Ends the wait with OperationCanceledException; the message stays taken and goes out.</param>
        /// <param name="progress">
        /// Called on the calling thread, about five times a second while waiting, with the message's
        /// progress (fragments sent and acknowledged), never under the session's lock.
        /// </param>
        /// <exception cref="ObjectDisposedException">The session is closed.</exception>
        /// <exception cref="InvalidOperationException">The session is not connected, or its send buffer is full (the message says why).</exception>
        /// <exception cref="ArgumentException">Content the protocol cannot carry: empty, too long, a kind it does not have.</exception>
        public McastSendResult Send(MessageContent content, bool wait, CancellationToken cancellationToken, Action<SendProgress>? progress = null)
        {
            SentMessage sent = Take(content, cancellationToken, waitUntilSent: wait, out PendingSend? pending);
            if (pending is null)
            {
                return new McastSendResult(this, sent, McastSendStatus.Sent, null, null, false);
            }

            if (!wait)
            {
                // Whatever may have happened meanwhile: a caller that did not wait learns nothing here
                // (the counters say how its messages fared), so the answer does not depend on timing.
                return new McastSendResult(this, sent, McastSendStatus.Queued, null, null, false);
            }

            WaitForOutcome(pending, cancellationToken, progress);
            return new McastSendResult(this, sent, pending.Status, pending.AcknowledgedAfter, pending.Reason, pending.TimedOut);
        }

        /// <summary>
        /// Sends without waiting, as <see cref="Send(MessageContent, bool, CancellationToken, Action{SendProgress})"/>
        /// does with wait false, and returns what to look at later for the outcome (IsDone, Status,
        /// Reason): null for a protocol without acknowledgements. For a caller that shows outcomes as
        /// they come instead of waiting for each (the chat). Every one gets an outcome: the
        /// protocol's, or a failure when the session closes or stops tracking it
        /// (<see cref="OutstandingLimit"/>), so a caller that keeps them until done keeps a bounded number.
        /// </summary>
        internal PendingSend? SendTracked(MessageContent content)
        {
            Take(content, CancellationToken.None, waitUntilSent: false, out PendingSend? pending);
            return pending;
        }

        /// <summary>
        /// Hands <paramref name="content"/> to the protocol and counts it; <paramref name="pending"/>
        /// tracks its outcome where the protocol has acknowledgements. Returns once the datagrams are
        /// on the socket, so that a refusal of the channel reaches the caller; except where the
        /// protocol has acknowledgements and the caller does not wait for them
        /// (<paramref name="waitUntilSent"/> false): then once they are queued, and the outcome
        /// (acknowledged, or failed after retransmissions) comes later, as it would anyway.
        /// While the protocol's send buffer is full, waits for the relay to acknowledge (or fail) the
        /// messages before it, and refuses (<see cref="SendBufferFullException"/>) only when no
        /// outcome came for <see cref="SendStallLimit"/>.
        /// </summary>
        private SentMessage Take(MessageContent content, CancellationToken cancellationToken, bool waitUntilSent, out PendingSend? pending)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            ThrowIfClosed();
            Stopwatch? waitingForRoom = null;
            long movedMark = -1;
            TimeSpan lastMove = TimeSpan.Zero;
            while (true)
            {
                try
                {
                    return TakeOnce(content, cancellationToken, waitUntilSent, out pending);
                }
                catch (SendBufferFullException)
                {
                    // Wait for room, as a socket's send waits for buffer space, instead of refusing a
                    // message the relay will take moments later; give up only when nothing moves.
                    waitingForRoom ??= Stopwatch.StartNew();
                    long mark = Interlocked.Read(ref messagesAcknowledged) + Interlocked.Read(ref messagesFailed);
                    if (mark != movedMark)
                    {
                        movedMark = mark;
                        lastMove = waitingForRoom.Elapsed;
                    }
                    else if (waitingForRoom.Elapsed - lastMove >= SendStallLimit)
                    {
                        throw;
                    }
                }

                ThrowIfClosed();
                PendingSend? oldest;
                lock (pendingGate)
                {
                    oldest = outstanding.First?.Value;
                }

                if (oldest is null || oldest.IsDone)
                {
                    // Nothing to wait on, or an outcome not yet taken off the list: look again shortly.
                    cancellationToken.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(10));
                    cancellationToken.ThrowIfCancellationRequested();
                }
                else
                {
                    oldest.Wait(SendPollInterval, cancellationToken);
                }
            }
        }

        /// <summary>One try of <see cref="Take"/>: the protocol's step, refused when its send buffer is full.</summary>
        private SentMessage TakeOnce(MessageContent content, CancellationToken cancellationToken, bool waitUntilSent, out PendingSend? pending)
        {
            PendingSend? tracked = null;
            SentMessage sent = Runner.Invoke(
                (now, output) =>
                {
                    SentMessage taken = protocol.Send(content, now, output);
                    if (protocol.HasAcknowledgements)
                    {
                        // Registered within the step, before any of its events is handed on: an
                        // outcome reported by this step or any later one finds it (no lost wake-up).
                        tracked = Track(taken, now);
                    }

                    return taken;
                },
                cancellationToken,
                waitUntilSent || !protocol.HasAcknowledgements);
            Interlocked.Increment(ref messagesSent);
            pending = tracked;
            return sent;
        }

        /// <summary>Runs a step of the protocol as a user's call does (tests: a fake protocol's scripted events).</summary>
        internal void InvokeProtocol(Action<DateTimeOffset, ProtocolOutput<MemberEvent>> step) =>
            Runner.Invoke((now, output) =>
            {
                step(now, output);
                return true;
            });

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
            List<PendingSend> left;
            lock (pendingGate)
            {
                left = outstanding.ToList();
                outstanding.Clear();
                pendingById.Clear();
            }

            foreach (PendingSend pending in left)
            {
                pending.Fail(SessionClosedReason, false);
            }
        }

        private const string SessionClosedReason = "the session closed before the relay acknowledged the message";

        /// <summary>Starts tracking a message just taken (in its step, under the runner's lock).</summary>
        private PendingSend Track(SentMessage sent, DateTimeOffset now)
        {
            var pending = new PendingSend(sent, now);
            PendingSend? forgotten = null;
            lock (pendingGate)
            {
                if (pendingById.TryGetValue(sent.MessageId, out LinkedListNode<PendingSend>? old))
                {
                    // A message id taken again (a protocol bug): the older entry can no longer be told apart.
                    outstanding.Remove(old);
                    forgotten = old.Value;
                }
                else if (outstanding.Count >= OutstandingLimit)
                {
                    forgotten = outstanding.First!.Value;
                    outstanding.RemoveFirst();
                    pendingById.Remove(forgotten.Sent.MessageId);
                }

                pendingById[sent.MessageId] = outstanding.AddLast(pending);
            }

            forgotten?.Fail("the session stopped tracking it: too many messages without an outcome", false);
            return pending;
        }

        /// <summary>Stops tracking the message with <paramref name="messageId"/> and returns it; null when not tracked.</summary>
        private PendingSend? Untrack(string? messageId)
        {
            if (messageId is null)
            {
                return null;
            }

            lock (pendingGate)
            {
                if (!pendingById.TryGetValue(messageId, out LinkedListNode<PendingSend>? node))
                {
                    return null;
                }

                pendingById.Remove(messageId);
                outstanding.Remove(node);
                return node.Value;
            }
        }

        /// <summary>
        /// Waits on the calling thread until <paramref name="pending"/> has an outcome, reading the
        /// progress every <see cref="SendPollInterval"/>; fails it when nothing moved for
        /// <see cref="SendStallLimit"/>.
        /// </summary>
        private void WaitForOutcome(PendingSend pending, CancellationToken cancellationToken, Action<SendProgress>? progress)
        {
            string id = pending.Sent.MessageId;
            Stopwatch waited = Stopwatch.StartNew();
            TimeSpan lastMove = TimeSpan.Zero;
            string? lastMark = null;
            while (!pending.Wait(SendPollInterval, cancellationToken))
            {
                SendProgress? own = null;
                string mark = string.Empty;
                if (!IsClosed)
                {
                    Runner.Read(() =>
                    {
                        own = protocol.GetSendProgress(id);
                        mark = ActivityMark(id, own);
                        return true;
                    });
                }

                if (pending.IsDone)
                {
                    break;
                }

                if (own is not null)
                {
                    progress?.Invoke(own);
                }

                if (mark != lastMark)
                {
                    lastMark = mark;
                    lastMove = waited.Elapsed;
                }
                else if (waited.Elapsed - lastMove >= SendStallLimit)
                {
                    Untrack(id);
                    pending.Fail(
                        string.Format(
                            CultureInfo.InvariantCulture,
                            "nothing moved for {0} s: neither this message nor the ones before it were sent or acknowledged, and the protocol reported no outcome; the session stopped waiting",
                            SendStallLimit.TotalSeconds),
                        true);
                }
            }
        }

        /// <summary>
        /// What moves while a message waits, as text to compare: the outcomes of this session's
        /// messages, this message's progress, and the progress of the oldest message without an outcome
        /// (the one the protocol sends first). Read under the runner's lock.
        /// </summary>
        private string ActivityMark(string id, SendProgress? own)
        {
            SendProgress? head = null;
            lock (pendingGate)
            {
                if (outstanding.First is LinkedListNode<PendingSend> first && first.Value.Sent.MessageId != id)
                {
                    head = protocol.GetSendProgress(first.Value.Sent.MessageId);
                }
            }

            return string.Format(
                CultureInfo.InvariantCulture,
                "{0}/{1}/{2}/{3}/{4}/{5}",
                Interlocked.Read(ref sendActivity),
                own?.FragmentsSent,
                own?.FragmentsAcknowledged,
                head?.MessageId,
                head?.FragmentsSent,
                head?.FragmentsAcknowledged);
        }

        /// <summary>
        /// Whether a protocol's reason for MessageFailed is a time-out (Secure: "the relay did not
        /// acknowledge it within 10 s"); the other reasons are a lost relay, a closed session, a refusal.
        /// </summary>
        internal static bool IsTimeoutReason(string reason) =>
            reason.IndexOf("did not acknowledge", StringComparison.OrdinalIgnoreCase) >= 0
            || reason.IndexOf("nothing moved for", StringComparison.OrdinalIgnoreCase) >= 0;

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
                    McastMessage message = inbox.Add(seq => e.Content is null
                        ? new McastMessage(this, seq, McastMessageKind.Message, e.Member, e.Text, e.MessageId, e.Verified, DateTimeOffset.Now)
                        : new McastMessage(this, seq, e.Member, e.Content, e.MessageId, e.Verified, DateTimeOffset.Now));
                    Raise(MessageReceived, new McastMessageEventArgs(message));
                    return;
                case MemberEventKind.Gap:
                    Interlocked.Increment(ref gaps);
                    Interlocked.Add(ref lostFragments, Math.Max(0, e.LostFragments));
                    inbox.Add(seq => McastMessage.Gap(this, seq, e.Member, e.LostFragments, e.LostMessages, e.MessageId, e.Reason ?? "not given", DateTimeOffset.Now));
                    return;
                case MemberEventKind.MessageSent:
                    Interlocked.Increment(ref sendActivity);
                    return;
                case MemberEventKind.MessageAcknowledged:
                    Interlocked.Increment(ref messagesAcknowledged);
                    Interlocked.Increment(ref sendActivity);
                    Untrack(e.MessageId)?.Acknowledge(e.At);
                    return;
                case MemberEventKind.MessageFailed:
                    Interlocked.Increment(ref messagesFailed);
                    Interlocked.Increment(ref sendActivity);
                    string reason = e.Reason ?? "the protocol did not say why";
                    Untrack(e.MessageId)?.Fail(reason, IsTimeoutReason(reason));
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
                    return;
            }
        }
    }
}
