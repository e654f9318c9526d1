using System;
using System.Collections.Generic;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// <para>
    /// Every other member's data stream as this member sees it in the relay's R order
    /// (docs/protocol.md, "Reliability", "Delivery"): the relay forwards each member's fragments in
    /// their Q order, so they arrive here one message at a time per sender, and reassembly is
    /// sequential. Per sender it keeps the next Q expected; a Data or Ack record of that sender with a
    /// higher Q means fragments lost for good (given up by the stream, refused by the relay), reported
    /// as one Gap: how many fragments, how many messages they touched, why.
    /// </para>
    /// <para>
    /// Bounds: MaxMessageBytes per message, ReassemblyBytes in all senders together, and at most
    /// MaxSenders senders tracked; past each, a counted drop and (for a message) a Gap. Fed only
    /// with records the relay signed, in R order. Pure. Not thread-safe.
    /// </para>
    /// </summary>
    internal sealed class SenderStreams
    {
        private readonly long maxMessageBytes;
        private readonly long maxReassemblyBytes;
        private readonly int maxSenders;
        private readonly DropCounter drops;
        private readonly Dictionary<uint, Sender> senders = new Dictionary<uint, Sender>();

        /// <param name="maxMessageBytes">The longest message taken (its content as the fragments carry it).</param>
        /// <param name="maxReassemblyBytes">The most bytes of messages being assembled, all senders together.</param>
        /// <param name="maxSenders">The most senders tracked at once.</param>
        /// <param name="drops">Where what is not used is counted.</param>
        public SenderStreams(long maxMessageBytes, long maxReassemblyBytes, int maxSenders, DropCounter drops)
        {
            this.maxMessageBytes = maxMessageBytes;
            this.maxReassemblyBytes = maxReassemblyBytes;
            this.maxSenders = maxSenders;
            this.drops = drops ?? throw new ArgumentNullException(nameof(drops));
        }

        /// <summary>Bytes of messages being assembled now, all senders together.</summary>
        public long ReassemblyBytes { get; private set; }

        /// <summary>Gaps reported.</summary>
        public long Gaps { get; private set; }

        /// <summary>Fragments those gaps lost.</summary>
        public long LostFragments { get; private set; }

        /// <summary>Senders tracked now.</summary>
        public int SendersTracked => senders.Count;

        /// <summary>
        /// A Data record, handled in R order at <paramref name="r"/>. <paramref name="lossReason"/>
        /// says why numbers strictly between two R were lost (null when nothing is known there).
        /// </summary>
        public void OnData(ulong r, SecureFragment fragment, Func<ulong, ulong, string?> lossReason, List<SenderStreamEvent> events)
        {
            if (fragment is null)
            {
                throw new ArgumentNullException(nameof(fragment));
            }

            Sender? sender = Get(fragment.SenderId);
            if (sender is null)
            {
                return;
            }

            ulong q = fragment.Sequence;
            bool lossBefore = false;
            if (sender.ExpectedQ is ulong expected)
            {
                if (q < expected)
                {
                    // The relay forwards each Q once: this can only be a relay's mistake.
                    drops.Add("StaleFragment");
                    return;
                }

                if (q > expected)
                {
                    Jump(sender, r, q - expected, fragment, lossReason, events);
                    lossBefore = true;
                }
                else if (sender.Reported is not null)
                {
                    Supplement(sender, fragment, events);
                }
            }
            else if (q != 0 && lossReason(sender.LastR, r) is string reason)
            {
                // Q 0 is the first fragment a member ever sends in its handshake: nothing of its
                // stream came before it, so nothing given up can have held any of it.
                UnknownLoss(sender, reason, events);
                lossBefore = true;
            }

            sender.ExpectedQ = q + 1;
            sender.LastR = r;
            sender.Refused = null;
            Place(sender, fragment, lossBefore, events);
        }

        /// <summary>An Ack record of another member, handled in R order: every fragment of it below <paramref name="nextQ"/> went through the relay.</summary>
        public void OnAck(ulong r, uint senderId, ulong nextQ, Func<ulong, ulong, string?> lossReason, List<SenderStreamEvent> events)
        {
            Sender? sender = Get(senderId);
            if (sender is null)
            {
                return;
            }

            if (sender.ExpectedQ is ulong expected && nextQ > expected)
            {
                Jump(sender, r, nextQ - expected, null, lossReason, events);
                sender.LossPending = true;
            }
            else if (sender.ExpectedQ is null && lossReason(sender.LastR, r) is string reason)
            {
                UnknownLoss(sender, reason, events);
                sender.LossPending = true;
            }

            if (sender.ExpectedQ is null || nextQ > sender.ExpectedQ.Value)
            {
                sender.ExpectedQ = nextQ;
            }

            sender.LastR = r;
        }

        /// <summary>
        /// A Refused record of another member, in R order: the message is lost for every member, reported
        /// at once as a Gap (its fragment count is not known here). The Q numbers it consumed, which the
        /// sender's next records skip, are that message's: they are counted, not reported again.
        /// </summary>
        public void OnRefused(uint senderId, ulong messageId, List<SenderStreamEvent> events)
        {
            Sender? sender = Get(senderId);
            if (sender is null || sender.Refused == messageId)
            {
                return;
            }

            sender.Refused = messageId;
            sender.LossPending = true;
            Gaps++;
            events.Add(SenderStreamEvent.Gap(sender.Id, 0, 1, messageId, GapReasons.Refused));
        }

        /// <summary>The R of the first datagram of this member's stream: a sender first seen later may have lost something given up since.</summary>
        public ulong StreamStart { get; set; }

        /// <summary>
        /// The sender joined (its Joined record, in R order, after this member's stream began): its data
        /// stream starts at Q 0, so even a loss of its very first fragments shows.
        /// </summary>
        public void OnJoined(ulong r, uint senderId)
        {
            Sender? sender = Get(senderId);
            if (sender is not null && sender.ExpectedQ is null)
            {
                sender.ExpectedQ = 0;
                sender.LastR = r;
            }
        }

        /// <summary>The sender left: its message being assembled, if any, is dropped (IncompleteMessage; not a gap).</summary>
        public void Forget(uint senderId)
        {
            if (senders.TryGetValue(senderId, out Sender? sender))
            {
                Discard(sender, "IncompleteMessage");
                senders.Remove(senderId);
            }
        }

        /// <summary>Forgets every sender (a new handshake): messages being assembled are dropped (IncompleteMessage).</summary>
        public void Clear()
        {
            foreach (Sender sender in senders.Values)
            {
                Discard(sender, "IncompleteMessage");
            }

            senders.Clear();
            ReassemblyBytes = 0;
        }

        private Sender? Get(uint id)
        {
            if (senders.TryGetValue(id, out Sender? sender))
            {
                return sender;
            }

            if (senders.Count >= maxSenders)
            {
                drops.Add("TooManyMembers");
                return null;
            }

            sender = new Sender(id) { LastR = StreamStart };
            senders.Add(id, sender);
            return sender;
        }

        /// <summary>
        /// The sender's next Q is <paramref name="lost"/> past the one expected: the relay refused them (a
        /// Refused record reported that already), or they were lost.
        /// </summary>
        private void Jump(Sender sender, ulong r, ulong lost, SecureFragment? next, Func<ulong, ulong, string?> lossReason, List<SenderStreamEvent> events)
        {
            if (sender.Refused is not null && sender.Assembly is null && lossReason(sender.LastR, r) is null)
            {
                LostFragments += lost > long.MaxValue ? long.MaxValue : (long)lost;
                return;
            }

            ReportLoss(sender, r, lost, next, lossReason, events);
        }

        /// <summary>
        /// A sender seen for the first time after numbers were given up: whether they carried its
        /// fragments cannot be known (its Q before was never seen), so the Gap says so, with no counts.
        /// </summary>
        private void UnknownLoss(Sender sender, string reason, List<SenderStreamEvent> events)
        {
            Gaps++;
            events.Add(SenderStreamEvent.Gap(sender.Id, 0, 0, null, reason));
        }

        /// <summary>
        /// Fragments [expectedQ, expectedQ + <paramref name="lost"/>) of a sender will never come. The
        /// message being assembled goes; one Gap names the messages touched that no Gap named before,
        /// and why. Message ids grow by one per message of a sender, so the messages touched run from
        /// the one after the last accounted for (delivered, reported, or being skipped) to the next
        /// fragment's own message (when it does not start it) or the one before. Seen in an Ack (no next
        /// fragment), the Gap names the first message touched; the sender's next Data tells how many
        /// more there were (<see cref="Supplement"/>).
        /// </summary>
        private void ReportLoss(Sender sender, ulong r, ulong lost, SecureFragment? next, Func<ulong, ulong, string?> lossReason, List<SenderStreamEvent> events)
        {
            long fragments = lost > long.MaxValue ? long.MaxValue : (long)lost;
            LostFragments += fragments;
            string reason = lossReason(sender.LastR, r) ?? GapReasons.NotRepaired;
            Assembly? discarded = sender.Assembly;
            if (discarded is not null)
            {
                ReassemblyBytes -= discarded.Bytes;
                sender.Assembly = null;
            }

            // The message the lost fragments may continue, already accounted for, and how many of its fragments were still to come.
            ulong? accounted = sender.LastMessageId;
            long rest = 0;
            if (discarded is null && sender.SkippingId is ulong skipping)
            {
                rest = sender.SkippingRemaining;
            }
            else if (discarded is null && sender.Reported is not null)
            {
                rest = long.MaxValue;
            }

            ulong? first = discarded?.Id ?? (accounted is ulong last ? unchecked(last + 1) : (ulong?)null);
            if (next is not null)
            {
                // Fragments of an earlier loss seen in an Ack may have held the first messages named here.
                long carry = sender.Reported?.Spare ?? 0;
                sender.Reported = null;
                long messages;
                if (first is ulong from)
                {
                    ulong to = next.Index > 0 ? next.MessageId : unchecked(next.MessageId - 1);
                    long span = unchecked((long)(to - from));
                    messages = span < -1 || span == long.MaxValue ? 1 : span + 1;
                }
                else
                {
                    // Nothing of this sender was seen before: the messages before the next fragment's are unknown.
                    messages = next.Index > 0 ? 1 : 0;
                    first = next.Index > 0 ? next.MessageId : (ulong?)null;
                }

                if (messages <= 0 && discarded is null && first is not null)
                {
                    // Only the rest of a message already reported (or being skipped): counted, nothing new to name.
                    return;
                }

                Emit(sender, fragments, Math.Max(1, Math.Min(messages, fragments + carry)), first, reason, events);
                return;
            }

            // Seen in an Ack.
            if (discarded is null && lost <= (ulong)rest)
            {
                if (sender.Reported is ReportedLoss pending)
                {
                    // More of a loss already reported, whose extent the next Data will tell.
                    sender.Reported = new ReportedLoss(pending.Through, pending.Spare + fragments, pending.Reason);
                }
                else
                {
                    // The rest of the message being skipped, reported already.
                    sender.SkippingRemaining -= fragments;
                }

                return;
            }

            long spare = discarded is not null
                ? fragments - (discarded.Count - discarded.NextIndex)
                : fragments - rest - 1;
            if (discarded is null && sender.SkippingId is not null)
            {
                sender.SkippingId = null;
            }

            Emit(sender, fragments, 1, first, reason, events);
            if (first is ulong known)
            {
                sender.LastMessageId = known;
                sender.Reported = new ReportedLoss(known, Math.Max(0, spare), reason);
            }
        }

        private void Emit(Sender sender, long fragments, long messages, ulong? first, string reason, List<SenderStreamEvent> events)
        {
            Gaps++;
            events.Add(SenderStreamEvent.Gap(sender.Id, fragments, messages, first, reason));
        }

        /// <summary>
        /// The first Data after a loss seen in an Ack: if its message id shows more messages touched than
        /// the Gap said, one more Gap names them (its fragments were counted with the first).
        /// </summary>
        private void Supplement(Sender sender, SecureFragment next, List<SenderStreamEvent> events)
        {
            ReportedLoss reported = sender.Reported!;
            sender.Reported = null;
            ulong from = unchecked(reported.Through + 1);
            ulong to = next.Index > 0 ? next.MessageId : unchecked(next.MessageId - 1);
            long extra = unchecked((long)(to - from)) + 1;
            if (extra < 1 || extra > reported.Spare)
            {
                return;
            }

            Emit(sender, 0, extra, from, reported.Reason, events);
        }

        private void Place(Sender sender, SecureFragment fragment, bool lossBefore, List<SenderStreamEvent> events)
        {
            Assembly? assembly = sender.Assembly;
            if (assembly is not null)
            {
                if (fragment.MessageId == assembly.Id && fragment.Index == assembly.NextIndex && fragment.Count == assembly.Count && fragment.ContentType == assembly.ContentType)
                {
                    Append(sender, assembly, fragment, events);
                    return;
                }

                // One message at a time per sender, in order: anything else means the message cannot be whole.
                drops.Add("InconsistentFragment");
                Discard(sender, null);
                Gaps++;
                LostFragments += assembly.Count;
                events.Add(SenderStreamEvent.Gap(sender.Id, assembly.Count, 1, assembly.Id, GapReasons.Inconsistent));

                // The loss is reported: a fragment that does not start a message is skipped, not a mid-message join.
                lossBefore = true;
            }

            sender.LastMessageId = fragment.MessageId;
            if (fragment.Index > 0)
            {
                sender.SkippingRemaining = fragment.Count - fragment.Index - 1;
                if (sender.SkippingId != fragment.MessageId)
                {
                    sender.SkippingId = fragment.MessageId;
                    if (!lossBefore && !sender.LossPending)
                    {
                        // This member came in while the sender was in the middle of a message: not a loss.
                        drops.Add("JoinedMidMessage");
                    }
                }

                sender.LossPending = false;
                return;
            }

            sender.SkippingId = null;
            sender.LossPending = false;
            var started = new Assembly(fragment.MessageId, fragment.Count, fragment.ContentType);
            sender.Assembly = started;
            Append(sender, started, fragment, events);
        }

        private void Append(Sender sender, Assembly assembly, SecureFragment fragment, List<SenderStreamEvent> events)
        {
            int length = fragment.PayloadLength;
            string? limit = assembly.Bytes + length > maxMessageBytes ? "MessageTooLarge"
                : ReassemblyBytes + length > maxReassemblyBytes ? "ReassemblyLimit"
                : null;
            if (limit is not null)
            {
                drops.Add(limit);
                Discard(sender, null);
                sender.SkippingId = assembly.Count > fragment.Index + 1 ? assembly.Id : (ulong?)null;
                sender.SkippingRemaining = assembly.Count - fragment.Index - 1;
                Gaps++;
                LostFragments += assembly.Count;
                events.Add(SenderStreamEvent.Gap(sender.Id, assembly.Count, 1, assembly.Id, limit == "MessageTooLarge" ? GapReasons.MessageTooLarge : GapReasons.ReassemblyLimit));
                return;
            }

            assembly.Parts.Add(fragment.Payload);
            assembly.Bytes += length;
            assembly.NextIndex++;
            ReassemblyBytes += length;
            if (assembly.NextIndex < assembly.Count)
            {
                return;
            }

            sender.Assembly = null;
            ReassemblyBytes -= assembly.Bytes;
            byte[] whole;
            if (assembly.Parts.Count == 1)
            {
                // A message of one fragment: its payload, already an array of its own, is the message.
                whole = assembly.Parts[0];
            }
            else
            {
                whole = new byte[assembly.Bytes];
                int at = 0;
                foreach (byte[] part in assembly.Parts)
                {
                    Buffer.BlockCopy(part, 0, whole, at, part.Length);
                    at += part.Length;
                }
            }

            if (!SecureContent.TryDecode(assembly.ContentType, whole, out MessageContent? content, out string? dropReason, out string? gapReason))
            {
                drops.Add(dropReason!);
                Gaps++;
                LostFragments += assembly.Count;
                events.Add(SenderStreamEvent.Gap(sender.Id, assembly.Count, 1, assembly.Id, gapReason!));
                return;
            }

            events.Add(SenderStreamEvent.Message(sender.Id, assembly.Id, content!));
        }

        /// <summary>Drops the sender's message being assembled, counted under <paramref name="reason"/> when given.</summary>
        private void Discard(Sender sender, string? reason)
        {
            if (sender.Assembly is null)
            {
                return;
            }

            ReassemblyBytes -= sender.Assembly.Bytes;
            sender.Assembly = null;
            if (reason is not null)
            {
                drops.Add(reason);
            }
        }

        private sealed class Sender
        {
            public Sender(uint id)
            {
                Id = id;
            }

            public uint Id { get; }

            /// <summary>The Q of the sender's next fragment; null until its first Data or Ack record.</summary>
            public ulong? ExpectedQ { get; set; }

            /// <summary>The R of the sender's last Data or Ack record.</summary>
            public ulong LastR { get; set; }

            public Assembly? Assembly { get; set; }

            /// <summary>A message whose later fragments are skipped (its start was missed or lost).</summary>
            public ulong? SkippingId { get; set; }

            /// <summary>How many fragments of the message skipped were still to come after the last seen.</summary>
            public long SkippingRemaining { get; set; }

            /// <summary>An Ack showed a loss: a message already under way is the loss's, not a mid-message join.</summary>
            public bool LossPending { get; set; }

            /// <summary>The id of the last message whose fragment was seen.</summary>
            public ulong? LastMessageId { get; set; }

            /// <summary>A loss seen in an Ack, until the sender's next Data: the last message id its Gap named.</summary>
            public ReportedLoss? Reported { get; set; }

            /// <summary>The last message of this sender the relay refused, until its next Data record: the Q numbers skipped meanwhile are that message's.</summary>
            public ulong? Refused { get; set; }
        }

        private sealed class ReportedLoss
        {
            public ReportedLoss(ulong through, long spare, string reason)
            {
                Through = through;
                Spare = spare;
                Reason = reason;
            }

            /// <summary>The last message id the Gap named.</summary>
            public ulong Through { get; }

            /// <summary>Lost fragments beyond one per message named: the most further messages they can have held.</summary>
            public long Spare { get; }

            public string Reason { get; }
        }

        private sealed class Assembly
        {
            public Assembly(ulong id, int count, byte contentType)
            {
                Id = id;
                Count = count;
                ContentType = contentType;
            }

            public ulong Id { get; }

            public int Count { get; }

            public byte ContentType { get; }

            public int NextIndex { get; set; }

            public long Bytes { get; set; }

            public List<byte[]> Parts { get; } = new List<byte[]>();
        }
    }
}
