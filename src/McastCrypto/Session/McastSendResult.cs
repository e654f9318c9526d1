using System;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>What became of one message a session sent: what it was, how it was cut, and its outcome.</summary>
    public sealed class McastSendResult
    {
        internal McastSendResult(McastSession session, SentMessage sent, McastSendStatus status, TimeSpan? acknowledgedAfter, string? reason, bool timedOut)
        {
            Sent = sent;
            TimedOut = timedOut;
            Session = session;
            MessageId = sent.MessageId;
            Kind = sent.Kind;
            Text = sent.Text;
            FileName = sent.Content.FileName;
            Bytes = sent.Content.Length;
            WireBytes = sent.WireBytes;
            Fragments = sent.Fragments;
            Status = status;
            AcknowledgedAfter = acknowledgedAfter;
            Reason = reason;
        }

        /// <summary>
        /// The session that sent it: live, so hidden from PowerShell's listings and, in PowerShell 7.4
        /// and later, from ConvertTo-Json (see <see cref="McastMessage.Session"/>).
        /// </summary>
        [System.Management.Automation.Hidden]
#if NET
        [Newtonsoft.Json.JsonIgnore]
#endif
        public McastSession Session { get; }

        public string SessionName => Session.Name;

        /// <summary>The message id as hex, as it stands on the wire.</summary>
        public string MessageId { get; }

        /// <summary>Text, Data or File.</summary>
        public MessageContentKind Kind { get; }

        /// <summary>The text, for a text message; else null.</summary>
        public string? Text { get; }

        /// <summary>The file's name as sent (a name, never a path), for a file; else null.</summary>
        public string? FileName { get; }

        /// <summary>The content's length in bytes (a text's in UTF-8; a file's bytes without its name).</summary>
        public long Bytes { get; }

        /// <summary>The bytes of all its datagrams as first sent (retransmissions not counted).</summary>
        public long WireBytes { get; }

        /// <summary>How many fragments (datagrams) carry it.</summary>
        public int Fragments { get; }

        /// <summary>Queued (not waited for), Sent (a protocol without acknowledgements), Acknowledged or Failed.</summary>
        public McastSendStatus Status { get; }

        /// <summary>True when the relay acknowledged the message.</summary>
        public bool Acknowledged => Status == McastSendStatus.Acknowledged;

        /// <summary>
        /// How long after it was taken the relay acknowledged it; null when not acknowledged, not waited
        /// for (-NoWait), or the protocol has no acknowledgements (Classic).
        /// </summary>
        public TimeSpan? AcknowledgedAfter { get; }

        /// <summary>Why it failed (Status Failed); else null.</summary>
        public string? Reason { get; }

        /// <summary>
        /// True when it failed for want of an acknowledgement in time: the protocol's deadline (Secure:
        /// 10 s after a fragment first went out) or the session's safety limit (nothing moved for 60 s).
        /// False for the other failures (the relay lost or refusing, the session closed) and for success.
        /// </summary>
        public bool TimedOut { get; }

        /// <summary>What the protocol returned when it took the message.</summary>
        internal SentMessage Sent { get; }

        public override string ToString() => MessageId + " " + Status + (Reason is null ? string.Empty : ": " + Reason);
    }
}
