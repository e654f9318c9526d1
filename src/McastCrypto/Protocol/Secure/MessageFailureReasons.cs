using System;
using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// Why a message of this member's failed: the <see cref="MemberEvent.Reason"/> of a
    /// <see cref="MemberEventKind.MessageFailed"/> event, one short English sentence each.
    /// </summary>
    public static class MessageFailureReasons
    {
        /// <summary>The member started a new handshake (the relay was lost, or removed this member) before the relay acknowledged the message.</summary>
        public const string RelayLost = "the session lost the relay before it acknowledged the message";

        /// <summary>The member left (or closed) before the relay acknowledged the message.</summary>
        public const string Closed = "the session closed";

        /// <summary>The relay refused the message: larger than its largest message.</summary>
        public const string RefusedTooLarge = "the relay refused it: larger than its limit";

        /// <summary>The relay refused the message: a content type it does not forward.</summary>
        public const string RefusedContent = "the relay refused it: content type not supported";

        /// <summary>A fragment waited <paramref name="ackTimeout"/> for the relay's acknowledgement (this message's, or an earlier one's).</summary>
        public static string NotAcknowledged(TimeSpan ackTimeout) =>
            string.Format(CultureInfo.InvariantCulture, "the relay did not acknowledge it within {0} s", ackTimeout.TotalSeconds);

        /// <summary>The reason for a Refused record's reason code.</summary>
        public static string Refused(SecureRefusedReason reason) =>
            reason == SecureRefusedReason.TooLarge ? RefusedTooLarge : RefusedContent;
    }
}
