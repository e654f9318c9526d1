using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// Counts what a protocol dropped, by reason: every datagram or message that is not used leaves a
    /// trace here. Thread-safe; reasons are short PascalCase names (NotForUs, UnregisteredSender, ...).
    /// </summary>
    public sealed class DropCounter
    {
        private readonly ConcurrentDictionary<string, StrongBox> counts = new ConcurrentDictionary<string, StrongBox>();

        /// <summary>Counts one drop for <paramref name="reason"/>.</summary>
        public void Add(string reason) => Add(reason, 1);

        public void Add(string reason, long count)
        {
            StrongBox box = counts.GetOrAdd(reason, _ => new StrongBox());
            Interlocked.Add(ref box.Value, count);
        }

        /// <summary>The count for one reason (0 when never counted).</summary>
        public long this[string reason] => counts.TryGetValue(reason, out StrongBox? box) ? Interlocked.Read(ref box.Value) : 0;

        /// <summary>All drops together.</summary>
        public long Total => counts.Values.Sum(b => Interlocked.Read(ref b.Value));

        /// <summary>A copy of the counts, sorted by reason.</summary>
        public IReadOnlyDictionary<string, long> Snapshot() =>
            new SortedDictionary<string, long>(counts.ToDictionary(p => p.Key, p => Interlocked.Read(ref p.Value.Value)));

        public override string ToString() => string.Join(", ", Snapshot().Select(p => p.Key + "=" + p.Value));

        private sealed class StrongBox
        {
            public long Value;
        }
    }
}
