using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// A first-in first-out queue bounded by a count and by a total size in bytes, for one or more
    /// producers and consumers. Adding never waits: what does not fit is refused, and the caller
    /// counts it. Taking and waiting for room can be bounded by a time-out and a token.
    /// </summary>
    internal sealed class BoundedQueue<T>
    {
        private readonly Queue<Entry> entries = new Queue<Entry>();
        private readonly object gate = new object();
        private long bytes;
        private bool nudged;

        public BoundedQueue(int maxCount, long maxBytes)
        {
            if (maxCount < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxCount));
            }

            if (maxBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxBytes));
            }

            MaxCount = maxCount;
            MaxBytes = maxBytes;
        }

        public int MaxCount { get; }

        public long MaxBytes { get; }

        public int Count
        {
            get
            {
                lock (gate)
                {
                    return entries.Count;
                }
            }
        }

        public long Bytes
        {
            get
            {
                lock (gate)
                {
                    return bytes;
                }
            }
        }

        /// <summary>
        /// Adds <paramref name="item"/> of <paramref name="size"/> bytes at the end unless it would
        /// pass a bound; with <paramref name="force"/> it is added anyway. Returns whether it was added.
        /// </summary>
        public bool TryAdd(T item, long size, bool force = false)
        {
            lock (gate)
            {
                if (!force && (entries.Count >= MaxCount || bytes + size > MaxBytes))
                {
                    return false;
                }

                entries.Enqueue(new Entry(item, size));
                bytes += size;
                Monitor.PulseAll(gate);
                return true;
            }
        }

        /// <summary>
        /// Takes the oldest item, waiting for one up to <paramref name="timeout"/> (infinite when
        /// negative). False when the time ran out or <paramref name="cancellationToken"/> was cancelled first.
        /// </summary>
        public bool TryTake(out T item, TimeSpan timeout, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                // Under load an item waits already: take it without arranging to be woken.
                if (entries.Count > 0)
                {
                    item = DequeueLocked();
                    return true;
                }
            }

            using (Wake(cancellationToken))
            {
                long started = Stopwatch.GetTimestamp();
                lock (gate)
                {
                    while (entries.Count == 0)
                    {
                        if (nudged)
                        {
                            nudged = false;
                            item = default!;
                            return false;
                        }

                        if (cancellationToken.IsCancellationRequested || !WaitLocked(timeout, started))
                        {
                            item = default!;
                            return false;
                        }
                    }

                    item = DequeueLocked();
                    return true;
                }
            }
        }

        /// <summary>The oldest item without taking it; false when the queue is empty.</summary>
        /// <summary>
        /// Makes a <see cref="TryTake"/> that waits on an empty queue (now, or the next one to wait)
        /// return false at once, so that its caller can look again at when to wait until.
        /// </summary>
        public void Nudge()
        {
            lock (gate)
            {
                nudged = true;
                Monitor.PulseAll(gate);
            }
        }

        public bool TryPeek(out T item)
        {
            lock (gate)
            {
                if (entries.Count == 0)
                {
                    item = default!;
                    return false;
                }

                item = entries.Peek().Item;
                return true;
            }
        }

        /// <summary>Empties the queue and returns what it held, oldest first.</summary>
        public List<T> TakeAll()
        {
            lock (gate)
            {
                var all = new List<T>(entries.Count);
                foreach (Entry entry in entries)
                {
                    all.Add(entry.Item);
                }

                entries.Clear();
                bytes = 0;
                Monitor.PulseAll(gate);
                return all;
            }
        }

        /// <summary>
        /// Waits until the queue holds fewer than <paramref name="count"/> items and fewer than
        /// <paramref name="size"/> bytes. False when <paramref name="cancellationToken"/> was cancelled first.
        /// </summary>
        public bool WaitUntilBelow(int count, long size, CancellationToken cancellationToken)
        {
            lock (gate)
            {
                if (entries.Count < count && bytes < size)
                {
                    return true;
                }
            }

            using (Wake(cancellationToken))
            {
                long started = Stopwatch.GetTimestamp();
                lock (gate)
                {
                    while (entries.Count >= count || bytes >= size)
                    {
                        if (cancellationToken.IsCancellationRequested)
                        {
                            return false;
                        }

                        WaitLocked(Timeout.InfiniteTimeSpan, started);
                    }

                    return true;
                }
            }
        }

        /// <summary>Takes the oldest entry (there is one; the caller holds the lock) and wakes those waiting for room.</summary>
        private T DequeueLocked()
        {
            Entry entry = entries.Dequeue();
            bytes -= entry.Size;
            Monitor.PulseAll(gate);
            return entry.Item;
        }

        /// <summary>Wakes the waiters when the token is cancelled, so that they can see it.</summary>
        private CancellationTokenRegistration Wake(CancellationToken cancellationToken)
        {
            return cancellationToken.Register(() =>
            {
                lock (gate)
                {
                    Monitor.PulseAll(gate);
                }
            });
        }

        /// <summary>Waits for a pulse, at most what is left of <paramref name="timeout"/> since <paramref name="started"/> (a Stopwatch timestamp); false when none is left.</summary>
        private bool WaitLocked(TimeSpan timeout, long started)
        {
            if (timeout < TimeSpan.Zero)
            {
                Monitor.Wait(gate);
                return true;
            }

            TimeSpan waited = TimeSpan.FromTicks((long)((Stopwatch.GetTimestamp() - started) * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
            TimeSpan left = timeout - waited;
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            Monitor.Wait(gate, left);
            return true;
        }

        private readonly struct Entry
        {
            public Entry(T item, long size)
            {
                Item = item;
                Size = size;
            }

            public T Item { get; }

            public long Size { get; }
        }
    }
}
