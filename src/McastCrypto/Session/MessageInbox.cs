using System;
using System.Collections.Generic;
using System.Threading;

namespace McastCrypto.Session
{
    /// <summary>
    /// The messages a session received and nobody has taken yet, in arrival order, numbered. Bounded
    /// in messages and in bytes: past either limit the oldest messages are dropped, counted, and
    /// replaced by one Gap record at the front saying how many went (updated while nobody reads), so a
    /// reader that comes back learns what it missed. Thread-safe; <see cref="Arrived"/>
    /// is set by every arrival and reset by every <see cref="Take"/>, so a reader waits only for news.
    /// </summary>
    internal sealed class MessageInbox : IDisposable
    {
        private readonly LinkedList<McastMessage> messages = new LinkedList<McastMessage>();
        private readonly ManualResetEventSlim arrived = new ManualResetEventSlim(false);
        private readonly List<ManualResetEventSlim> watchers = new List<ManualResetEventSlim>();
        private readonly int limit;
        private readonly long byteLimit;
        private readonly Func<long, long, long, McastMessage>? makeGap;
        private long nextSequence = 1;
        private long bytes;

        // The Gap record standing for what overflowed since a reader last took it, and its counts.
        private LinkedListNode<McastMessage>? overflowGap;
        private long overflowMessages;
        private long overflowBytes;

        public MessageInbox(int limit)
            : this(limit, long.MaxValue, null)
        {
        }

        /// <param name="limit">The most messages held (the Gap record of an overflow not counted).</param>
        /// <param name="byteLimit">The most bytes of content held; one message larger than this is still held, alone.</param>
        /// <param name="makeGap">Makes the Gap record (sequence, messages dropped, bytes dropped); null for none.</param>
        public MessageInbox(int limit, long byteLimit, Func<long, long, long, McastMessage>? makeGap)
        {
            if (limit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(limit));
            }

            if (byteLimit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(byteLimit));
            }

            this.limit = limit;
            this.byteLimit = byteLimit;
            this.makeGap = makeGap;
        }

        /// <summary>Bytes of content held now (the bytes of data, files and texts).</summary>
        public long Bytes
        {
            get
            {
                lock (messages)
                {
                    return bytes;
                }
            }
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
                LinkedListNode<McastMessage> added = messages.AddLast(message);
                bytes += SizeOf(message);
                while (messages.Count - (overflowGap is null ? 0 : 1) > limit || bytes > byteLimit)
                {
                    LinkedListNode<McastMessage>? oldest = overflowGap is null ? messages.First : overflowGap.Next;
                    if (oldest is null || oldest == added)
                    {
                        // The newest alone is over the byte limit: it stays (the bound is the limit plus one message).
                        break;
                    }

                    long size = SizeOf(oldest.Value);
                    long sequence = overflowGap?.Value.Sequence ?? oldest.Value.Sequence;
                    messages.Remove(oldest);
                    bytes -= size;
                    Overflow++;
                    if (makeGap is not null)
                    {
                        overflowMessages++;
                        overflowBytes += size;
                        McastMessage gap = makeGap(sequence, overflowMessages, overflowBytes);
                        if (overflowGap is null)
                        {
                            overflowGap = messages.AddFirst(gap);
                        }
                        else
                        {
                            overflowGap.Value = gap;
                        }
                    }
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
                        bytes -= SizeOf(node.Value);
                        if (node == overflowGap)
                        {
                            overflowGap = null;
                            overflowMessages = 0;
                            overflowBytes = 0;
                        }
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

        private static long SizeOf(McastMessage message) => message.Kind == McastMessageKind.Gap ? 0 : message.Length ?? (message.Text is null ? 0 : message.Text.Length * 2L);
    }
}
