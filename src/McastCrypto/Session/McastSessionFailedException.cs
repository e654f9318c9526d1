using System;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>A session's join ended for good: the relay's key changed, is not trusted, or the relay refused this member.</summary>
    public sealed class McastSessionFailedException : Exception
    {
        public McastSessionFailedException(MemberFailure failure)
            : base((failure ?? throw new ArgumentNullException(nameof(failure))).Message)
        {
            Failure = failure;
        }

        /// <summary>The reason, and the relay keys concerned.</summary>
        public MemberFailure Failure { get; }
    }
}
