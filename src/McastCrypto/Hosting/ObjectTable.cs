using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// A per-process table of open objects (sessions, relays) by Id. Thread-safe. Every table is
    /// known to <see cref="ProcessCleanup"/>, which closes what is still open at the end.
    /// </summary>
    public sealed class ObjectTable<T> : IClosable
        where T : class, IDisposable
    {
        private readonly SortedDictionary<int, T> items = new SortedDictionary<int, T>();
        private int lastId;

        /// <param name="closeOrder">When <see cref="ProcessCleanup"/> closes this table: lower first
        /// (sessions before relays, so the sessions' goodbyes reach a running relay).</param>
        /// <param name="noun">What one object is called, for people to read: "session", "relay".</param>
        public ObjectTable(int closeOrder, string noun)
        {
            CloseOrder = closeOrder;
            Noun = noun ?? throw new ArgumentNullException(nameof(noun));
            ProcessCleanup.Register(this);
        }

        public int CloseOrder { get; }

        public string Noun { get; }

        /// <summary>Adds an object and returns its new Id.</summary>
        public int Add(T item)
        {
            int id = Interlocked.Increment(ref lastId);
            lock (items)
            {
                items.Add(id, item);
            }

            return id;
        }

        public void Remove(int id)
        {
            lock (items)
            {
                items.Remove(id);
            }
        }

        public T? Get(int id)
        {
            lock (items)
            {
                return items.TryGetValue(id, out T? item) ? item : null;
            }
        }

        /// <summary>All open objects, by Id.</summary>
        public IReadOnlyList<T> All()
        {
            lock (items)
            {
                return items.Values.ToList();
            }
        }

        /// <summary>
        /// Closes every object, all at once, and returns how many were open. Each object's close is
        /// bounded by itself (about a second); closing them side by side keeps the whole within about
        /// a second too, however many are open, instead of a second per busy object. A failure is
        /// swallowed (this runs at module removal and process exit, and one object must not keep the
        /// others open), and the wait is bounded by 10 s whatever an object does.
        /// </summary>
        public int CloseAll() => CloseAll(TimeSpan.FromSeconds(10));

        /// <summary>As <see cref="CloseAll()"/>, waiting at most <paramref name="timeout"/>.</summary>
        public int CloseAll(TimeSpan timeout)
        {
            IReadOnlyList<T> open = All();
            var closing = new Task[open.Count];
            for (int i = 0; i < open.Count; i++)
            {
                T item = open[i];
                closing[i] = Task.Factory.StartNew(
                    () =>
                    {
                        try
                        {
                            item.Dispose();
                        }
                        catch (Exception)
                        {
                            // Closing everything on the way out must not stop at the first failure.
                        }
                    },
                    CancellationToken.None,
                    TaskCreationOptions.LongRunning,
                    TaskScheduler.Default);
            }

            Task.WaitAll(closing, timeout);
            return open.Count;
        }
    }
}
