using System;
using System.Globalization;
using System.Net;
using System.Text;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Tlv;

namespace McastCrypto.Session
{
    /// <summary>
    /// One thing a session received: a message (a text, bytes or a file), a join or leave notice, a
    /// change of its own state, or a gap (messages of a member lost for good).
    /// </summary>
    public sealed class McastMessage
    {
        private readonly MessageContent? content;
        private string? savedPath;

        public McastMessage(McastSession session, long sequence, McastMessageKind kind, MemberIdentity? sender, string? text, string? messageId, bool verified, DateTimeOffset receivedAt)
            : this(session, sequence, kind, sender, text, messageId, verified, receivedAt, null)
        {
        }

        /// <summary>A message whose Kind is StateChanged carries the session's new <paramref name="state"/>.</summary>
        public McastMessage(McastSession session, long sequence, McastMessageKind kind, MemberIdentity? sender, string? text, string? messageId, bool verified, DateTimeOffset receivedAt, MemberState? state)
            : this(session, sequence, kind, sender, text, messageId, verified, receivedAt, state, kind == McastMessageKind.Message && text is not null ? MessageContent.Received(MessageContentKind.Text, Encoding.UTF8.GetBytes(text), text, null, null) : null)
        {
        }

        /// <summary>A Message with its <paramref name="content"/> (text, bytes or file).</summary>
        public McastMessage(McastSession session, long sequence, MemberIdentity? sender, MessageContent content, string? messageId, bool verified, DateTimeOffset receivedAt)
            : this(session, sequence, McastMessageKind.Message, sender, content?.Text, messageId, verified, receivedAt, null, content ?? throw new ArgumentNullException(nameof(content)))
        {
        }

        private McastMessage(McastSession session, long sequence, McastMessageKind kind, MemberIdentity? sender, string? text, string? messageId, bool verified, DateTimeOffset receivedAt, MemberState? state, MessageContent? content)
        {
            this.content = content;
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

        /// <summary>
        /// The session that received it: live, so hidden from PowerShell's listings (Format-List,
        /// Get-Member, Select-Object *) and, in PowerShell 7.4 and later, from ConvertTo-Json, which
        /// would otherwise write the whole session into every message. <see cref="SessionName"/> names
        /// it; $message.Session and pipeline binding by property name still reach it.
        /// </summary>
        [System.Management.Automation.Hidden]
#if NET
        [Newtonsoft.Json.JsonIgnore]
#endif
        public McastSession Session { get; }

        public string SessionName => Session.Name;

        /// <summary>Its place in the session's arrivals: 1, 2, 3, ...</summary>
        public long Sequence { get; }

        public McastMessageKind Kind { get; }

        /// <summary>
        /// The member it is from (for Joined and Left: the member that came or went; for a Gap: the
        /// member whose messages were lost, when known), as the protocol knows it.
        /// </summary>
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
        /// The text of a text Message (null for bytes and files; for StateChanged Failed, the reason).
        /// In the Classic protocol a text longer than one block (190 bytes) arrives as several
        /// consecutive messages from the same sender, in order.
        /// </summary>
        public string? Text { get; }

        /// <summary>For a Message: Text, Data or File; null for the other kinds.</summary>
        public MessageContentKind? ContentKind => content?.Kind;

        /// <summary>For a Message: its bytes (a text's UTF-8, a file's bytes without its name); null for the other kinds.</summary>
        public byte[]? Data => content?.Bytes;

        /// <summary>For a Message: its length in bytes (as <see cref="Data"/>); null for the other kinds.</summary>
        public int? Length => content?.Length;

        /// <summary>For a file: its name as the sender gave it (checked by the protocol: a bare name, no path); else null.</summary>
        public string? FileName => content?.FileName;

        /// <summary>For a file: the SHA-256 of its bytes, as 64 lowercase hex digits (the protocol checked it on arrival); else null.</summary>
        public string? Sha256 => content?.Sha256 is null ? null : Hex.Encode(content.Sha256);

        /// <summary>
        /// For a file that Receive-McastMessage -OutputDirectory wrote: the full path of the file
        /// written; else null.
        /// </summary>
        public string? SavedPath
        {
            get => Volatile.Read(ref savedPath);
            internal set => Volatile.Write(ref savedPath, value);
        }

        /// <summary>The message id, where the protocol carries it to members (Classic does not); for a Gap, the first message touched, when known.</summary>
        public string? MessageId { get; }

        /// <summary>
        /// True when the protocol proved who sent it. Always false in Classic: anyone on the network
        /// can forge a Classic message, join or leave. A Gap is what this session found out itself: true.
        /// </summary>
        public bool Verified { get; }

        public DateTimeOffset ReceivedAt { get; }

        /// <summary>For Kind StateChanged: the session's new state (RelayLost, Connected or Failed); null for the other kinds.</summary>
        public MemberState? State { get; }

        /// <summary>For a Gap: how many fragments were lost (0 when unknown); null for the other kinds.</summary>
        public long? LostFragments { get; private set; }

        /// <summary>For a Gap: how many messages were lost, whole or in part (0 when unknown); null for the other kinds.</summary>
        public long? LostMessages { get; private set; }

        /// <summary>For a Gap: why the fragments were lost (not repaired in time, no longer in the relay's buffer, ...); null for the other kinds.</summary>
        public string? Reason { get; private set; }

        public override string ToString()
        {
            string from = SenderName ?? SenderId ?? "?";
            switch (Kind)
            {
                case McastMessageKind.Message:
                    switch (ContentKind)
                    {
                        case MessageContentKind.Data:
                            return from + ": [" + Length!.Value.ToString(CultureInfo.InvariantCulture) + " bytes]";
                        case MessageContentKind.File:
                            return from + ": [file " + FileName + ", " + Length!.Value.ToString(CultureInfo.InvariantCulture) + " bytes]";
                        default:
                            return (SenderName ?? SenderId) + ": " + Text;
                    }

                case McastMessageKind.StateChanged:
                    return Kind + ": " + State + (Text is null ? string.Empty : " (" + Text + ")");
                case McastMessageKind.Gap:
                    return string.Format(
                        CultureInfo.InvariantCulture,
                        "Gap: {0} fragments of {1} messages from {2} lost ({3})",
                        LostFragments,
                        LostMessages,
                        Sender is null ? "an unknown member" : from,
                        Reason);
                default:
                    return Kind + ": " + (SenderName ?? SenderId);
            }
        }

        /// <summary>A Gap: fragments of <paramref name="sender"/> lost for good.</summary>
        internal static McastMessage Gap(McastSession session, long sequence, MemberIdentity? sender, long lostFragments, long lostMessages, string? messageId, string reason, DateTimeOffset receivedAt) =>
            new McastMessage(session, sequence, McastMessageKind.Gap, sender, null, messageId, true, receivedAt, null, null)
            {
                LostFragments = lostFragments,
                LostMessages = lostMessages,
                Reason = reason,
            };
    }
}
