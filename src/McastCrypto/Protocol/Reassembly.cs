using System;
using System.Collections.Generic;
using System.Linq;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// Puts fragmented messages back together, per source and message id, within hard limits on
    /// fragments, messages and bytes per source and in total, the size of one message, and a time-out
    /// for incomplete messages. The byte limits count what a pending message really holds: its chunks,
    /// its array of slots (one reference per declared fragment, allocated at its first fragment) and a
    /// fixed overhead, so a flood of first fragments declaring thousands of chunks is bounded too.
    /// Every fragment it does not keep is counted in <see cref="DropCounter"/> by reason. Pure: the
    /// time comes in with each call.
    /// </summary>
    /// <typeparam name="TSource">Who sent the fragments (an address, a member id).</typeparam>
    public sealed class Reassembly<TSource>
        where TSource : notnull
    {
        /// <summary>
        /// What a pending message costs besides its chunks and slots: its bookkeeping objects and its
        /// dictionary entry, rounded up.
        /// </summary>
        public const int MessageOverheadBytes = 64;

        private readonly ReassemblyLimits limits;
        private readonly DropCounter drops;
        private readonly long maxMessageBytes;
        private readonly Dictionary<(TSource Source, ulong Id), Pending> pending = new Dictionary<(TSource, ulong), Pending>();
        private readonly Dictionary<TSource, SourceUse> bySource = new Dictionary<TSource, SourceUse>();
        private long totalBytes;

        /// <param name="limits">The limits; read on every call.</param>
        /// <param name="drops">Where refused fragments are counted.</param>
        /// <param name="maxMessageBytes">
        /// The largest whole message, in bytes; a message that must grow past it is refused
        /// (MessageTooLarge) as soon as that is certain. The caller converts its own limit (on text,
        /// say) into reassembled bytes.
        /// </param>
        public Reassembly(ReassemblyLimits limits, DropCounter drops, long maxMessageBytes = long.MaxValue)
        {
            this.limits = limits ?? throw new ArgumentNullException(nameof(limits));
            this.drops = drops ?? throw new ArgumentNullException(nameof(drops));
            if (maxMessageBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxMessageBytes), maxMessageBytes, "The largest message must be at least 1 byte.");
            }

            this.maxMessageBytes = maxMessageBytes;
        }

        /// <summary>The bytes one slot of a pending message costs: a reference.</summary>
        public static int SlotBytes => IntPtr.Size;

        /// <summary>Incomplete messages held now.</summary>
        public int PendingMessages => pending.Count;

        /// <summary>Bytes held now: chunks, slot arrays and the overhead of every pending message.</summary>
        public long PendingBytes => totalBytes;

        /// <summary>How many sources have something pending (for tests: a refused source leaves no entry).</summary>
        internal int SourcesTracked => bySource.Count;

        /// <summary>
        /// Adds one fragment (0-based <paramref name="sequence"/> of <paramref name="total"/>).
        /// Returns the whole message once its last missing fragment arrives, else null.
        /// </summary>
        public byte[]? Add(TSource source, ulong messageId, int sequence, int total, byte[] chunk, DateTimeOffset now)
        {
            if (chunk is null)
            {
                throw new ArgumentNullException(nameof(chunk));
            }

            if (total < 1 || sequence < 0 || sequence >= total)
            {
                drops.Add("MalformedFragment");
                return null;
            }

            if (total > limits.MaxFragmentsPerMessage)
            {
                drops.Add("MessageTooLarge");
                return null;
            }

            if (total == 1)
            {
                if (chunk.Length > maxMessageBytes)
                {
                    drops.Add("MessageTooLarge");
                    return null;
                }

                return chunk;
            }

            var key = (source, messageId);
            pending.TryGetValue(key, out Pending? message);
            if (message is not null && message.Total != total)
            {
                drops.Add("InconsistentFragment");
                return null;
            }

            if (message is not null && message.Chunks[sequence] is not null)
            {
                drops.Add("DuplicateFragment");
                return null;
            }

            if (MustExceedLimit(message, sequence, total, chunk.Length))
            {
                drops.Add("MessageTooLarge");
                if (message is not null)
                {
                    Release(key, message);
                }

                return null;
            }

            bySource.TryGetValue(source, out SourceUse? use);
            long sourceBytes = use?.Bytes ?? 0;
            if (message is null)
            {
                // Check before allocating: the slot array is the cost a hostile first fragment imposes.
                long cost = MessageOverheadBytes + ((long)total * SlotBytes);
                if ((use?.Messages ?? 0) >= limits.MaxMessagesPerSource
                    || sourceBytes + cost > limits.MaxBytesPerSource
                    || totalBytes + cost > limits.MaxBytesTotal)
                {
                    drops.Add("ReassemblyLimit");
                    return null;
                }

                if (use is null)
                {
                    use = new SourceUse();
                    bySource.Add(source, use);
                }

                message = new Pending(total, now);
                pending.Add(key, message);
                use.Messages++;
                Charge(use, message, cost);
                sourceBytes = use.Bytes;
            }

            if (sourceBytes + chunk.Length > limits.MaxBytesPerSource || totalBytes + chunk.Length > limits.MaxBytesTotal)
            {
                drops.Add("ReassemblyLimit");
                Release(key, message);
                return null;
            }

            message.Chunks[sequence] = chunk;
            message.Received++;
            message.ChunkBytes += chunk.Length;
            Charge(use!, message, chunk.Length);
            if (message.Received < total)
            {
                return null;
            }

            var whole = new byte[message.ChunkBytes];
            int at = 0;
            foreach (byte[]? part in message.Chunks)
            {
                Buffer.BlockCopy(part!, 0, whole, at, part!.Length);
                at += part.Length;
            }

            Release(key, message);
            return whole;
        }

        /// <summary>Drops every incomplete message older than the time-out; returns how many.</summary>
        public int Expire(DateTimeOffset now)
        {
            var expired = pending.Where(p => now - p.Value.Started >= limits.Timeout).ToList();
            foreach (var entry in expired)
            {
                drops.Add("FragmentTimeout");
                Release(entry.Key, entry.Value);
            }

            return expired.Count;
        }

        /// <summary>Forgets everything a source has pending (it left).</summary>
        public void Forget(TSource source)
        {
            foreach (var entry in pending.Where(p => EqualityComparer<TSource>.Default.Equals(p.Key.Source, source)).ToList())
            {
                Release(entry.Key, entry.Value);
            }
        }

        /// <summary>
        /// True when the message cannot end up within the largest size: its chunks so far and this one
        /// are already over it, or this chunk, not the last, says how long every chunk but the last is
        /// (senders cut the payload into equal chunks, the last one shorter and never empty).
        /// </summary>
        private bool MustExceedLimit(Pending? message, int sequence, int total, int chunkLength)
        {
            long atLeast = (message?.ChunkBytes ?? 0) + chunkLength;
            if (sequence < total - 1)
            {
                atLeast = Math.Max(atLeast, ((long)(total - 1) * chunkLength) + 1);
            }

            return atLeast > maxMessageBytes;
        }

        private void Charge(SourceUse use, Pending message, long bytes)
        {
            message.Cost += bytes;
            use.Bytes += bytes;
            totalBytes += bytes;
        }

        private void Release((TSource Source, ulong Id) key, Pending message)
        {
            pending.Remove(key);
            if (bySource.TryGetValue(key.Source, out SourceUse? use))
            {
                use.Messages--;
                use.Bytes -= message.Cost;
                if (use.Messages <= 0)
                {
                    bySource.Remove(key.Source);
                }
            }

            totalBytes -= message.Cost;
        }

        private sealed class Pending
        {
            public Pending(int total, DateTimeOffset started)
            {
                Total = total;
                Started = started;
                Chunks = new byte[total][];
            }

            public int Total { get; }

            public DateTimeOffset Started { get; }

            public byte[]?[] Chunks { get; }

            public int Received { get; set; }

            /// <summary>The bytes of the chunks received.</summary>
            public long ChunkBytes { get; set; }

            /// <summary>What the message is charged against the limits: overhead, slots and chunks.</summary>
            public long Cost { get; set; }
        }

        private sealed class SourceUse
        {
            public int Messages { get; set; }

            public long Bytes { get; set; }
        }
    }
}
