using System;
using System.Net;

namespace McastCrypto.Session
{
    /// <summary>One thing a session received: a message, or a join or leave notice.</summary>
    public sealed class McastMessage
    {
        public McastMessage(McastSession session, long sequence, McastMessageKind kind, IPEndPoint? senderAddress, string? senderName, string? text, string? messageId, DateTimeOffset receivedAt)
        {
            Session = session;
            Sequence = sequence;
            Kind = kind;
            SenderAddress = senderAddress;
            SenderName = senderName;
            Text = text;
            MessageId = messageId;
            ReceivedAt = receivedAt;
        }

        /// <summary>The session that received it.</summary>
        public McastSession Session { get; }

        public string SessionName => Session.Name;

        /// <summary>Its place in the session's arrivals: 1, 2, 3, ...</summary>
        public long Sequence { get; }

        public McastMessageKind Kind { get; }

        /// <summary>The member it is from (for Joined and Left: the member that came or went).</summary>
        public IPEndPoint? SenderAddress { get; }

        /// <summary>The member's name, where the protocol carries one.</summary>
        public string? SenderName { get; }

        /// <summary>
        /// The text of a Message. In the Classic protocol a text longer than one block (190 bytes)
        /// arrives as several consecutive messages from the same sender, in order.
        /// </summary>
        public string? Text { get; }

        /// <summary>The message id, where the protocol carries it to members (Classic does not).</summary>
        public string? MessageId { get; }

        public DateTimeOffset ReceivedAt { get; }

        public override string ToString() =>
            Kind == McastMessageKind.Message ? (SenderName ?? SenderAddress?.ToString()) + ": " + Text : Kind + ": " + (SenderName ?? SenderAddress?.ToString());
    }
}
