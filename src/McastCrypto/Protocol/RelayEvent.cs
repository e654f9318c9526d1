using System;

namespace McastCrypto.Protocol
{
    /// <summary>One thing a relay's protocol did or observed. It never carries message text.</summary>
    public sealed class RelayEvent
    {
        public RelayEvent(RelayEventKind kind, DateTimeOffset at, MemberIdentity member, int recipients = 0, int textBytes = 0)
        {
            Kind = kind;
            At = at;
            Member = member ?? throw new ArgumentNullException(nameof(member));
            Recipients = recipients;
            TextBytes = textBytes;
        }

        public RelayEventKind Kind { get; }

        public DateTimeOffset At { get; }

        /// <summary>The member concerned: the sender of a relayed message, or the one that came or went.</summary>
        public MemberIdentity Member { get; }

        /// <summary>For Relayed: how many members the message went to.</summary>
        public int Recipients { get; }

        /// <summary>For Relayed: the message's length in UTF-8 bytes.</summary>
        public int TextBytes { get; }

        public override string ToString() => Kind + " " + Member;
    }
}
