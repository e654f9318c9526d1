using System;
using McastCrypto.Protocol;

namespace McastCrypto.Relay
{
    /// <summary>
    /// What <see cref="McastRelay.MemberJoined"/>, <see cref="McastRelay.MemberLeft"/> and
    /// <see cref="McastRelay.JoinRefused"/> carry: the member concerned and what happened.
    /// </summary>
    public sealed class McastRelayMemberEventArgs : EventArgs
    {
        public McastRelayMemberEventArgs(RelayEvent relayEvent)
        {
            Event = relayEvent ?? throw new ArgumentNullException(nameof(relayEvent));
        }

        /// <summary>Joined; Left (it said goodbye) or TimedOut (it fell silent); Refused (its key is not authorized).</summary>
        public RelayEventKind Kind => Event.Kind;

        /// <summary>The member concerned.</summary>
        public MemberIdentity Member => Event.Member;

        /// <summary>The member's display name, where the protocol carries one.</summary>
        public string? MemberName => Event.Member.Name;

        /// <summary>The fingerprint of the member's key (SHA256:base64), where the protocol tells it.</summary>
        public string? MemberFingerprint => Event.Member.KeyFingerprint;

        /// <summary>The relay's protocol clock's time when it happened.</summary>
        public DateTimeOffset At => Event.At;

        /// <summary>The relay's event itself (also in its event log).</summary>
        public RelayEvent Event { get; }

        public override string ToString() => Event.ToString();
    }
}
