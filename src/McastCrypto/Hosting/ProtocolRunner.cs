using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// Runs a pure protocol state machine on a channel: a receive loop feeds it datagrams, a tick
    /// loop feeds it time, and callers feed it commands; every step runs under one lock, its
    /// events are handed on in order, and its datagrams are sent in order through a pacer. Every
    /// failure of a loop is counted and kept in <see cref="LastError"/>; a loop never dies of one.
    /// </summary>
    public sealed class ProtocolRunner<TEvent> : IDisposable
    {
        private static readonly TimeSpan TickPeriod = TimeSpan.FromMilliseconds(100);
        private static readonly TimeSpan StopWait = TimeSpan.FromSeconds(3);

        private readonly IDatagramChannel channel;
        private readonly Action<Datagram, DateTimeOffset, ProtocolOutput<TEvent>> receive;
        private readonly Action<DateTimeOffset, ProtocolOutput<TEvent>> tick;
        private readonly Action<TEvent> dispatch;
        private readonly Func<DateTimeOffset> clock;
        private readonly SendPacer pacer;
        private readonly object gate = new object();
        private readonly object sendGate = new object();
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private Task? receiveLoop;
        private Task? tickLoop;
        private long datagramsIn;
        private long datagramsOut;
        private int disposed;

        public ProtocolRunner(
            IDatagramChannel channel,
            Action<Datagram, DateTimeOffset, ProtocolOutput<TEvent>> receive,
            Action<DateTimeOffset, ProtocolOutput<TEvent>> tick,
            Action<TEvent> dispatch,
            SendPacer pacer,
            Func<DateTimeOffset>? clock = null)
        {
            this.channel = channel ?? throw new ArgumentNullException(nameof(channel));
            this.receive = receive ?? throw new ArgumentNullException(nameof(receive));
            this.tick = tick ?? throw new ArgumentNullException(nameof(tick));
            this.dispatch = dispatch ?? throw new ArgumentNullException(nameof(dispatch));
            this.pacer = pacer ?? throw new ArgumentNullException(nameof(pacer));
            this.clock = clock ?? (() => DateTimeOffset.UtcNow);
        }

        public long DatagramsIn => Interlocked.Read(ref datagramsIn);

        public long DatagramsOut => Interlocked.Read(ref datagramsOut);

        /// <summary>Failures of the loops and of sends, by kind (ReceiveError, SendError, StepError).</summary>
        public DropCounter Errors { get; } = new DropCounter();

        /// <summary>The last failure a loop met, for a user to see.</summary>
        public Exception? LastError { get; private set; }

        /// <summary>Starts the receive and tick loops.</summary>
        public void Start()
        {
            if (receiveLoop is not null)
            {
                throw new InvalidOperationException("The runner has started already.");
            }

            receiveLoop = Task.Run(ReceiveLoopAsync);
            tickLoop = Task.Run(TickLoopAsync);
        }

        /// <summary>
        /// Runs one step of the protocol under its lock, hands on its events, and sends its datagrams
        /// before returning. A send failure is thrown to the caller (a McastTransportException).
        /// </summary>
        public T Invoke<T>(Func<DateTimeOffset, ProtocolOutput<TEvent>, T> step)
        {
            var output = new ProtocolOutput<TEvent>();
            T result;
            Monitor.Enter(gate);
            bool sending = false;
            try
            {
                result = step(clock(), output);
                Dispatch(output);
                Monitor.Enter(sendGate);
                sending = true;
            }
            finally
            {
                Monitor.Exit(gate);
            }

            try
            {
                SendAll(output.Datagrams);
            }
            finally
            {
                if (sending)
                {
                    Monitor.Exit(sendGate);
                }
            }

            return result;
        }

        /// <summary>
        /// Everything dropped, by reason: the protocol's drops, this runner's failures, and
        /// <paramref name="extra"/> counts of the owner (only those above zero).
        /// </summary>
        public IReadOnlyDictionary<string, long> Drops(DropCounter protocolDrops, params KeyValuePair<string, long>[] extra)
        {
            var all = new SortedDictionary<string, long>();
            foreach (var pair in protocolDrops.Snapshot())
            {
                all[pair.Key] = pair.Value;
            }

            foreach (var pair in Errors.Snapshot())
            {
                all[pair.Key] = pair.Value;
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
        /// Runs a last protocol step (a goodbye), then stops the loops and closes the channel. A
        /// goodbye that cannot go out is not an error: the others notice the silence.
        /// </summary>
        public void Shutdown(Action<DateTimeOffset, ProtocolOutput<TEvent>> farewell)
        {
            try
            {
                Invoke((now, output) =>
                {
                    farewell(now, output);
                    return true;
                });
            }
            catch (Exception e) when (e is McastTransportException || e is ObjectDisposedException || e is OperationCanceledException)
            {
                Fail("SendError", e);
            }
            finally
            {
                Dispose();
            }
        }

        /// <summary>Reads protocol state under the lock.</summary>
        public T Read<T>(Func<T> read)
        {
            lock (gate)
            {
                return read();
            }
        }

        /// <summary>Stops the loops (waiting a bounded time) and closes the channel. Idempotent.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            stopping.Cancel();
            channel.Dispose();
            var loops = new List<Task>();
            if (receiveLoop is not null)
            {
                loops.Add(receiveLoop);
            }

            if (tickLoop is not null)
            {
                loops.Add(tickLoop);
            }

            try
            {
                Task.WaitAll(loops.ToArray(), StopWait);
            }
            catch (AggregateException)
            {
                // The loops end on cancellation; anything else was counted already.
            }
        }

        private async Task ReceiveLoopAsync()
        {
            CancellationToken token = stopping.Token;
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
                Step((now, output) => receive(datagram, now, output));
            }
        }

        private async Task TickLoopAsync()
        {
            CancellationToken token = stopping.Token;
            while (!token.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(TickPeriod, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                Step((now, output) => tick(now, output));
            }
        }

        private void Step(Action<DateTimeOffset, ProtocolOutput<TEvent>> step)
        {
            try
            {
                Invoke<bool>((now, output) =>
                {
                    step(now, output);
                    return true;
                });
            }
            catch (Exception e) when ((e is ObjectDisposedException || e is OperationCanceledException) && stopping.IsCancellationRequested)
            {
                // Closing: the channel went away under a step.
            }
            catch (McastTransportException e)
            {
                Fail("SendError", e);
            }
            catch (Exception e)
            {
                // A protocol must not throw for anything it receives; if one does, count it and go on.
                Fail("StepError", e);
            }
        }

        private void Dispatch(ProtocolOutput<TEvent> output)
        {
            foreach (TEvent item in output.Events)
            {
                dispatch(item);
            }
        }

        private void SendAll(List<byte[]> datagrams)
        {
            foreach (byte[] datagram in datagrams)
            {
                pacer.Take(stopping.Token);

                channel.Send(datagram);
                Interlocked.Increment(ref datagramsOut);
            }
        }

        private void Fail(string kind, Exception e)
        {
            Errors.Add(kind);
            LastError = e;
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
    }
}
