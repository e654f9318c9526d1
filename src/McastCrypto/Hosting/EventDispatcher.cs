using System;
using System.Threading;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// Runs an actor's event handlers, in order, on a thread of its own: never on the runner's
    /// thread, never under the protocol lock, so a slow or failing handler cannot hold up the
    /// protocol. The queue is bounded: what does not fit is dropped and counted. A handler that
    /// throws is counted and remembered, and the next one runs.
    /// </summary>
    internal sealed class EventDispatcher
    {
        private readonly BoundedQueue<Action> queue;
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly string threadName;
        private readonly object startGate = new object();
        private Thread? thread;
        private int completed;
        private long dropped;
        private long errors;
        private Exception? lastError;

        /// <param name="limit">How many raised events may wait for their handlers.</param>
        /// <param name="threadName">The name of the handlers' thread, for debuggers.</param>
        public EventDispatcher(int limit, string threadName)
        {
            queue = new BoundedQueue<Action>(limit, long.MaxValue);
            this.threadName = threadName;
        }

        /// <summary>Events dropped because the queue was full (handlers too slow) or raised after closing.</summary>
        public long Dropped => Interlocked.Read(ref dropped);

        /// <summary>Handlers that threw.</summary>
        public long Errors => Interlocked.Read(ref errors);

        /// <summary>The last exception a handler threw, if any.</summary>
        public Exception? LastError => Volatile.Read(ref lastError);

        /// <summary>The handlers' thread, once started (for tests).</summary>
        internal Thread? Thread => Volatile.Read(ref thread);

        /// <summary>Queues <paramref name="raise"/> for the handlers' thread; never waits. False when dropped.</summary>
        public bool Post(Action raise)
        {
            if (Volatile.Read(ref completed) != 0 || !queue.TryAdd(raise, 1))
            {
                Interlocked.Increment(ref dropped);
                return false;
            }

            if (!EnsureStarted())
            {
                // Closing won the race: this one will not run.
                Interlocked.Increment(ref dropped);
                return false;
            }

            return true;
        }

        /// <summary>
        /// Takes no more events; the thread runs what is queued and ends. Does not wait for it:
        /// closing must not hang behind a blocked handler (or a handler that closes its own actor).
        /// </summary>
        public void Complete()
        {
            if (Interlocked.Exchange(ref completed, 1) != 0)
            {
                return;
            }

            lock (startGate)
            {
                if (thread is null && queue.Count == 0)
                {
                    // Never started and nothing waiting: no thread is needed any more.
                    stopping.Cancel();
                    return;
                }
            }

            // The thread runs what is queued, then this, which ends it.
            queue.TryAdd(() => stopping.Cancel(), 0, force: true);
            EnsureStarted();
        }

        /// <summary>Starts the thread unless it runs; false when it never will (closed before it started).</summary>
        private bool EnsureStarted()
        {
            if (Volatile.Read(ref thread) is not null)
            {
                return true;
            }

            lock (startGate)
            {
                if (thread is not null)
                {
                    return true;
                }

                if (stopping.IsCancellationRequested)
                {
                    return false;
                }

                var started = new Thread(Run) { IsBackground = true, Name = threadName };
                started.Start();
                Volatile.Write(ref thread, started);
                return true;
            }
        }

        /// <summary>Counts a handler's failure and remembers it as the last.</summary>
        public void Count(Exception error)
        {
            Interlocked.Increment(ref errors);
            Volatile.Write(ref lastError, error);
        }

        private void Run()
        {
            while (!stopping.IsCancellationRequested)
            {
                if (!queue.TryTake(out Action raise, Timeout.InfiniteTimeSpan, stopping.Token))
                {
                    break;
                }

                try
                {
                    raise();
                }
                catch (Exception e)
                {
                    Count(e);
                }
            }
        }
    }
}
