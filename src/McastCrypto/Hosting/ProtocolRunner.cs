using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// Runs a pure protocol state machine on a channel, in three parts that never wait on each other:
    /// a receive loop that only reads datagrams into a bounded queue; one protocol worker that takes
    /// them, runs the protocol's receive step for each and its tick step every
    /// <see cref="ProtocolRunnerOptions.TickPeriod"/>; and a sender that drains a bounded send queue
    /// through a <see cref="SendPacer"/>. Callers run steps of their own with <see cref="Invoke{T}(Func{DateTimeOffset, ProtocolOutput{TEvent}, T})"/>.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Every step runs under one lock, which is held only while a step runs: its events are handed on
    /// in order and its datagrams are put in the send queue, in order, before the lock is released,
    /// so the order on the wire is the order of the steps. Nothing waits while holding it (no send,
    /// no pacing), so <see cref="Read{T}"/> never waits behind a send.
    /// </para>
    /// <para>
    /// Nothing is lost without a trace. <see cref="QueueDrops"/> counts, by reason: ReceiveQueueFull
    /// (a datagram arrived while the receive queue was full), SendQueueFull (a background step's
    /// datagram found the send queue full; the rest of that step's datagrams are dropped with it),
    /// SendQueueDiscarded (queued to send, or being paced, when closing began), FarewellUnsent (the
    /// farewell's datagrams that could not go out within <see cref="ProtocolRunnerOptions.CloseTimeout"/>)
    /// and ReceiveQueueDiscarded (received but not yet handled when closing began; once it began
    /// nothing more is read).
    /// <see cref="Errors"/> counts the failures: ReceiveError, SendError, StepError, FarewellSkipped. The channel's
    /// <see cref="KernelDrops"/> count what the operating system dropped before the receive loop saw it.
    /// </para>
    /// <para>
    /// The runner reports departures (<see cref="ProtocolOutput{TEvent}.ReportsDepartures"/>): a datagram a
    /// step added with a <see cref="DatagramDeparture"/> is stamped when the sender handed it to the channel,
    /// or when it was given up (a send error, a full queue, closing), so that a protocol's time-outs run
    /// from then and not from the step: the paced send queue may hold it for a while.
    /// </para>
    /// </remarks>
    public sealed class ProtocolRunner<TEvent> : IDisposable
    {
        private static readonly TimeSpan JoinWait = TimeSpan.FromMilliseconds(250);

        private readonly IDatagramChannel channel;
        private readonly Action<Datagram, DateTimeOffset, ProtocolOutput<TEvent>> receive;
        private readonly Action<DateTimeOffset, ProtocolOutput<TEvent>> tick;
        private readonly Action<TEvent> dispatch;
        private readonly IMonotonicClock clock;
        private readonly SendPacer pacer;
        private readonly ProtocolRunnerOptions options;
        private readonly BoundedQueue<Arrival> received;
        private readonly BoundedQueue<Outgoing> outgoing;
        private readonly object gate = new object();

        // The output of the worker's steps, cleared and used again for each: only the worker runs them, one at a time.
        private readonly ProtocolOutput<TEvent> workerOutput = new ProtocolOutput<TEvent> { ReportsDepartures = true };

        // Cancelled when closing begins: the receive loop ends, callers waiting for room give up, the
        // pacing of datagrams queued before the farewell stops.
        private readonly CancellationTokenSource closing = new CancellationTokenSource();

        // Cancelled when the farewell's time is up.
        private readonly CancellationTokenSource farewellDeadline = new CancellationTokenSource();

        // Cancelled last: the loops end.
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private Task? receiveLoop;
        private Thread? worker;
        private Thread? sender;
        private Exception? lastError;

        // The time the last step was given (under the protocol lock): steps never see time go back.
        private DateTimeOffset lastStepTime = DateTimeOffset.MinValue;
        private long datagramsIn;
        private long datagramsOut;
        private int started;
        // Set first when closing begins: no step starts after that but the farewell.
        private int closeStarted;

        // Set once closing has the lock (or gave up waiting for it): a step that ends after this ran
        // on past the close time-out, and what it produced is discarded.
        private volatile bool closed;

        /// <summary>Creates a runner; nothing runs before <see cref="Start"/>.</summary>
        /// <param name="channel">The channel; the runner owns it and closes it when it closes.</param>
        /// <param name="receive">The protocol's step for one received datagram.</param>
        /// <param name="tick">The protocol's step for the passing of time.</param>
        /// <param name="dispatch">Takes each event, in order, under the protocol lock: it must be quick and not block.</param>
        /// <param name="pacer">Paces the sender; used by the sender alone.</param>
        /// <param name="clock">The time the steps are given; default a new <see cref="MonotonicClock"/>.</param>
        /// <param name="options">Queue bounds and timings; copied. Default <see cref="ProtocolRunnerOptions"/>' defaults.</param>
        public ProtocolRunner(
            IDatagramChannel channel,
            Action<Datagram, DateTimeOffset, ProtocolOutput<TEvent>> receive,
            Action<DateTimeOffset, ProtocolOutput<TEvent>> tick,
            Action<TEvent> dispatch,
            SendPacer pacer,
            IMonotonicClock? clock = null,
            ProtocolRunnerOptions? options = null)
        {
            this.channel = channel ?? throw new ArgumentNullException(nameof(channel));
            this.receive = receive ?? throw new ArgumentNullException(nameof(receive));
            this.tick = tick ?? throw new ArgumentNullException(nameof(tick));
            this.dispatch = dispatch ?? throw new ArgumentNullException(nameof(dispatch));
            this.pacer = pacer ?? throw new ArgumentNullException(nameof(pacer));
            this.clock = clock ?? new MonotonicClock();
            this.options = (options ?? new ProtocolRunnerOptions()).Clone();
            this.options.Validate();
            received = new BoundedQueue<Arrival>(this.options.ReceiveQueueLimit, this.options.ReceiveQueueBytes);
            outgoing = new BoundedQueue<Outgoing>(this.options.SendQueueLimit, this.options.SendQueueBytes);
        }

        /// <summary>
        /// A step run when the worker has handled a datagram and no other waits (a relay sends what it
        /// held back to pack: under load it packs, when idle it never waits). Set before <see cref="Start"/>.
        /// </summary>
        public Action<DateTimeOffset, ProtocolOutput<TEvent>>? Idle { get; set; }

        /// <summary>
        /// When the protocol wants its next tick at the latest (in the clock's time; null for no
        /// sooner than the period), read under the protocol lock after every step. The worker ticks
        /// then, besides every <see cref="ProtocolRunnerOptions.TickPeriod"/>: timers shorter than
        /// the period (a randomised NACK delay, a retransmission) keep their time. A deadline that a
        /// tick did not move is not ticked again sooner than a millisecond later.
        /// Set before <see cref="Start"/>.
        /// </summary>
        public Func<DateTimeOffset?>? NextDeadline { get; set; }

        /// <summary>Datagrams read from the channel (including those the receive queue had no room for).</summary>
        public long DatagramsIn => Interlocked.Read(ref datagramsIn);

        /// <summary>Datagrams handed to the channel without error.</summary>
        public long DatagramsOut => Interlocked.Read(ref datagramsOut);

        /// <summary>
        /// Failures of the loops and of sends, by kind: ReceiveError, SendError, StepError, and
        /// FarewellSkipped (a step was still running when the close time-out passed).
        /// </summary>
        public DropCounter Errors { get; } = new DropCounter();

        /// <summary>
        /// Datagrams this runner's queues did not carry through, by reason (ReceiveQueueFull,
        /// SendQueueFull, SendQueueDiscarded, FarewellUnsent, ReceiveQueueDiscarded; see the remarks
        /// on <see cref="ProtocolRunner{TEvent}"/>).
        /// </summary>
        public DropCounter QueueDrops { get; } = new DropCounter();

        /// <summary>The last failure a loop met, for a user to see.</summary>
        public Exception? LastError => Volatile.Read(ref lastError);

        /// <summary>The receive buffer the operating system granted the channel, as it reports it; null when unknown.</summary>
        public int? ReceiveBufferBytes => channel.ReceiveBufferBytes;

        /// <summary>Datagrams the operating system dropped at the channel's receive socket; null where it does not say.</summary>
        public long? KernelDrops => channel.KernelDrops;

        /// <summary>Received datagrams waiting for the protocol worker.</summary>
        public int ReceiveQueueCount => received.Count;

        /// <summary>Datagrams waiting for the sender.</summary>
        public int SendQueueCount => outgoing.Count;

        /// <summary>Bytes waiting for the sender.</summary>
        public long SendQueueBytes => outgoing.Bytes;

        /// <summary>Starts the receive loop, the protocol worker and the sender.</summary>
        public void Start()
        {
            if (Interlocked.Exchange(ref started, 1) != 0)
            {
                throw new InvalidOperationException("The runner has started already.");
            }

            if (Volatile.Read(ref closeStarted) != 0)
            {
                throw new ObjectDisposedException(nameof(ProtocolRunner<TEvent>), "The runner is closed.");
            }

            sender = new Thread(SendLoop) { IsBackground = true, Name = "McastCrypto sender" };
            worker = new Thread(WorkLoop) { IsBackground = true, Name = "McastCrypto protocol" };
            sender.Start();
            worker.Start();
            receiveLoop = Task.Run(ReceiveLoopAsync);
        }

        /// <summary>
        /// Runs one step of the protocol for a caller, as <see cref="Invoke{T}(Func{DateTimeOffset, ProtocolOutput{TEvent}, T}, CancellationToken)"/>
        /// does, without a token: it waits until its datagrams were handed to the socket or the runner closed.
        /// </summary>
        public T Invoke<T>(Func<DateTimeOffset, ProtocolOutput<TEvent>, T> step) => Invoke(step, CancellationToken.None);

        /// <summary>
        /// Runs one step of the protocol for a caller (a user's send): first waits, holding no lock,
        /// until the send queue is below half its bounds; then runs the step under the protocol lock,
        /// hands on its events and queues its datagrams (a caller's datagrams are never refused: the
        /// wait made room); then waits, holding no lock, until the sender handed them to the socket.
        /// </summary>
        /// <param name="step">The step; what it throws reaches the caller, and then nothing it produced is used.</param>
        /// <param name="cancellationToken">
        /// Ends either wait with <see cref="OperationCanceledException"/>. Cancelled before the step,
        /// nothing happened; cancelled after it, its datagrams stay queued and go out in turn.
        /// </param>
        /// <exception cref="McastTransportException">The channel refused one of the step's datagrams (the first such failure).</exception>
        /// <exception cref="ObjectDisposedException">The runner closed before the step ran or before its datagrams went out.</exception>
        /// <exception cref="InvalidOperationException">The runner has not started.</exception>
        public T Invoke<T>(Func<DateTimeOffset, ProtocolOutput<TEvent>, T> step, CancellationToken cancellationToken) =>
            Invoke(step, cancellationToken, waitUntilSent: true);

        /// <summary>
        /// As <see cref="Invoke{T}(Func{DateTimeOffset, ProtocolOutput{TEvent}, T}, CancellationToken)"/>;
        /// with <paramref name="waitUntilSent"/> false the caller returns once its datagrams are queued,
        /// without waiting for the paced sender to reach them. For a protocol that learns the fate of
        /// what it sent by itself (acknowledgements): one sending thread is then not held to the
        /// pace of the socket. A datagram the channel then refuses is counted (SendError), not thrown.
        /// </summary>
        public T Invoke<T>(Func<DateTimeOffset, ProtocolOutput<TEvent>, T> step, CancellationToken cancellationToken, bool waitUntilSent)
        {
            if (step is null)
            {
                throw new ArgumentNullException(nameof(step));
            }

            ThrowIfClosed();
            if (Volatile.Read(ref started) == 0)
            {
                throw new InvalidOperationException("The runner has not started: nothing would send what the step produces.");
            }

            using (CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, closing.Token))
            {
                if (!outgoing.WaitUntilBelow(HighWaterCount, HighWaterBytes, linked.Token))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    ThrowIfClosed();
                }
            }

            SendTicket? ticket = null;
            T result;
            lock (gate)
            {
                ThrowIfClosed();
                var output = new ProtocolOutput<TEvent> { ReportsDepartures = true };
                result = step(StepTime(null), output);
                Dispatch(output);
                if (closed)
                {
                    // The step ran on past the close time-out; closing did not wait for it.
                    DiscardLate(output, 0);
                    ThrowIfClosed();
                }

                if (output.Datagrams.Count > 0)
                {
                    ticket = waitUntilSent ? new SendTicket(output.Datagrams.Count) : null;
                    for (int i = 0; i < output.Datagrams.Count; i++)
                    {
                        byte[] datagram = output.Datagrams[i];
                        outgoing.TryAdd(new Outgoing(datagram, ticket, farewell: false, output.DepartureOf(i)), datagram.Length, force: true);
                    }
                }
            }

            if (NextDeadline is not null)
            {
                // The step may have set an earlier deadline than the one the worker waits for.
                received.Nudge();
            }

            if (ticket is not null)
            {
                ticket.Wait(cancellationToken, stopping.Token)?.Throw();
            }

            return result;
        }

        /// <summary>
        /// Everything dropped, by reason: the protocol's drops, this runner's failures and queue drops,
        /// the datagrams the operating system dropped at the receive socket (KernelDrops, when above
        /// zero), and <paramref name="extra"/> counts of the owner (only those above zero).
        /// </summary>
        public IReadOnlyDictionary<string, long> Drops(DropCounter protocolDrops, params KeyValuePair<string, long>[] extra)
        {
            if (protocolDrops is null)
            {
                throw new ArgumentNullException(nameof(protocolDrops));
            }

            var all = new SortedDictionary<string, long>();
            foreach (DropCounter counter in new[] { protocolDrops, Errors, QueueDrops })
            {
                foreach (var pair in counter.Snapshot())
                {
                    all[pair.Key] = pair.Value;
                }
            }

            long? kernel = KernelDrops;
            if (kernel > 0)
            {
                all["KernelDrops"] = kernel.Value;
            }

            foreach (var pair in extra)
            {
                if (pair.Value > 0)
                {
                    all[pair.Key] = pair.Value;
                }
            }

            return all;
        }

        /// <summary>
        /// Closes within about <see cref="ProtocolRunnerOptions.CloseTimeout"/> whatever is queued:
        /// stops reading; runs a last protocol step (a goodbye) once the running step, if any, is done
        /// (one still running at the time-out is not waited for: FarewellSkipped); discards what is
        /// still queued from before, to send (SendQueueDiscarded; a caller waiting for it gets
        /// <see cref="ObjectDisposedException"/>) and to handle (ReceiveQueueDiscarded); sends the
        /// goodbye's datagrams, paced, until the time-out (what cannot go in time is counted
        /// FarewellUnsent); then stops the loops and closes the channel. A goodbye that cannot go out
        /// is not an error: the others notice the silence. Idempotent: only the first call does anything.
        /// </summary>
        /// <param name="farewell">The last step; null for none.</param>
        public void Shutdown(Action<DateTimeOffset, ProtocolOutput<TEvent>>? farewell)
        {
            if (Interlocked.Exchange(ref closeStarted, 1) != 0)
            {
                return;
            }

            farewellDeadline.CancelAfter(options.CloseTimeout);
            closing.Cancel();
            SendTicket? farewellTicket = null;
            bool locked = false;
            try
            {
                Monitor.TryEnter(gate, options.CloseTimeout, ref locked);
                closed = true;
                DiscardQueued();
                if (!locked)
                {
                    Fail("FarewellSkipped", new TimeoutException("A protocol step ran on past the close time-out: closed without the farewell."));
                }
                else if (farewell is not null)
                {
                    farewellTicket = RunFarewell(farewell);
                }
            }
            finally
            {
                if (locked)
                {
                    Monitor.Exit(gate);
                }
            }

            if (farewellTicket is not null && Volatile.Read(ref started) != 0)
            {
                try
                {
                    // Bounded by the deadline: past it the sender counts the rest unsent. A send
                    // failure was counted by the sender.
                    farewellTicket.Wait(farewellDeadline.Token, stopping.Token);
                }
                catch (OperationCanceledException)
                {
                    // The deadline passed.
                }
            }

            Stop();
        }

        /// <summary>The thread that runs the background steps and hands on their events (for tests).</summary>
        internal Thread? WorkerThread => Volatile.Read(ref worker);

        /// <summary>Whether the calling thread holds the protocol lock (for tests).</summary>
        internal bool LockHeldHere => Monitor.IsEntered(gate);

        /// <summary>Reads protocol state under the protocol lock, which no send or wait ever holds.</summary>
        public T Read<T>(Func<T> read)
        {
            if (read is null)
            {
                throw new ArgumentNullException(nameof(read));
            }

            lock (gate)
            {
                return read();
            }
        }

        /// <summary>Closes without a farewell step: <see cref="Shutdown"/> with null. Idempotent.</summary>
        public void Dispose() => Shutdown(null);

        private int HighWaterCount => Math.Max(1, options.SendQueueLimit / 2);

        private long HighWaterBytes => Math.Max(1, options.SendQueueBytes / 2);

        private bool IsClosing => closed || Volatile.Read(ref closeStarted) != 0;

        private void ThrowIfClosed()
        {
            if (IsClosing)
            {
                throw new ObjectDisposedException(nameof(ProtocolRunner<TEvent>), "The runner is closed.");
            }
        }

        /// <summary>Runs the farewell step under the lock (held by the caller) and queues its datagrams.</summary>
        private SendTicket? RunFarewell(Action<DateTimeOffset, ProtocolOutput<TEvent>> farewell)
        {
            var output = new ProtocolOutput<TEvent> { ReportsDepartures = true };
            try
            {
                farewell(StepTime(null), output);
                Dispatch(output);
            }
            catch (Exception e)
            {
                Fail("StepError", e);
                return null;
            }

            if (output.Datagrams.Count == 0)
            {
                return null;
            }

            var ticket = new SendTicket(output.Datagrams.Count);
            for (int i = 0; i < output.Datagrams.Count; i++)
            {
                byte[] datagram = output.Datagrams[i];
                outgoing.TryAdd(new Outgoing(datagram, ticket, farewell: true, output.DepartureOf(i)), datagram.Length, force: true);
            }

            return ticket;
        }

        /// <summary>Discards what is queued to send and to handle, counting it; closing has begun.</summary>
        private void DiscardQueued()
        {
            foreach (Outgoing item in outgoing.TakeAll())
            {
                Lost(item);
            }

            int unhandled = received.TakeAll().Count;
            if (unhandled > 0)
            {
                QueueDrops.Add("ReceiveQueueDiscarded", unhandled);
            }
        }

        /// <summary>
        /// Counts the datagrams of a step from <paramref name="from"/> on that will not be queued (the step
        /// ended after closing began, or the send queue was full), and stamps their departures: they are gone.
        /// </summary>
        private void DiscardLate(ProtocolOutput<TEvent> output, int from, string reason = "SendQueueDiscarded")
        {
            int count = output.Datagrams.Count - from;
            if (count <= 0)
            {
                return;
            }

            QueueDrops.Add(reason, count);
            DateTimeOffset now = clock.Now;
            for (int i = from; i < output.Datagrams.Count; i++)
            {
                output.DepartureOf(i)?.Stamp(now);
            }
        }

        /// <summary>Stops the loops (waiting a bounded time for each), closes the channel, and counts what was left.</summary>
        private void Stop()
        {
            stopping.Cancel();
            farewellDeadline.Cancel();
            try
            {
                channel.Dispose();
            }
            catch (Exception e)
            {
                Fail("CloseError", e);
            }

            DiscardQueued();
            var deadline = Stopwatch.StartNew();
            foreach (Thread? thread in new[] { sender, worker })
            {
                if (thread is not null && thread != Thread.CurrentThread)
                {
                    thread.Join(Left(deadline));
                }
            }

            try
            {
                receiveLoop?.Wait(Left(deadline));
            }
            catch (AggregateException)
            {
                // The loop ends on cancellation; anything else was counted already.
            }
        }

        private static TimeSpan Left(Stopwatch deadline)
        {
            TimeSpan left = JoinWait - deadline.Elapsed;
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }

        /// <summary>
        /// Reads datagrams into the receive queue until closing begins: what arrives later stays with
        /// the socket and goes with it, as it would after the socket closed (the endpoint also hears
        /// its own farewell, which is no loss).
        /// </summary>
        private async Task ReceiveLoopAsync()
        {
            CancellationToken token = closing.Token;
            while (!token.IsCancellationRequested)
            {
                Datagram datagram;
                try
                {
                    datagram = await channel.ReceiveAsync(token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (Exception e)
                {
                    Fail("ReceiveError", e);
                    await PauseAfterErrorAsync(token).ConfigureAwait(false);
                    continue;
                }

                Interlocked.Increment(ref datagramsIn);
                if (IsClosing)
                {
                    QueueDrops.Add("ReceiveQueueDiscarded");
                }
                else if (!received.TryAdd(new Arrival(datagram, clock.Now), datagram.Payload.Length))
                {
                    QueueDrops.Add("ReceiveQueueFull");
                }
            }
        }

        /// <summary>The protocol worker: a tick every period, on time, and the received datagrams in between.</summary>
        private void WorkLoop()
        {
            CancellationToken token = stopping.Token;
            TimeSpan period = options.TickPeriod;
            Stopwatch elapsed = Stopwatch.StartNew();
            TimeSpan nextTick = period;
            DateTimeOffset? ticked = null;
            while (!token.IsCancellationRequested)
            {
                TimeSpan wait = nextTick - elapsed.Elapsed;
                if (wait <= TimeSpan.Zero)
                {
                    RunStep(null);
                    nextTick += period;
                    TimeSpan now = elapsed.Elapsed;
                    if (nextTick <= now)
                    {
                        // Late (a long step): the next tick comes a period from now, not in a burst to catch up.
                        nextTick = now + period;
                    }

                    continue;
                }

                DateTimeOffset? deadline = ReadDeadline();
                if (deadline is DateTimeOffset due)
                {
                    TimeSpan untilDue = due - clock.Now;
                    if (untilDue <= TimeSpan.Zero && ticked == due)
                    {
                        // The last tick left this deadline where it was: not again at once.
                        untilDue = TimeSpan.FromMilliseconds(1);
                    }

                    if (untilDue <= TimeSpan.Zero)
                    {
                        ticked = due;
                        RunStep(null);
                        continue;
                    }

                    if (untilDue < wait)
                    {
                        wait = untilDue;
                    }
                }

                if (received.TryTake(out Arrival arrival, wait, token))
                {
                    RunStep(arrival);
                    if (Idle is not null && received.Count == 0)
                    {
                        RunStep(null, Idle);
                    }
                }
            }
        }

        /// <summary>The protocol's next deadline, read under the lock; null without one (or while closing).</summary>
        private DateTimeOffset? ReadDeadline()
        {
            Func<DateTimeOffset?>? read = NextDeadline;
            if (read is null || IsClosing)
            {
                return null;
            }

            lock (gate)
            {
                try
                {
                    return read();
                }
                catch (Exception e)
                {
                    Fail("StepError", e);
                    return null;
                }
            }
        }

        /// <summary>Runs one background step (a tick, or <paramref name="other"/>, when <paramref name="arrival"/> is null); a failure is counted.</summary>
        private void RunStep(Arrival? arrival, Action<DateTimeOffset, ProtocolOutput<TEvent>>? other = null)
        {
            lock (gate)
            {
                ProtocolOutput<TEvent> output = workerOutput;
                output.Clear();
                // Once closing began no background step starts: the farewell comes next.
                if (IsClosing)
                {
                    if (arrival is not null)
                    {
                        QueueDrops.Add("ReceiveQueueDiscarded");
                    }

                    return;
                }

                try
                {
                    DateTimeOffset now = StepTime(arrival);
                    if (arrival is null)
                    {
                        (other ?? tick)(now, output);
                    }
                    else
                    {
                        receive(arrival.Value.Datagram, now, output);
                    }

                    Dispatch(output);
                }
                catch (Exception e)
                {
                    // A protocol must not throw for anything it receives; if one does, count it and go on.
                    Fail("StepError", e);
                    return;
                }

                List<byte[]> datagrams = output.Datagrams;
                if (closed)
                {
                    // The step ran on past the close time-out; closing did not wait for it.
                    DiscardLate(output, 0);
                    return;
                }

                for (int i = 0; i < datagrams.Count; i++)
                {
                    if (!outgoing.TryAdd(new Outgoing(datagrams[i], null, farewell: false, output.DepartureOf(i)), datagrams[i].Length))
                    {
                        DiscardLate(output, i, "SendQueueFull");
                        return;
                    }
                }
            }
        }

        /// <summary>The sender: paces and sends what is queued, in order, stamps departures, and tells each caller how its datagrams went.</summary>
        private void SendLoop()
        {
            CancellationToken token = stopping.Token;
            while (outgoing.TryTake(out Outgoing item, Timeout.InfiniteTimeSpan, token))
            {
                // Datagrams queued before closing began are discarded, also the one being paced.
                CancellationToken pacing = item.Farewell ? farewellDeadline.Token : closing.Token;
                try
                {
                    pacer.Take(pacing);
                }
                catch (OperationCanceledException)
                {
                    Lost(item);
                    continue;
                }

                if (pacing.IsCancellationRequested)
                {
                    Lost(item);
                    continue;
                }

                try
                {
                    channel.Send(item.Datagram);
                    item.Departure?.Stamp(clock.Now);
                    Interlocked.Increment(ref datagramsOut);
                    item.Ticket?.Complete(null);
                }
                catch (Exception) when (token.IsCancellationRequested)
                {
                    // The channel closed under the send.
                    Lost(item);
                }
                catch (Exception e)
                {
                    // Gone all the same: the protocol's time-outs treat it as lost.
                    item.Departure?.Stamp(clock.Now);
                    Fail("SendError", e);
                    item.Ticket?.Complete(e);
                }
            }
        }

        /// <summary>Counts a datagram that will not be sent and tells its caller.</summary>
        private void Lost(Outgoing item)
        {
            item.Departure?.Stamp(clock.Now);
            QueueDrops.Add(item.Farewell ? "FarewellUnsent" : "SendQueueDiscarded");
            item.Ticket?.Complete(new ObjectDisposedException(nameof(ProtocolRunner<TEvent>), "The runner closed before the datagram was sent."));
        }

        private void Dispatch(ProtocolOutput<TEvent> output)
        {
            foreach (TEvent item in output.Events)
            {
                dispatch(item);
            }
        }

        private void Fail(string kind, Exception e)
        {
            Errors.Add(kind);
            Volatile.Write(ref lastError, e);
        }

        private static async Task PauseAfterErrorAsync(CancellationToken token)
        {
            try
            {
                await Task.Delay(50, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        /// <summary>A datagram waiting to be sent, with the caller waiting for it (if any).</summary>
        /// <summary>
        /// The time a step is given, under the protocol lock: a received datagram's own arrival time;
        /// for any other step the present, but never later than the arrival of the oldest datagram still
        /// waiting to be handled. So a backlog never makes the protocol see silence that was not there
        /// (a relay busy handling datagrams does not time out a member whose keep-alives wait in the
        /// queue), and the time a protocol sees never goes backwards.
        /// </summary>
        private DateTimeOffset StepTime(Arrival? arrival)
        {
            DateTimeOffset now = clock.Now;
            DateTimeOffset time = arrival?.At ?? (received.TryPeek(out Arrival waiting) && waiting.At < now ? waiting.At : now);
            if (time < lastStepTime)
            {
                time = lastStepTime;
            }

            lastStepTime = time;
            return time;
        }

        /// <summary>A received datagram and the time the receive loop read it.</summary>
        private readonly struct Arrival
        {
            public Arrival(Datagram datagram, DateTimeOffset at)
            {
                Datagram = datagram;
                At = at;
            }

            public Datagram Datagram { get; }

            public DateTimeOffset At { get; }
        }

        private readonly struct Outgoing
        {
            public Outgoing(byte[] datagram, SendTicket? ticket, bool farewell, DatagramDeparture? departure)
            {
                Datagram = datagram;
                Ticket = ticket;
                Farewell = farewell;
                Departure = departure;
            }

            public byte[] Datagram { get; }

            /// <summary>Stamped when the datagram leaves (sent, failed or discarded), for the protocol's time-outs.</summary>
            public DatagramDeparture? Departure { get; }

            public SendTicket? Ticket { get; }

            public bool Farewell { get; }
        }

        /// <summary>How the datagrams of one step went: done when each was sent, failed or discarded.</summary>
        private sealed class SendTicket
        {
            private readonly ManualResetEventSlim done = new ManualResetEventSlim(false);
            private int remaining;
            private Exception? failure;

            public SendTicket(int count)
            {
                remaining = count;
            }

            public void Complete(Exception? error)
            {
                if (error is not null)
                {
                    Interlocked.CompareExchange(ref failure, error, null);
                }

                if (Interlocked.Decrement(ref remaining) == 0)
                {
                    done.Set();
                }
            }

            /// <summary>
            /// Waits until done, or <paramref name="cancellationToken"/> is cancelled (which throws
            /// <see cref="OperationCanceledException"/>), or the runner stopped. Returns the first
            /// failure, if any, to throw.
            /// </summary>
            public ExceptionDispatchInfo? Wait(CancellationToken cancellationToken, CancellationToken stopped)
            {
                using (CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopped))
                {
                    try
                    {
                        done.Wait(linked.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        if (cancellationToken.IsCancellationRequested)
                        {
                            throw new OperationCanceledException(cancellationToken);
                        }

                        if (!done.IsSet)
                        {
                            return ExceptionDispatchInfo.Capture(new ObjectDisposedException(nameof(ProtocolRunner<TEvent>), "The runner closed before the datagrams were sent."));
                        }
                    }
                }

                Exception? error = Volatile.Read(ref failure);
                return error is null ? null : ExceptionDispatchInfo.Capture(error);
            }
        }
    }
}
