using System;
using System.Net;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>One thing a session received: a message, a join or leave notice, or a change of its own state.</summary>
    public sealed class McastMessage
    {
        public McastMessage(McastSession session, long sequence, McastMessageKind kind, MemberIdentity? sender, string? text, string? messageId, bool verified, DateTimeOffset receivedAt)
            : this(session, sequence, kind, sender, text, messageId, verified, receivedAt, null)
        {
        }

        /// <summary>A message whose Kind is StateChanged carries the session's new <paramref name="state"/>.</summary>
        public McastMessage(McastSession session, long sequence, McastMessageKind kind, MemberIdentity? sender, string? text, string? messageId, bool verified, DateTimeOffset receivedAt, MemberState? state)
        {
            State = state;
            Session = session;
            Sequence = sequence;
            Kind = kind;
            Sender = sender;
            Text = text;
            MessageId = messageId;
            Verified = verified;
            ReceivedAt = receivedAt;
        }

        /// <summary>The session that received it.</summary>
        public McastSession Session { get; }

        public string SessionName => Session.Name;

        /// <summary>Its place in the session's arrivals: 1, 2, 3, ...</summary>
        public long Sequence { get; }

        public McastMessageKind Kind { get; }

        /// <summary>The member it is from (for Joined and Left: the member that came or went), as the protocol knows it.</summary>
        public MemberIdentity? Sender { get; }

        /// <summary>The sender's id in the group (in Classic its address:port).</summary>
        public string? SenderId => Sender?.Id;

        /// <summary>The sender's display name, where the protocol carries one.</summary>
        public string? SenderName => Sender?.Name;

        /// <summary>The fingerprint of the sender's key (SHA256:base64), where the protocol tells it.</summary>
        public string? SenderFingerprint => Sender?.KeyFingerprint;

        /// <summary>The address:port the sender's datagrams come from, where known.</summary>
        public IPEndPoint? SenderAddress => Sender?.EndPoint;

        /// <summary>
        /// The text of a Message. In the Classic protocol a text longer than one block (190 bytes)
        /// arrives as several consecutive messages from the same sender, in order.
        /// </summary>
        public string? Text { get; }

        /// <summary>The message id, where the protocol carries it to members (Classic does not).</summary>
        public string? MessageId { get; }

        /// <summary>
        /// True when the protocol proved who sent it. Always false in Classic: anyone on the network
        /// can forge a Classic message, join or leave.
        /// </summary>
        public bool Verified { get; }

        public DateTimeOffset ReceivedAt { get; }

        /// <summary>For Kind StateChanged: the session's new state (RelayLost, Connected or Failed); null for the other kinds.</summary>
        public MemberState? State { get; }

        public override string ToString()
        {
            switch (Kind)
            {
                case McastMessageKind.Message:
                    return (SenderName ?? SenderId) + ": " + Text;
                case McastMessageKind.StateChanged:
                    return Kind + ": " + State + (Text is null ? string.Empty : " (" + Text + ")");
                default:
                    return Kind + ": " + (SenderName ?? SenderId);
            }
        }
    }
}
