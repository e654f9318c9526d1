using System;
using System.Collections.Generic;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// <para>
    /// A member's view of the relay's stream of group datagrams, numbered R (docs/protocol.md,
    /// "Reliability"): which numbers it accepted, which are missing, when to ask the relay for them
    /// (NACK), and when to give them up. Datagrams are handed on strictly in R order: one accepted
    /// out of order waits in a hold buffer until every number below it was accepted or given up.
    /// </para>
    /// <para>
    /// The caller authenticates a datagram before <see cref="Accept"/>: only a datagram the relay
    /// signed may mark a number, move <see cref="Next"/> or widen the missing ranges.
    /// <see cref="IsDuplicate"/> answers before any cryptography. Pure: time comes in, NACK ranges
    /// and items in order come out. Every buffer is bounded: the window (numbers ahead of
    /// <see cref="Next"/>), the hold (datagrams and bytes), the record of losses. Not thread-safe.
    /// </para>
    /// </summary>
    /// <typeparam name="T">What a datagram leaves to handle in order (its records), as the caller keeps it.</typeparam>
    internal sealed class GroupStreamReceiver<T>
    {
        /// <summary>How many given-up ranges are remembered to say why a sender's fragments were lost.</summary>
        internal const int LossMemory = 1024;

        private readonly GroupStreamOptions options;
        private readonly Func<double> random;
        private readonly SortedDictionary<ulong, Held> hold = new SortedDictionary<ulong, Held>();
        private readonly List<MissingRange> missing = new List<MissingRange>();
        private readonly LinkedList<Loss> losses = new LinkedList<Loss>();
        private readonly Queue<KeyValuePair<ulong, T>> ready = new Queue<KeyValuePair<ulong, T>>();
        private ulong highest;

        /// <param name="options">The window, hold and timer settings (checked by the caller's options).</param>
        /// <param name="random">Uniform in [0, 1): the NACK delay's draw.</param>
        public GroupStreamReceiver(GroupStreamOptions options, Func<double> random)
        {
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            this.random = random ?? throw new ArgumentNullException(nameof(random));
        }

        /// <summary>True once <see cref="Start"/> gave the stream its first number.</summary>
        public bool Started { get; private set; }

        /// <summary>The lowest number neither accepted nor given up (meaningful once started).</summary>
        public ulong Next { get; private set; }

        /// <summary>The highest number accepted (Next - 1 when nothing is ahead).</summary>
        public ulong Highest => highest;

        /// <summary>Datagrams accepted out of order, waiting for the numbers below them.</summary>
        public int HeldCount => hold.Count;

        /// <summary>The bytes those datagrams keep.</summary>
        public long HeldBytes { get; private set; }

        /// <summary>Numbers missing now (below the highest accepted, neither accepted nor given up).</summary>
        public long MissingCount
        {
            get
            {
                long count = 0;
                foreach (MissingRange range in missing)
                {
                    count += (long)(range.End - range.First);
                }

                return count;
            }
        }

        /// <summary>Numbers given up for good (not repaired in time, unavailable, or dropped at a limit here).</summary>
        public long RepairsGivenUp { get; private set; }

        /// <summary>Missing numbers that arrived after all (a repair, or a datagram that came late: the bytes are the same).</summary>
        public long RepairsReceived { get; private set; }

        /// <summary>How many times the hold buffer was full and numbers below it were given up.</summary>
        public long HoldOverflows { get; private set; }

        /// <summary>Nacks built by <see cref="TakeNack"/>.</summary>
        public long NacksSent { get; private set; }

        /// <summary>
        /// Starts the stream at <paramref name="first"/>, accepted: the first datagram the member takes
        /// in a handshake (the Rekey with its entry). Its item is handed on at once.
        /// </summary>
        public void Start(ulong first, T item)
        {
            if (Started)
            {
                throw new InvalidOperationException("The stream has started already.");
            }

            Started = true;
            Next = first;
            highest = first == 0 ? 0 : first - 1;
            Deliver(first, item);
        }

        /// <summary>
        /// True for a number accepted already: below <see cref="Next"/>, or held. Asked before any
        /// cryptography: it is what a repair the member did not need, or a replay, costs. False
        /// before the stream starts.
        /// </summary>
        public bool IsDuplicate(ulong r) => Started && (r < Next || hold.ContainsKey(r));

        /// <summary>
        /// Accepts an authenticated datagram numbered <paramref name="r"/> (not a duplicate: see
        /// <see cref="IsDuplicate"/>) whose in-order part is <paramref name="item"/>, of
        /// <paramref name="bytes"/> bytes while held. Items that became next are ready for
        /// <see cref="TryTakeReady"/>.
        /// </summary>
        public void Accept(ulong r, T item, int bytes, DateTimeOffset now)
        {
            if (!Started)
            {
                throw new InvalidOperationException("The stream has not started.");
            }

            if (IsDuplicate(r))
            {
                throw new InvalidOperationException("A duplicate is refused before it is accepted.");
            }

            if (r > highest)
            {
                if (r > highest + 1)
                {
                    Notice(highest + 1, r, now);
                }

                // Everything up to r - 1 is now held, missing or passed; r itself is placed below.
                highest = r - 1;
            }
            else
            {
                RemoveMissing(r);
                RepairsReceived++;
            }

            // Too far ahead: what the window cannot hold any more is given up.
            if (r - Next >= (ulong)options.ReceiveWindow)
            {
                GiveUpBelow(r - (ulong)options.ReceiveWindow + 1, GapReasons.ReceiveWindow);
            }

            if (r == Next)
            {
                Deliver(r, item);
                Advance();
                return;
            }

            if (HoldFull(bytes))
            {
                HoldOverflows++;
            }

            while (HoldFull(bytes))
            {
                // Full: the missing numbers below the lowest held datagram (or below this one) are given up,
                // and what that makes next is handed on, until this one fits or is next itself.
                ulong lowest = hold.Count > 0 ? Math.Min(FirstHeld(), r) : r;
                GiveUpBelow(lowest, GapReasons.HoldFull);
                if (r == Next)
                {
                    Deliver(r, item);
                    Advance();
                    return;
                }
            }

            hold.Add(r, new Held(item, bytes));
            HeldBytes += bytes;
            if (r > highest)
            {
                highest = r;
            }
        }

        /// <summary>
        /// Gives up the missing numbers among <paramref name="count"/> from <paramref name="first"/>
        /// for <paramref name="reason"/> (a <see cref="GapReasons"/> sentence): the relay said it can no
        /// longer repair them. Numbers accepted, given up already, or not yet seen missing are left alone.
        /// </summary>
        public void GiveUp(ulong first, ulong count, string reason)
        {
            if (!Started || count == 0)
            {
                return;
            }

            ulong end = first + count < first ? ulong.MaxValue : first + count;
            end = Math.Min(end, highest + 1);
            ulong start = Math.Max(first, Next);
            if (start >= end)
            {
                return;
            }

            GiveUpRange(start, end, reason);
            Advance();
        }

        /// <summary>The next datagram's item in R order, with its number; false when none is ready.</summary>
        public bool TryTakeReady(out ulong r, out T item)
        {
            if (ready.Count == 0)
            {
                r = 0;
                item = default!;
                return false;
            }

            KeyValuePair<ulong, T> next = ready.Dequeue();
            r = next.Key;
            item = next.Value;
            return true;
        }

        /// <summary>Gives up every number missing <see cref="GroupStreamOptions.RepairTimeout"/> after it was first noticed.</summary>
        public void Expire(DateTimeOffset now)
        {
            bool any = false;
            for (int i = 0; i < missing.Count;)
            {
                MissingRange range = missing[i];
                if (now >= range.NoticedAt + options.RepairTimeout)
                {
                    RecordLoss(range.First, range.End, GapReasons.NotRepaired);
                    missing.RemoveAt(i);
                    any = true;
                }
                else
                {
                    i++;
                }
            }

            if (any)
            {
                Advance();
            }
        }

        /// <summary>
        /// The ranges to ask the relay for now, lowest first (at most 16, each at most 65,535 numbers,
        /// none touching another), each then waiting its retry interval (doubling per ask); null when
        /// no range is due. One call makes at most one Nack: the rest waits for the next call.
        /// </summary>
        public List<SecureSequenceRange>? TakeNack(DateTimeOffset now)
        {
            List<SecureSequenceRange>? ranges = null;
            for (int i = 0; i < missing.Count && (ranges is null || ranges.Count < SecureCodec.MaxNackRanges); i++)
            {
                MissingRange range = missing[i];
                if (range.DueAt > now)
                {
                    continue;
                }

                if ((ulong)(range.End - range.First) > SecureSequenceRange.MaxLength)
                {
                    // Asked in parts: the rest stays due, a range of its own.
                    var rest = new MissingRange(range.First + SecureSequenceRange.MaxLength, range.End, range.NoticedAt, range.DueAt, range.Retry, range.Asked);
                    range.End = range.First + SecureSequenceRange.MaxLength;
                    missing.Insert(i + 1, rest);
                }

                SecureSequenceRange? last = ranges is null ? null : ranges[ranges.Count - 1];
                if (last is not null && last.Value.First + (ulong)last.Value.Length == range.First)
                {
                    if (last.Value.Length + (long)(range.End - range.First) > SecureSequenceRange.MaxLength)
                    {
                        // Touching the previous range and too long to join it: next time.
                        continue;
                    }

                    ranges![ranges.Count - 1] = new SecureSequenceRange(last.Value.First, last.Value.Length + (int)(range.End - range.First));
                }
                else
                {
                    ranges ??= new List<SecureSequenceRange>();
                    ranges.Add(new SecureSequenceRange(range.First, (int)(range.End - range.First)));
                }

                TimeSpan wait = range.Retry;
                range.Retry = Min(TimeSpan.FromTicks(wait.Ticks * 2), options.NackRetryMax);
                range.DueAt = now + wait;
                range.Asked++;
            }

            if (ranges is not null)
            {
                NacksSent++;
            }

            return ranges;
        }

        /// <summary>When the stream next wants <see cref="TakeNack"/> or <see cref="Expire"/>: the earliest due ask or repair deadline; null when nothing is missing.</summary>
        public DateTimeOffset? NextDeadline
        {
            get
            {
                DateTimeOffset? earliest = null;
                foreach (MissingRange range in missing)
                {
                    DateTimeOffset at = range.DueAt < range.NoticedAt + options.RepairTimeout ? range.DueAt : range.NoticedAt + options.RepairTimeout;
                    if (earliest is null || at < earliest.Value)
                    {
                        earliest = at;
                    }
                }

                return earliest;
            }
        }

        /// <summary>
        /// Why numbers strictly between <paramref name="after"/> and <paramref name="before"/> were lost:
        /// the reason of the latest loss recorded among them (a <see cref="GapReasons"/> sentence); null
        /// when none is remembered there.
        /// </summary>
        public string? LossReason(ulong after, ulong before)
        {
            for (LinkedListNode<Loss>? node = losses.Last; node is not null; node = node.Previous)
            {
                Loss loss = node.Value;
                if (loss.First < before && loss.End > after + 1)
                {
                    return loss.Reason;
                }
            }

            return null;
        }

        /// <summary>The missing numbers now as (first, how many), lowest first, for tests and diagnostics.</summary>
        internal IReadOnlyList<KeyValuePair<ulong, ulong>> Missing
        {
            get
            {
                var list = new List<KeyValuePair<ulong, ulong>>();
                foreach (MissingRange range in missing)
                {
                    list.Add(new KeyValuePair<ulong, ulong>(range.First, range.End - range.First));
                }

                return list;
            }
        }

        private bool HoldFull(int bytes) => hold.Count >= options.HoldLimit || HeldBytes + bytes > options.HoldBytes;

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        /// <summary>Numbers [first, end) just seen missing: asked for together with every range noticed and not asked yet.</summary>
        private void Notice(ulong first, ulong end, DateTimeOffset now)
        {
            DateTimeOffset? due = null;
            foreach (MissingRange range in missing)
            {
                if (range.Asked == 0)
                {
                    due = range.DueAt;
                    break;
                }
            }

            if (due is null)
            {
                double draw = random();
                if (draw < 0 || draw >= 1 || double.IsNaN(draw))
                {
                    draw = 0;
                }

                due = now + TimeSpan.FromTicks((long)(options.NackDelay.Ticks * draw));
            }

            missing.Add(new MissingRange(first, end, now, due.Value, options.NackRetry, 0));
        }

        private void RemoveMissing(ulong r)
        {
            int i = FindMissing(r);
            if (i < 0)
            {
                return;
            }

            MissingRange range = missing[i];
            if (range.First == r && range.End == r + 1)
            {
                missing.RemoveAt(i);
            }
            else if (range.First == r)
            {
                range.First = r + 1;
            }
            else if (range.End == r + 1)
            {
                range.End = r;
            }
            else
            {
                var upper = new MissingRange(r + 1, range.End, range.NoticedAt, range.DueAt, range.Retry, range.Asked);
                range.End = r;
                missing.Insert(i + 1, upper);
            }
        }

        /// <summary>The index of the range holding <paramref name="r"/>; -1 when none does.</summary>
        private int FindMissing(ulong r)
        {
            int low = 0;
            int high = missing.Count - 1;
            while (low <= high)
            {
                int mid = (low + high) / 2;
                MissingRange range = missing[mid];
                if (r < range.First)
                {
                    high = mid - 1;
                }
                else if (r >= range.End)
                {
                    low = mid + 1;
                }
                else
                {
                    return mid;
                }
            }

            return -1;
        }

        private ulong FirstHeld()
        {
            foreach (ulong key in hold.Keys)
            {
                return key;
            }

            throw new InvalidOperationException("The hold is empty.");
        }

        /// <summary>Gives up every missing number below <paramref name="end"/>, then hands on what became next.</summary>
        private void GiveUpBelow(ulong end, string reason)
        {
            if (end > Next)
            {
                GiveUpRange(Next, Math.Min(end, highest + 1), reason);
            }

            Advance();
        }

        private void GiveUpRange(ulong first, ulong end, string reason)
        {
            for (int i = 0; i < missing.Count && missing[i].First < end;)
            {
                MissingRange range = missing[i];
                if (range.End <= first)
                {
                    i++;
                    continue;
                }

                ulong from = Math.Max(range.First, first);
                ulong to = Math.Min(range.End, end);
                RecordLoss(from, to, reason);
                if (from == range.First && to == range.End)
                {
                    missing.RemoveAt(i);
                }
                else if (from == range.First)
                {
                    range.First = to;
                    i++;
                }
                else if (to == range.End)
                {
                    range.End = from;
                    i++;
                }
                else
                {
                    var upper = new MissingRange(to, range.End, range.NoticedAt, range.DueAt, range.Retry, range.Asked);
                    range.End = from;
                    missing.Insert(i + 1, upper);
                    i += 2;
                }
            }
        }

        private void RecordLoss(ulong first, ulong end, string reason)
        {
            RepairsGivenUp += (long)(end - first);
            LinkedListNode<Loss>? last = losses.Last;
            if (last is not null && last.Value.End == first && string.Equals(last.Value.Reason, reason, StringComparison.Ordinal))
            {
                last.Value = new Loss(last.Value.First, end, reason);
                return;
            }

            losses.AddLast(new Loss(first, end, reason));
            if (losses.Count > LossMemory)
            {
                losses.RemoveFirst();
            }
        }

        /// <summary>Moves <see cref="Next"/> over every number held or given up, handing the held ones on in order.</summary>
        private void Advance()
        {
            while (Next <= highest)
            {
                if (hold.TryGetValue(Next, out Held? held))
                {
                    hold.Remove(Next);
                    HeldBytes -= held.Bytes;
                    Deliver(Next, held.Item);
                    continue;
                }

                if (missing.Count > 0 && missing[0].First <= Next)
                {
                    // Still missing: the stream waits here.
                    return;
                }

                // Given up: passed over.
                Next++;
            }
        }

        /// <summary>Hands on the item of <paramref name="r"/> (which is next) and moves past it.</summary>
        private void Deliver(ulong r, T item)
        {
            ready.Enqueue(new KeyValuePair<ulong, T>(r, item));
            if (r == Next)
            {
                Next = r + 1;
            }

            if (r > highest)
            {
                highest = r;
            }
        }

        private sealed class Held
        {
            public Held(T item, int bytes)
            {
                Item = item;
                Bytes = bytes;
            }

            public T Item { get; }

            public int Bytes { get; }
        }

        private readonly struct Loss
        {
            public Loss(ulong first, ulong end, string reason)
            {
                First = first;
                End = end;
                Reason = reason;
            }

            public ulong First { get; }

            public ulong End { get; }

            public string Reason { get; }
        }

        /// <summary>Numbers [First, End) missing, noticed at NoticedAt, to be asked for at DueAt.</summary>
        private sealed class MissingRange
        {
            public MissingRange(ulong first, ulong end, DateTimeOffset noticedAt, DateTimeOffset dueAt, TimeSpan retry, int asked)
            {
                First = first;
                End = end;
                NoticedAt = noticedAt;
                DueAt = dueAt;
                Retry = retry;
                Asked = asked;
            }

            public ulong First { get; set; }

            public ulong End { get; set; }

            public DateTimeOffset NoticedAt { get; }

            public DateTimeOffset DueAt { get; set; }

            /// <summary>The wait after the next ask.</summary>
            public TimeSpan Retry { get; set; }

            public int Asked { get; set; }
        }
    }
}
