using System;
using System.Collections.Generic;
using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// <para>
    /// A member's outgoing data stream to the relay (docs/protocol.md, "Reliability"): messages
    /// queue (bounded in messages and bytes), their fragments go out oldest first while fewer than
    /// <see cref="SendWindowOptions.Window"/> wait for the relay's acknowledgement, each numbered Q
    /// from 0 per handshake. The relay acknowledges cumulatively (an Ack names the next Q it lacks).
    /// </para>
    /// <para>
    /// The retransmission time-out follows RFC 6298 (SRTT, RTTVAR; samples only from fragments sent
    /// once, Karn's rule), clamped to [MinRetransmit, MaxRetransmit]. Time runs from when a sending
    /// left for the network (its <see cref="DatagramDeparture"/>), not from when it was queued: a
    /// window of fragments may wait in a paced send queue longer than the time-out. The oldest
    /// fragment not acknowledged, unacknowledged one RTO after its last sending, goes again and its
    /// own time-out doubles; the fragments after it wait, since the relay holds what came after a
    /// loss and its next Ack names what is still missing (RFC 6298, 5.4). An Ack that does not move
    /// while later fragments wait resends the first missing one at once (fast retransmit), once per
    /// loss: not again until the Ack moves or the fragment times out (RFC 5681, 3.2), as the relay
    /// repeats its Acks (heartbeats, answers to duplicates). A fragment unacknowledged AckTimeout
    /// after it was first queued fails every message from its own on: the relay is gone, and the
    /// stream cannot skip a number.
    /// </para>
    /// <para>Pure: time in, fragments to send and outcomes out. Not thread-safe.</para>
    /// </summary>
    internal sealed class SendWindow
    {
        private readonly SendWindowOptions options;
        private readonly LinkedList<Message> messages = new LinkedList<Message>();
        private readonly Dictionary<ulong, Message> byId = new Dictionary<ulong, Message>();
        private readonly List<InFlight> inFlight = new List<InFlight>();

        // The Q sent again on an Ack that did not move, until the Ack moves or that fragment times out.
        private ulong? fastRetransmitted;

        // The time of the last step that looked at the window: a fragment not yet left by then leaves
        // later, so its time-out cannot end before this plus its time-out.
        private DateTimeOffset lastSeen = DateTimeOffset.MinValue;

        public SendWindow(SendWindowOptions options)
        {
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            Retransmit = options.InitialRetransmit;
        }

        /// <summary>The next Q to give a new fragment: how many fragments went out at least once.</summary>
        public ulong NextSequence { get; private set; }

        /// <summary>The lowest Q not yet acknowledged.</summary>
        public ulong Acknowledged { get; private set; }

        /// <summary>Fragments sent and not yet acknowledged.</summary>
        public int FragmentsInFlight => inFlight.Count;

        /// <summary>Messages queued or waiting for their acknowledgement.</summary>
        public int BufferedMessages => messages.Count;

        /// <summary>Their content bytes.</summary>
        public long BufferedBytes { get; private set; }

        /// <summary>The smoothed round-trip time; null before the first sample.</summary>
        public TimeSpan? SmoothedRoundTrip { get; private set; }

        /// <summary>The round-trip time's variation (RTTVAR).</summary>
        public TimeSpan RoundTripVariation { get; private set; }

        /// <summary>The retransmission time-out a fragment starts with.</summary>
        public TimeSpan Retransmit { get; private set; }

        /// <summary>Fragments sent again (time-outs and fast retransmits).</summary>
        public long Retransmissions { get; private set; }

        /// <summary>Of those, sent again on an Ack that did not move.</summary>
        public long FastRetransmissions { get; private set; }

        /// <summary>Messages whose every fragment the relay acknowledged (refused ones excluded).</summary>
        public long MessagesAcknowledged { get; private set; }

        /// <summary>Messages that failed, for any reason.</summary>
        public long MessagesFailed { get; private set; }

        /// <summary>
        /// When the oldest fragment in flight waits for a time-out: its retransmission (while it waits to
        /// leave, no sooner than its time-out after the last step) or acknowledgement deadline,
        /// whichever is first; null when nothing is in flight.
        /// </summary>
        public DateTimeOffset? NextDeadline
        {
            get
            {
                if (inFlight.Count == 0)
                {
                    return null;
                }

                InFlight oldest = inFlight[0];
                DateTimeOffset acknowledgement = oldest.FirstSent + options.AckTimeout;
                DateTimeOffset retransmission = (oldest.LastSent ?? lastSeen) + oldest.Timeout;
                return retransmission < acknowledgement ? retransmission : acknowledgement;
            }
        }

        /// <summary>
        /// Queues a message: <paramref name="content"/> (as it goes on the wire, at least one byte; not
        /// copied) cut into fragments of <paramref name="fragmentCapacity"/> bytes. Throws
        /// SendBufferFullException (an InvalidOperationException) when the buffer is full (one message
        /// alone is always taken).
        /// Its fragments go out at the next <see cref="Poll"/>.
        /// </summary>
        /// <returns>How many fragments carry it.</returns>
        public int Enqueue(ulong messageId, byte contentType, byte[] content, int fragmentCapacity)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            if (content.Length < 1)
            {
                throw new ArgumentException("A message carries at least one byte.", nameof(content));
            }

            if (fragmentCapacity < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(fragmentCapacity), fragmentCapacity, "A fragment carries at least one byte.");
            }

            if (byId.ContainsKey(messageId))
            {
                throw new InvalidOperationException("A message with this id is queued already.");
            }

            if (messages.Count >= options.BufferMessages || (messages.Count > 0 && BufferedBytes + content.Length > options.BufferBytes))
            {
                throw new SendBufferFullException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The send buffer is full ({0} messages, {1} bytes waiting for the relay).",
                    messages.Count,
                    BufferedBytes));
            }

            int count = (int)(((long)content.Length + fragmentCapacity - 1) / fragmentCapacity);
            var message = new Message(messageId, contentType, content, fragmentCapacity, count);
            message.Node = messages.AddLast(message);
            byId.Add(messageId, message);
            BufferedBytes += content.Length;
            return count;
        }

        /// <summary>
        /// Does what time asks: fails everything when the oldest fragment waited AckTimeout (true: the
        /// relay is lost), else resends fragments whose time-out passed and sends new fragments while
        /// the window has room.
        /// </summary>
        public bool Poll(DateTimeOffset now, List<OutgoingFragment> send, List<SendOutcome> outcomes)
        {
            Seen(now);
            if (inFlight.Count > 0 && now >= inFlight[0].FirstSent + options.AckTimeout)
            {
                FailAll(MessageFailureReasons.NotAcknowledged(options.AckTimeout), outcomes);
                return true;
            }

            ResendIfTimedOut(now, send);
            SendNew(now, send, outcomes);
            return false;
        }

        /// <summary>
        /// The relay's Ack for this member: it holds every fragment below <paramref name="nextSequence"/>.
        /// False when the Ack names a fragment never sent (MalformedRecord). An older Ack than one seen
        /// changes nothing.
        /// </summary>
        public bool OnAck(ulong nextSequence, DateTimeOffset now, List<OutgoingFragment> send, List<SendOutcome> outcomes)
        {
            Seen(now);
            if (nextSequence > NextSequence)
            {
                return false;
            }

            if (nextSequence < Acknowledged)
            {
                return true;
            }

            if (nextSequence == Acknowledged)
            {
                // The relay still lacks this fragment while it holds later ones: send it now, once for this loss.
                // One that has not left yet (it waits in the send queue) is not missing.
                if (inFlight.Count > 1)
                {
                    InFlight oldest = inFlight[0];
                    if (fastRetransmitted != oldest.Sequence && oldest.LastSent is not null)
                    {
                        fastRetransmitted = oldest.Sequence;
                        FastRetransmissions++;
                        Resend(oldest, send);
                    }
                }

                return true;
            }

            int acknowledged = (int)(nextSequence - Acknowledged);
            InFlight newest = inFlight[acknowledged - 1];
            bool sentOnce = true;
            for (int i = 0; i < acknowledged; i++)
            {
                sentOnce &= inFlight[i].Sends == 1;
            }

            if (sentOnce && newest.LastSent is DateTimeOffset left)
            {
                Sample(now - left);
            }

            for (int i = 0; i < acknowledged; i++)
            {
                Message message = inFlight[i].Message;
                message.FragmentsAcknowledged++;
                if (message.Done)
                {
                    Remove(message);
                    if (!message.Failed)
                    {
                        MessagesAcknowledged++;
                        outcomes.Add(new SendOutcome(MemberEventKind.MessageAcknowledged, message.Id));
                    }
                }
            }

            inFlight.RemoveRange(0, acknowledged);
            Acknowledged = nextSequence;
            fastRetransmitted = null;

            // The fragment the relay now waits for went out before those just acknowledged: lost too, if its time is up.
            ResendIfTimedOut(now, send);
            SendNew(now, send, outcomes);
            return true;
        }

        /// <summary>
        /// The relay refused a message of this member's: it fails now; the fragments not sent yet never
        /// go, those sent are still acknowledged. Unknown or finished ids change nothing.
        /// </summary>
        public void OnRefused(ulong messageId, SecureRefusedReason reason, List<SendOutcome> outcomes)
        {
            if (!byId.TryGetValue(messageId, out Message? message) || message.Failed)
            {
                return;
            }

            Fail(message, MessageFailureReasons.Refused(reason), outcomes);
            message.Count = message.FragmentsSent;
            if (message.Done)
            {
                Remove(message);
            }
        }

        /// <summary>Fails every message queued or in flight for <paramref name="reason"/> and forgets them (a new handshake, a Leave).</summary>
        public void FailAll(string reason, List<SendOutcome> outcomes)
        {
            foreach (Message message in messages)
            {
                if (!message.Failed)
                {
                    Fail(message, reason, outcomes);
                }
            }

            messages.Clear();
            byId.Clear();
            inFlight.Clear();
            BufferedBytes = 0;
        }

        /// <summary>How far a message has gone; null once acknowledged, failed, or unknown.</summary>
        public SendProgress? GetProgress(ulong messageId)
        {
            if (!byId.TryGetValue(messageId, out Message? message) || message.Failed)
            {
                return null;
            }

            return new SendProgress(
                messageId.ToString("x16", CultureInfo.InvariantCulture),
                message.Count,
                message.FragmentsSent,
                message.FragmentsAcknowledged,
                message.Content.Length);
        }

        private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

        private static TimeSpan Double(TimeSpan value) => value.Ticks > long.MaxValue / 2 ? TimeSpan.MaxValue : TimeSpan.FromTicks(value.Ticks * 2);

        /// <summary>RFC 6298, 2.2 and 2.3: the first sample sets SRTT and RTTVAR; later ones smooth them (alpha 1/8, beta 1/4).</summary>
        private void Sample(TimeSpan roundTrip)
        {
            if (roundTrip < TimeSpan.Zero)
            {
                return;
            }

            if (SmoothedRoundTrip is null)
            {
                SmoothedRoundTrip = roundTrip;
                RoundTripVariation = TimeSpan.FromTicks(roundTrip.Ticks / 2);
            }
            else
            {
                long srtt = SmoothedRoundTrip.Value.Ticks;
                RoundTripVariation = TimeSpan.FromTicks(((3 * RoundTripVariation.Ticks) + Math.Abs(srtt - roundTrip.Ticks)) / 4);
                SmoothedRoundTrip = TimeSpan.FromTicks(((7 * srtt) + roundTrip.Ticks) / 8);
            }

            TimeSpan rto = SmoothedRoundTrip.Value + TimeSpan.FromTicks(4 * RoundTripVariation.Ticks);
            Retransmit = Min(Max(rto, options.MinRetransmit), options.MaxRetransmit);
        }

        private void Seen(DateTimeOffset now)
        {
            if (now > lastSeen)
            {
                lastSeen = now;
            }
        }

        /// <summary>Sends the oldest fragment in flight again when its time-out, from when it last left, has passed; its time-out doubles.</summary>
        private void ResendIfTimedOut(DateTimeOffset now, List<OutgoingFragment> send)
        {
            if (inFlight.Count == 0)
            {
                return;
            }

            InFlight oldest = inFlight[0];
            if (oldest.LastSent is DateTimeOffset left && now >= left + oldest.Timeout)
            {
                oldest.Timeout = Min(Double(oldest.Timeout), options.MaxRetransmit);
                if (fastRetransmitted == oldest.Sequence)
                {
                    // A new loss of the same fragment: the next Ack that does not move may send it again at once.
                    fastRetransmitted = null;
                }

                Resend(oldest, send);
            }
        }

        private void SendNew(DateTimeOffset now, List<OutgoingFragment> send, List<SendOutcome> outcomes)
        {
            for (LinkedListNode<Message>? node = messages.First; node is not null && inFlight.Count < options.Window; node = node.Next)
            {
                Message message = node.Value;
                while (message.FragmentsSent < message.Count && inFlight.Count < options.Window)
                {
                    int index = message.FragmentsSent++;
                    var fragment = new InFlight(message, index, NextSequence++, now, Retransmit);
                    inFlight.Add(fragment);
                    send.Add(fragment.ToOutgoing(retransmission: false));
                    if (message.FragmentsSent == message.Count)
                    {
                        outcomes.Add(new SendOutcome(MemberEventKind.MessageSent, message.Id));
                    }
                }
            }
        }

        private void Resend(InFlight fragment, List<OutgoingFragment> send)
        {
            fragment.Sends++;
            Retransmissions++;
            send.Add(fragment.ToOutgoing(retransmission: true));
        }

        private void Fail(Message message, string reason, List<SendOutcome> outcomes)
        {
            message.Failed = true;
            MessagesFailed++;
            outcomes.Add(new SendOutcome(MemberEventKind.MessageFailed, message.Id, reason));
        }

        private void Remove(Message message)
        {
            messages.Remove(message.Node!);
            byId.Remove(message.Id);
            BufferedBytes -= message.Content.Length;
        }

        private sealed class Message
        {
            public Message(ulong id, byte contentType, byte[] content, int fragmentCapacity, int count)
            {
                Id = id;
                ContentType = contentType;
                Content = content;
                FragmentCapacity = fragmentCapacity;
                Count = count;
                Fragments = count;
            }

            public ulong Id { get; }

            public byte ContentType { get; }

            public byte[] Content { get; }

            public int FragmentCapacity { get; }

            /// <summary>The fragments the message has on the wire (its count field).</summary>
            public int Fragments { get; }

            /// <summary>The fragments that will go: all, or those sent before the relay refused it.</summary>
            public int Count { get; set; }

            public int FragmentsSent { get; set; }

            public int FragmentsAcknowledged { get; set; }

            public bool Failed { get; set; }

            public bool Done => FragmentsAcknowledged >= Count;

            public LinkedListNode<Message>? Node { get; set; }
        }

        private sealed class InFlight
        {
            private DatagramDeparture? departure;

            public InFlight(Message message, int index, ulong sequence, DateTimeOffset now, TimeSpan timeout)
            {
                Message = message;
                Index = index;
                Sequence = sequence;
                FirstSent = now;
                Timeout = timeout;
                Sends = 1;
            }

            public Message Message { get; }

            public int Index { get; }

            public ulong Sequence { get; }

            /// <summary>When the fragment was first queued to go (the acknowledgement deadline runs from then).</summary>
            public DateTimeOffset FirstSent { get; }

            /// <summary>When its last sending left for the network; null while it waits to leave.</summary>
            public DateTimeOffset? LastSent => departure?.At;

            /// <summary>This fragment's retransmission time-out: the RTO when first sent, doubling per time-out.</summary>
            public TimeSpan Timeout { get; set; }

            public int Sends { get; set; }

            /// <summary>A sending of this fragment; its time-out runs from when it leaves.</summary>
            public OutgoingFragment ToOutgoing(bool retransmission)
            {
                int offset = Index * Message.FragmentCapacity;
                int length = Math.Min(Message.FragmentCapacity, Message.Content.Length - offset);
                departure = new DatagramDeparture();
                return new OutgoingFragment(Sequence, Message.Id, Index, Message.Fragments, Message.ContentType, Message.Content, offset, length, retransmission, departure);
            }
        }
    }
}
