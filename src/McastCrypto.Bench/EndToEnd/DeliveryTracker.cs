using System;
using System.Diagnostics;
using System.Threading;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// Counts, for one group of receiving members, which messages every member has: a message is
    /// complete when the last of the members reports it. Keeps the sender's window (at most
    /// <see cref="Window"/> messages sent and not yet complete), and optionally each delivery's
    /// one-way latency. Members report from any thread; one sender thread sends.
    /// </summary>
    /// <remarks>
    /// Messages are numbered 1, 2, 3... for the group's whole life, and tracked in a ring of
    /// <see cref="Capacity"/> slots (far above any window), so a late arrival of an old message is
    /// told apart from a new one and ignored. A message the sender gave up waiting for
    /// (<see cref="AbandonStale"/>) frees its place in the window; if it completes later it counts as
    /// delivered then, and does not free a second place.
    /// </remarks>
    internal sealed class DeliveryTracker
    {
        private const int Capacity = 1 << 16;
        private const int Mask = Capacity - 1;
        private const int StateWaiting = 0;
        private const int StateDone = 1;
        private const int StateAbandoned = 2;

        private readonly long[] slotSequence = new long[Capacity];
        private readonly int[] slotCount = new int[Capacity];
        private readonly int[] slotState = new int[Capacity];
        private readonly long[] slotSentAt = new long[Capacity];
        private readonly object latencyGate = new object();
        private volatile SemaphoreSlim window = new SemaphoreSlim(1);
        private long windowFrom = long.MaxValue;
        private long measureFrom = long.MaxValue;
        private long nextSequence = 1;
        private long oldestOpen = 1;
        private long completed;
        private long completedMeasured;
        private long arrivals;
        private long staleArrivals;
        private long abandoned;
        private long refused;
        private long lastArrival = Stopwatch.GetTimestamp();
        private double[]? latencies;
        private int latencyCount;

        public DeliveryTracker(int members)
        {
            if (members < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(members));
            }

            Members = members;
        }

        public int Members { get; }

        /// <summary>The window now: the most messages sent and not complete.</summary>
        public int Window { get; private set; } = 1;

        /// <summary>Messages every member has, since the group opened.</summary>
        public long Completed => Interlocked.Read(ref completed);

        /// <summary>Messages numbered from the measured part of the cell on that every member has.</summary>
        public long CompletedMeasured => Interlocked.Read(ref completedMeasured);

        /// <summary>Messages sent so far (the next number less one).</summary>
        public long Sent => nextSequence - 1;

        /// <summary>Deliveries reported (one per member per message).</summary>
        public long Arrivals => Interlocked.Read(ref arrivals);

        /// <summary>Deliveries of a message no longer tracked (far older than the window).</summary>
        public long StaleArrivals => Interlocked.Read(ref staleArrivals);

        /// <summary>Messages the sender stopped waiting for to free its window.</summary>
        public long Abandoned => Interlocked.Read(ref abandoned);

        /// <summary>Messages the system refused to send (<see cref="Refuse"/>): numbered, never sent.</summary>
        public long Refused => Interlocked.Read(ref refused);

        /// <summary>The Stopwatch timestamp of the last delivery reported.</summary>
        public long LastArrival => Interlocked.Read(ref lastArrival);

        /// <summary>Starts a cell: a new window of <paramref name="messages"/>; messages sent before no longer take a place in it.</summary>
        public void StartWindow(int messages)
        {
            if (messages < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(messages));
            }

            Window = messages;
            Volatile.Write(ref windowFrom, nextSequence);
            window = new SemaphoreSlim(messages);
            oldestOpen = nextSequence;
        }

        /// <summary>Starts an open-loop cell: no window (completions free no place; the sender does not wait).</summary>
        public void StartOpenLoop()
        {
            Window = 0;
            Volatile.Write(ref windowFrom, long.MaxValue);
            oldestOpen = nextSequence;
        }

        /// <summary>From now on, count completions of the messages sent from now on (<see cref="CompletedMeasured"/>).</summary>
        public long StartMeasure()
        {
            Interlocked.Exchange(ref completedMeasured, 0);
            Volatile.Write(ref measureFrom, nextSequence);
            return nextSequence;
        }

        /// <summary>Records every delivery's latency from now on, up to <paramref name="capacity"/> of them.</summary>
        public void RecordLatencies(int capacity)
        {
            lock (latencyGate)
            {
                latencies = new double[capacity];
                latencyCount = 0;
            }
        }

        /// <summary>The latencies recorded, in milliseconds, and stops recording.</summary>
        public double[] TakeLatencies()
        {
            lock (latencyGate)
            {
                double[] taken = latencies is null ? Array.Empty<double>() : latencies.AsSpan(0, Math.Min(latencyCount, latencies.Length)).ToArray();
                latencies = null;
                return taken;
            }
        }

        /// <summary>
        /// Waits for a place in the window, at most <paramref name="wait"/>; true when there is one
        /// (the caller must then <see cref="Next"/> and send).
        /// </summary>
        public bool WaitForRoom(TimeSpan wait) => window.Wait(wait);

        /// <summary>The number of the next message, tracked from now (its place in the window taken).</summary>
        public long Next()
        {
            long sequence = nextSequence++;
            int slot = (int)(sequence & Mask);
            slotCount[slot] = 0;
            slotState[slot] = StateWaiting;
            slotSentAt[slot] = Stopwatch.GetTimestamp();
            Volatile.Write(ref slotSequence[slot], sequence);
            return sequence;
        }

        /// <summary>The system refused message <paramref name="sequence"/> (just numbered by <see cref="Next"/>): it is not waited for, and frees its place in the window.</summary>
        public void Refuse(long sequence)
        {
            int slot = (int)(sequence & Mask);
            Interlocked.Increment(ref refused);
            if (Interlocked.CompareExchange(ref slotState[slot], StateAbandoned, StateWaiting) == StateWaiting && sequence >= Volatile.Read(ref windowFrom))
            {
                window.Release();
            }
        }

        /// <summary>
        /// Gives up waiting for messages sent more than <paramref name="after"/> ago and not complete,
        /// oldest first, freeing their places in the window; returns how many. Sender thread only.
        /// </summary>
        public int AbandonStale(TimeSpan after)
        {
            long limit = Stopwatch.GetTimestamp() - (long)(after.TotalSeconds * Stopwatch.Frequency);
            int count = 0;
            while (oldestOpen < nextSequence)
            {
                int slot = (int)(oldestOpen & Mask);
                if (Volatile.Read(ref slotState[slot]) != StateWaiting)
                {
                    oldestOpen++;
                    continue;
                }

                if (slotSentAt[slot] > limit)
                {
                    break;
                }

                if (Interlocked.CompareExchange(ref slotState[slot], StateAbandoned, StateWaiting) == StateWaiting)
                {
                    Interlocked.Increment(ref abandoned);
                    window.Release();
                    count++;
                }

                oldestOpen++;
            }

            return count;
        }

        /// <summary>A member has message <paramref name="sequence"/>, stamped <paramref name="sentAt"/> by the sender. Any thread.</summary>
        public void Arrived(long sequence, long sentAt)
        {
            long now = Stopwatch.GetTimestamp();
            Interlocked.Exchange(ref lastArrival, now);
            int slot = (int)(sequence & Mask);
            if (sequence <= 0 || Volatile.Read(ref slotSequence[slot]) != sequence)
            {
                Interlocked.Increment(ref staleArrivals);
                return;
            }

            Interlocked.Increment(ref arrivals);
            if (latencies is not null && sequence >= Volatile.Read(ref measureFrom))
            {
                lock (latencyGate)
                {
                    if (latencies is not null && latencyCount < latencies.Length)
                    {
                        latencies[latencyCount++] = (now - sentAt) * 1000.0 / Stopwatch.Frequency;
                    }
                }
            }

            if (Interlocked.Increment(ref slotCount[slot]) != Members)
            {
                return;
            }

            Interlocked.Increment(ref completed);
            if (sequence >= Volatile.Read(ref measureFrom))
            {
                Interlocked.Increment(ref completedMeasured);
            }

            if (Interlocked.CompareExchange(ref slotState[slot], StateDone, StateWaiting) == StateWaiting && sequence >= Volatile.Read(ref windowFrom))
            {
                window.Release();
            }
        }
    }
}
