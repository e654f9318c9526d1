using System;
using System.Collections.Generic;
using System.Linq;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// Puts fragmented messages back together, per source and message id, within hard limits on
    /// fragments, messages and bytes per source and in total, and a time-out for incomplete messages.
    /// Every fragment it does not keep is counted in <see cref="DropCounter"/> by reason. Pure: the
    /// time comes in with each call.
    /// </summary>
    /// <typeparam name="TSource">Who sent the fragments (an address, a member id).</typeparam>
    public sealed class Reassembly<TSource>
        where TSource : notnull
    {
        private readonly ReassemblyLimits limits;
        private readonly DropCounter drops;
        private readonly Dictionary<(TSource Source, uint Id), Pending> pending = new Dictionary<(TSource, uint), Pending>();
        private readonly Dictionary<TSource, SourceUse> bySource = new Dictionary<TSource, SourceUse>();
        private long totalBytes;

        public Reassembly(ReassemblyLimits limits, DropCounter drops)
        {
            this.limits = limits ?? throw new ArgumentNullException(nameof(limits));
            this.drops = drops ?? throw new ArgumentNullException(nameof(drops));
        }

        /// <summary>Incomplete messages held now.</summary>
        public int PendingMessages => pending.Count;

        /// <summary>Bytes held now.</summary>
        public long PendingBytes => totalBytes;

        /// <summary>
        /// Adds one fragment (0-based <paramref name="sequence"/> of <paramref name="total"/>).
        /// Returns the whole message once its last missing fragment arrives, else null.
        /// </summary>
        public byte[]? Add(TSource source, uint messageId, int sequence, int total, byte[] chunk, DateTimeOffset now)
        {
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
                return chunk;
            }

            var key = (source, messageId);
            if (!pending.TryGetValue(key, out Pending? message))
            {
                SourceUse use = Use(source);
                if (use.Messages >= limits.MaxMessagesPerSource)
                {
                    drops.Add("ReassemblyLimit");
                    return null;
                }

                message = new Pending(total, now);
                pending.Add(key, message);
                use.Messages++;
            }
            else if (message.Total != total)
            {
                drops.Add("InconsistentFragment");
                return null;
            }

            if (message.Chunks[sequence] is not null)
            {
                drops.Add("DuplicateFragment");
                return null;
            }

            SourceUse owner = Use(source);
            if (owner.Bytes + chunk.Length > limits.MaxBytesPerSource || totalBytes + chunk.Length > limits.MaxBytesTotal)
            {
                drops.Add("ReassemblyLimit");
                Release(key, message);
                return null;
            }

            message.Chunks[sequence] = chunk;
            message.Received++;
            message.Bytes += chunk.Length;
            owner.Bytes += chunk.Length;
            totalBytes += chunk.Length;
            if (message.Received < total)
            {
                return null;
            }

            var whole = new byte[message.Bytes];
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

        private SourceUse Use(TSource source)
        {
            if (!bySource.TryGetValue(source, out SourceUse? use))
            {
                use = new SourceUse();
                bySource.Add(source, use);
            }

            return use;
        }


        private void Release((TSource Source, uint Id) key, Pending message)
        {
            pending.Remove(key);
            if (bySource.TryGetValue(key.Source, out SourceUse? use))
            {
                use.Messages--;
                use.Bytes -= message.Bytes;
                if (use.Messages <= 0)
                {
                    bySource.Remove(key.Source);
                }
            }

            totalBytes -= message.Bytes;
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

            public long Bytes { get; set; }
        }

        private sealed class SourceUse
        {
            public int Messages { get; set; }

            public long Bytes { get; set; }
        }
    }
}
