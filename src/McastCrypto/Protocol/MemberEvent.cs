using System;
using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>One thing a member's protocol observed: a message, a presence notice, or a change of state.</summary>
    public sealed class MemberEvent
    {
        private MemberEvent(MemberEventKind kind, DateTimeOffset at, IPEndPoint? member, string? memberName, string? text, string? messageId, MemberState state)
        {
            Kind = kind;
            At = at;
            Member = member;
            MemberName = memberName;
            Text = text;
            MessageId = messageId;
            State = state;
        }

        public MemberEventKind Kind { get; }

        /// <summary>The protocol clock's time when the event happened.</summary>
        public DateTimeOffset At { get; }

        /// <summary>The member the event is about: the sender of a message, the member that joined or left.</summary>
        public IPEndPoint? Member { get; }

        /// <summary>The member's name, where the protocol carries one.</summary>
        public string? MemberName { get; }

        /// <summary>The text of a message.</summary>
        public string? Text { get; }

        /// <summary>The message's id, where the protocol carries one to members.</summary>
        public string? MessageId { get; }

        /// <summary>The member's state after a StateChanged event; otherwise the state when the event happened.</summary>
        public MemberState State { get; }

        public static MemberEvent Message(DateTimeOffset at, IPEndPoint? sender, string? senderName, string text, string? messageId, MemberState state) =>
            new MemberEvent(MemberEventKind.Message, at, sender, senderName, text, messageId, state);

        public static MemberEvent Presence(DateTimeOffset at, bool joined, IPEndPoint member, string? memberName, MemberState state) =>
            new MemberEvent(joined ? MemberEventKind.Joined : MemberEventKind.Left, at, member, memberName, null, null, state);

        public static MemberEvent StateChange(DateTimeOffset at, MemberState state) =>
            new MemberEvent(MemberEventKind.StateChanged, at, null, null, null, null, state);

        public override string ToString() => Kind + " " + (Member?.ToString() ?? string.Empty) + (Text is null ? string.Empty : ": " + Text);
    }
}
