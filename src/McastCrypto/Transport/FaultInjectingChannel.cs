using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Net;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Transport
{
    /// <summary>
    /// A decorator for tests that makes a channel as unreliable as a real network: it drops,
    /// duplicates, reorders and delays datagrams by <see cref="FaultRules"/>, on sending, receiving or
    /// both. Decisions come from <see cref="Random"/> seeded by the caller, so a run is repeatable: the
    /// n-th datagram of a direction meets the same fate for the same seed (each datagram draws the
    /// same number of random values whatever the rules say). Thread-safe. Disposing it disposes the
    /// inner channel and discards held and delayed datagrams.
    /// </summary>
    /// <remarks>
    /// Receiving with <see cref="FaultRules.ApplyToReceive"/> set starts a background loop that reads
    /// the inner channel and queues what survives the faults; if the inner channel fails, every later
    /// receive that finds the queue empty throws that failure.
    /// </remarks>
    public sealed class FaultInjectingChannel : IDatagramChannel
    {
        private readonly IDatagramChannel inner;
        private readonly FaultRules rules;
        private readonly Stage<byte[]> sendStage;
        private readonly Stage<Datagram> receiveStage;
        private readonly ConcurrentQueue<Datagram> received = new ConcurrentQueue<Datagram>();
        private readonly SemaphoreSlim receivedCount = new SemaphoreSlim(0);
        private readonly CancellationTokenSource lifetime = new CancellationTokenSource();
        private readonly object pumpGate = new object();
        private Task? pump;
        private ExceptionDispatchInfo? pumpFailure;
        private long dropped;
        private long duplicated;
        private long reordered;
        private long delayed;
        private long deliveryFailures;
        private int disposed;

        /// <summary>Wraps <paramref name="inner"/>.</summary>
        /// <param name="inner">The channel to wrap; disposed with this one.</param>
        /// <param name="rules">The faults to inject; read for every datagram.</param>
        /// <param name="seed">Seeds the random decisions (the receive side uses a seed derived from it).</param>
        public FaultInjectingChannel(IDatagramChannel inner, FaultRules rules, int seed)
        {
            this.inner = inner ?? throw new ArgumentNullException(nameof(inner));
            this.rules = rules ?? throw new ArgumentNullException(nameof(rules));
            sendStage = new Stage<byte[]>(this, new Random(seed), DeliverSend);
            receiveStage = new Stage<Datagram>(this, new Random(unchecked((seed * 397) ^ 0x5EED)), DeliverReceived);
        }

        /// <summary>Datagrams dropped, both directions.</summary>
        public long Dropped => Interlocked.Read(ref dropped);

        /// <summary>Datagrams delivered twice (each counts once), both directions.</summary>
        public long Duplicated => Interlocked.Read(ref duplicated);

        /// <summary>Datagrams held back to be delivered after the next one, both directions.</summary>
        public long Reordered => Interlocked.Read(ref reordered);

        /// <summary>Datagrams given a delay greater than zero, both directions.</summary>
        public long Delayed => Interlocked.Read(ref delayed);

        /// <summary>Delayed datagrams whose late delivery to the inner channel failed (other than by disposal).</summary>
        public long DeliveryFailures => Interlocked.Read(ref deliveryFailures);

        /// <inheritdoc />
        public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

        /// <inheritdoc />
        public IPAddress Group => inner.Group;

        /// <inheritdoc />
        public int Port => inner.Port;

        /// <inheritdoc />
        public int? ReceiveBufferBytes => inner.ReceiveBufferBytes;

        /// <inheritdoc />
        public long? KernelDrops => inner.KernelDrops;

        private bool IsDisposed => Volatile.Read(ref disposed) != 0;

        /// <inheritdoc />
        public void Send(byte[] datagram)
        {
            if (datagram is null)
            {
                throw new ArgumentNullException(nameof(datagram));
            }

            ThrowIfDisposed();
            sendStage.Process(datagram, rules.ApplyToSend);
        }

        /// <inheritdoc />
        public async Task<Datagram> ReceiveAsync(CancellationToken cancellationToken)
        {
            ThrowIfDisposed();
            cancellationToken.ThrowIfCancellationRequested();
            if (!rules.ApplyToReceive && Volatile.Read(ref pump) is null)
            {
                return await inner.ReceiveAsync(cancellationToken).ConfigureAwait(false);
            }

            EnsurePump();
            using (CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.Token))
            {
                while (true)
                {
                    try
                    {
                        await receivedCount.WaitAsync(linked.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        throw new ObjectDisposedException(nameof(FaultInjectingChannel));
                    }

                    if (IsDisposed)
                    {
                        receivedCount.Release();
                        throw new ObjectDisposedException(nameof(FaultInjectingChannel));
                    }

                    if (received.TryDequeue(out Datagram? datagram))
                    {
                        return datagram;
                    }

                    ExceptionDispatchInfo? failure = Volatile.Read(ref pumpFailure);
                    if (failure is not null)
                    {
                        // Keep the way open for the next waiter, then report.
                        receivedCount.Release();
                        failure.Throw();
                    }
                }
            }
        }

        /// <summary>Delivers the datagram held back for reordering, in both directions, now.</summary>
        public void Flush()
        {
            ThrowIfDisposed();
            sendStage.Flush();
            receiveStage.Flush();
        }

        /// <summary>Disposes the inner channel and discards held and delayed datagrams. Idempotent.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            try
            {
                lifetime.Cancel();
            }
            finally
            {
                inner.Dispose();
            }
        }

        private void ThrowIfDisposed()
        {
            if (IsDisposed)
            {
                throw new ObjectDisposedException(nameof(FaultInjectingChannel));
            }
        }

        private void EnsurePump()
        {
            lock (pumpGate)
            {
                if (pump is null)
                {
                    Volatile.Write(ref pump, Task.Run(PumpAsync));
                }
            }
        }

        private async Task PumpAsync()
        {
            try
            {
                while (!IsDisposed)
                {
                    Datagram datagram = await inner.ReceiveAsync(lifetime.Token).ConfigureAwait(false);
                    receiveStage.Process(datagram, rules.ApplyToReceive);
                }
            }
            catch (Exception ex)
            {
                Volatile.Write(ref pumpFailure, ExceptionDispatchInfo.Capture(ex));
                receivedCount.Release();
            }
        }

        private void DeliverSend(byte[] datagram)
        {
            inner.Send(datagram);
        }

        private void DeliverReceived(Datagram datagram)
        {
            received.Enqueue(datagram);
            receivedCount.Release();
        }

        /// <summary>The faults of one direction: its own random sequence and its held datagram.</summary>
        private sealed class Stage<T>
            where T : class
        {
            private readonly FaultInjectingChannel owner;
            private readonly Random random;
            private readonly Action<T> deliver;
            private readonly object gate = new object();
            private Unit? held;

            public Stage(FaultInjectingChannel owner, Random random, Action<T> deliver)
            {
                this.owner = owner;
                this.random = random;
                this.deliver = deliver;
            }

            public void Process(T item, bool apply)
            {
                var due = new List<Unit>(2);
                lock (gate)
                {
                    if (!apply)
                    {
                        due.Add(new Unit(item, 1, TimeSpan.Zero));
                    }
                    else
                    {
                        FaultRules rules = owner.rules;

                        // Always four draws, in this order, so a datagram's fate depends only on the seed and its place.
                        double drop = random.NextDouble();
                        double duplicate = random.NextDouble();
                        double reorder = random.NextDouble();
                        double delay = random.NextDouble();

                        if (drop < rules.DropRate)
                        {
                            Interlocked.Increment(ref owner.dropped);
                            return;
                        }

                        int copies = 1;
                        if (duplicate < rules.DuplicateRate)
                        {
                            copies = 2;
                            Interlocked.Increment(ref owner.duplicated);
                        }

                        TimeSpan wait = TimeSpan.FromTicks((long)(delay * rules.MaxDelay.Ticks));
                        if (wait > TimeSpan.Zero)
                        {
                            Interlocked.Increment(ref owner.delayed);
                        }

                        var unit = new Unit(item, copies, wait);
                        if (held is null && reorder < rules.ReorderRate)
                        {
                            held = unit;
                            Interlocked.Increment(ref owner.reordered);
                            return;
                        }

                        due.Add(unit);
                    }

                    if (held is not null)
                    {
                        due.Add(held);
                        held = null;
                    }
                }

                foreach (Unit unit in due)
                {
                    Emit(unit);
                }
            }

            public void Flush()
            {
                Unit? release;
                lock (gate)
                {
                    release = held;
                    held = null;
                }

                if (release is not null)
                {
                    Emit(release);
                }
            }

            private void Emit(Unit unit)
            {
                if (unit.Delay <= TimeSpan.Zero)
                {
                    for (int i = 0; i < unit.Copies; i++)
                    {
                        deliver(unit.Item);
                    }

                    return;
                }

                Task.Delay(unit.Delay, owner.lifetime.Token).ContinueWith(
                    (t, state) => LateDeliver(t, (Unit)state!),
                    unit,
                    CancellationToken.None,
                    TaskContinuationOptions.ExecuteSynchronously,
                    TaskScheduler.Default);
            }

            private void LateDeliver(Task delayTask, Unit unit)
            {
                if (delayTask.IsCanceled || owner.IsDisposed)
                {
                    return;
                }

                try
                {
                    for (int i = 0; i < unit.Copies; i++)
                    {
                        deliver(unit.Item);
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The channel closed while the datagram waited: it is lost, as on a network.
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref owner.deliveryFailures);
                }
            }

            private sealed class Unit
            {
                public Unit(T item, int copies, TimeSpan delay)
                {
                    Item = item;
                    Copies = copies;
                    Delay = delay;
                }

                public T Item { get; }

                public int Copies { get; }

                public TimeSpan Delay { get; }
            }
        }
    }
}
