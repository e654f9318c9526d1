namespace McastCrypto.Protocol.Secure
{
    /// <summary>What became of one outgoing message: MessageSent, MessageAcknowledged or MessageFailed (with why).</summary>
    internal sealed class SendOutcome
    {
        public SendOutcome(MemberEventKind kind, ulong messageId, string? reason = null)
        {
            Kind = kind;
            MessageId = messageId;
            Reason = reason;
        }

        public MemberEventKind Kind { get; }

        public ulong MessageId { get; }

        /// <summary>Why it failed, for MessageFailed.</summary>
        public string? Reason { get; }

        public override string ToString() => Kind + " " + MessageId.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + (Reason is null ? string.Empty : ": " + Reason);
    }
}
