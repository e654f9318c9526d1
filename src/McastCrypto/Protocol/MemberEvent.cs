using System;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// One thing a member's protocol observed: a message, a presence notice, a change of state, or
    /// the outcome of a message this member sent.
    /// </summary>
    public sealed class MemberEvent
    {
        private MemberEvent(MemberEventKind kind, DateTimeOffset at, MemberIdentity? member, string? text, string? messageId, bool verified, MemberState state, string? reason)
            : this(kind, at, member, text, messageId, verified, state, reason, null, 0, 0)
        {
        }

        private MemberEvent(MemberEventKind kind, DateTimeOffset at, MemberIdentity? member, string? text, string? messageId, bool verified, MemberState state, string? reason, MessageContent? content, long lostFragments, long lostMessages)
        {
            Content = content;
            LostFragments = lostFragments;
            LostMessages = lostMessages;
            Kind = kind;
            At = at;
            Member = member;
            Text = text;
            MessageId = messageId;
            Verified = verified;
            State = state;
            Reason = reason;
        }

        public MemberEventKind Kind { get; }

        /// <summary>The protocol clock's time when the event happened.</summary>
        public DateTimeOffset At { get; }

        /// <summary>
        /// The member the event is about: the sender of a message, the member that joined or left;
        /// null for a state change, for an outcome of this member's own message, or where the
        /// protocol cannot tell the sender.
        /// </summary>
        public MemberIdentity? Member { get; }

        /// <summary>The text of a message.</summary>
        public string? Text { get; }

        /// <summary>The message's id, where the protocol carries one.</summary>
        public string? MessageId { get; }

        /// <summary>True when the protocol proved who sent the message or notice (Classic proves nothing).</summary>
        public bool Verified { get; }

        /// <summary>The member's state after a StateChanged event; otherwise the state when the event happened.</summary>
        public MemberState State { get; }

        /// <summary>Why a message failed, for MessageFailed.</summary>
        public string? Reason { get; }

        /// <summary>What a Message carries: its kind, bytes, text or file name (null from a protocol that carries text only: see <see cref="Text"/>).</summary>
        public MessageContent? Content { get; }

        /// <summary>For a Gap: how many fragments were lost (0 when unknown).</summary>
        public long LostFragments { get; }

        /// <summary>For a Gap: how many messages were lost, whole or in part (0 when unknown).</summary>
        public long LostMessages { get; }

        /// <summary>A message whose content is not only a text (or a text, with its content).</summary>
        public static MemberEvent Message(DateTimeOffset at, MemberIdentity? sender, MessageContent content, string? messageId, bool verified, MemberState state)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            return new MemberEvent(MemberEventKind.Message, at, sender, content.Text, messageId, verified, state, null, content, 0, 0);
        }

        /// <summary>
        /// A loss for good: <paramref name="lostFragments"/> fragments touching <paramref name="lostMessages"/>
        /// messages from <paramref name="sender"/> (null when the sender is unknown), for <paramref name="reason"/>
        /// (a short English sentence). <paramref name="messageId"/> is the first message touched, when known.
        /// </summary>
        public static MemberEvent Gap(DateTimeOffset at, MemberIdentity? sender, long lostFragments, long lostMessages, string? messageId, string reason, MemberState state) =>
            new MemberEvent(MemberEventKind.Gap, at, sender, null, messageId, true, state, reason ?? throw new ArgumentNullException(nameof(reason)), null, lostFragments, lostMessages);

        public static MemberEvent Message(DateTimeOffset at, MemberIdentity? sender, string text, string? messageId, bool verified, MemberState state) =>
            new MemberEvent(MemberEventKind.Message, at, sender, text, messageId, verified, state, null);

        public static MemberEvent Presence(DateTimeOffset at, bool joined, MemberIdentity member, bool verified, MemberState state) =>
            new MemberEvent(joined ? MemberEventKind.Joined : MemberEventKind.Left, at, member ?? throw new ArgumentNullException(nameof(member)), null, null, verified, state, null);

        /// <summary>A member the relay lists as present (Kind Present).</summary>
        public static MemberEvent Present(DateTimeOffset at, MemberIdentity member, MemberState state) =>
            new MemberEvent(MemberEventKind.Present, at, member ?? throw new ArgumentNullException(nameof(member)), null, null, true, state, null);

        public static MemberEvent StateChange(DateTimeOffset at, MemberState state) =>
            new MemberEvent(MemberEventKind.StateChanged, at, null, null, null, false, state, null);

        /// <summary>The outcome of a message this member sent: MessageSent, MessageAcknowledged or MessageFailed.</summary>
        public static MemberEvent Outcome(DateTimeOffset at, MemberEventKind kind, string messageId, MemberState state, string? reason = null)
        {
            if (kind != MemberEventKind.MessageSent && kind != MemberEventKind.MessageAcknowledged && kind != MemberEventKind.MessageFailed)
            {
                throw new ArgumentOutOfRangeException(nameof(kind), kind, "An outcome is MessageSent, MessageAcknowledged or MessageFailed.");
            }

            return new MemberEvent(kind, at, null, null, messageId, false, state, reason);
        }

        public override string ToString() => Kind + " " + (Member?.ToString() ?? MessageId ?? string.Empty) + (Text is null ? string.Empty : ": " + Text);
    }
}
