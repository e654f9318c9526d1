namespace McastCrypto.Protocol
{
    /// <summary>Why a member ended in <see cref="MemberState.Failed"/>: a state no retry leaves.</summary>
    public enum MemberFailureReason
    {
        /// <summary>A relay answered with another key than the one this member joined with, and the user did not allow a change.</summary>
        RelayKeyChanged = 1,

        /// <summary>The relay's key is not the pinned or remembered one, or not known when trust on first use is off.</summary>
        RelayNotTrusted = 2,

        /// <summary>The relay refused this member's key (it is not on the relay's list of authorized keys).</summary>
        AdmissionRefused = 3,
    }
}
