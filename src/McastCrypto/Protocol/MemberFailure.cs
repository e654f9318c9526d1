namespace McastCrypto.Protocol
{
    /// <summary>What ended a member for good: the reason, a sentence for the user, and the relay keys concerned.</summary>
    public sealed class MemberFailure
    {
        public MemberFailure(MemberFailureReason reason, string message, string? expectedRelayFingerprint = null, string? offeredRelayFingerprint = null)
        {
            Reason = reason;
            Message = message;
            ExpectedRelayFingerprint = expectedRelayFingerprint;
            OfferedRelayFingerprint = offeredRelayFingerprint;
        }

        public MemberFailureReason Reason { get; }

        /// <summary>What happened and what the user can do, in a sentence or two.</summary>
        public string Message { get; }

        /// <summary>The relay key this member trusts (SHA256:base64), where the failure is about the relay's key.</summary>
        public string? ExpectedRelayFingerprint { get; }

        /// <summary>The relay key that was offered instead (SHA256:base64), where the failure is about the relay's key.</summary>
        public string? OfferedRelayFingerprint { get; }

        public override string ToString() => Reason + ": " + Message;
    }
}
