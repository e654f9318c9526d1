using System;
using System.Collections.Generic;
using System.Threading;

namespace McastCrypto.Session
{
    /// <summary>
    /// The messages a session received and nobody has taken yet, in arrival order, numbered. Bounded:
    /// past the limit the oldest message is dropped and counted. Thread-safe; <see cref="Arrived"/>
    /// is set by every arrival and reset by every <see cref="Take"/>, so a reader waits only for news.
    /// </summary>
    internal sealed class MessageInbox : IDisposable
    {
        private readonly LinkedList<McastMessage> messages = new LinkedList<McastMessage>();
        private readonly ManualResetEventSlim arrived = new ManualResetEventSlim(false);
        private readonly List<ManualResetEventSlim> watchers = new List<ManualResetEventSlim>();
        private readonly int limit;
        private long nextSequence = 1;

        public MessageInbox(int limit)
        {
            if (limit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(limit));
            }

            this.limit = limit;
        }

        /// <summary>Messages dropped because nobody took them before the inbox was full.</summary>
        public long Overflow { get; private set; }

        public int Count
        {
            get
            {
                lock (messages)
                {
                    return messages.Count;
                }
            }
        }

        public WaitHandle Arrived => arrived.WaitHandle;

        /// <summary>The sequence number of the latest message added (0 before the first).</summary>
        public long LastSequence
        {
            get
            {
                lock (messages)
                {
                    return nextSequence - 1;
                }
            }
        }

        /// <summary>Sets <paramref name="watcher"/> on every arrival until it is removed: one signal can watch any number of inboxes.</summary>
        public void AddWatcher(ManualResetEventSlim watcher)
        {
            lock (messages)
            {
                watchers.Add(watcher);
            }
        }

        public void RemoveWatcher(ManualResetEventSlim watcher)
        {
            lock (messages)
            {
                watchers.Remove(watcher);
            }
        }

        /// <summary>Sets every watcher (the session closed: waiting for it is over).</summary>
        public void WakeWatchers()
        {
            lock (messages)
            {
                arrived.Set();
                foreach (ManualResetEventSlim watcher in watchers)
                {
                    watcher.Set();
                }
            }
        }

        /// <summary>Adds a message made with the next sequence number, and returns it.</summary>
        public McastMessage Add(Func<long, McastMessage> make)
        {
            lock (messages)
            {
                McastMessage message = make(nextSequence++);
                messages.AddLast(message);
                if (messages.Count > limit)
                {
                    messages.RemoveFirst();
                    Overflow++;
                }

                arrived.Set();
                foreach (ManualResetEventSlim watcher in watchers)
                {
                    watcher.Set();
                }

                return message;
            }
        }

        /// <summary>
        /// At most <paramref name="max"/> messages with a sequence above <paramref name="after"/>,
        /// oldest first; with <paramref name="remove"/> the ones returned (and any older ones) leave
        /// the inbox, and the rest stay for the next call.
        /// </summary>
        public List<McastMessage> Take(long after, bool remove, int max = int.MaxValue)
        {
            lock (messages)
            {
                arrived.Reset();
                var taken = new List<McastMessage>();
                LinkedListNode<McastMessage>? node = messages.First;
                while (node is not null && taken.Count < max)
                {
                    LinkedListNode<McastMessage>? next = node.Next;
                    if (node.Value.Sequence > after)
                    {
                        taken.Add(node.Value);
                    }

                    if (remove)
                    {
                        messages.Remove(node);
                    }

                    node = next;
                }

                if (messages.Count > 0 && remove)
                {
                    // Some stay behind (max reached): the next reader must not wait for them.
                    arrived.Set();
                }

                return taken;
            }
        }

        public void Dispose() => arrived.Dispose();
    }
}
