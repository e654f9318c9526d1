using System;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>What <see cref="McastSession.StateChanged"/> carries: the state before and after, and why it failed.</summary>
    public sealed class McastSessionStateChangedEventArgs : EventArgs
    {
        public McastSessionStateChangedEventArgs(MemberState oldState, MemberState newState, MemberFailure? failure, DateTimeOffset changedAt)
        {
            OldState = oldState;
            NewState = newState;
            Failure = failure;
            ChangedAt = changedAt;
        }

        public MemberState OldState { get; }

        public MemberState NewState { get; }

        /// <summary>Why the session failed, when <see cref="NewState"/> is Failed; null otherwise.</summary>
        public MemberFailure? Failure { get; }

        /// <summary>When the session saw the change (this machine's clock).</summary>
        public DateTimeOffset ChangedAt { get; }

        public override string ToString() => OldState + " -> " + NewState + (Failure is null ? string.Empty : " (" + Failure.Message + ")");
    }
}
