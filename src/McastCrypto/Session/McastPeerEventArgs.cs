using System;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>What <see cref="McastSession.PeerJoined"/> and <see cref="McastSession.PeerLeft"/> carry: the member that came or went.</summary>
    public sealed class McastPeerEventArgs : EventArgs
    {
        public McastPeerEventArgs(McastMessage notice)
        {
            Notice = notice ?? throw new ArgumentNullException(nameof(notice));
            Member = notice.Sender ?? throw new ArgumentException("A join or leave notice names its member.", nameof(notice));
        }

        /// <summary>The member that joined or left (this session itself included), as the protocol knows it.</summary>
        public MemberIdentity Member { get; }

        /// <summary>The member's display name, where the protocol carries one.</summary>
        public string? MemberName => Member.Name;

        /// <summary>The member's id in the group.</summary>
        public string MemberId => Member.Id;

        /// <summary>The notice as it is in the session's message stream (Kind Joined or Left).</summary>
        public McastMessage Notice { get; }

        /// <summary>True when the protocol proved the notice came from the relay (never in Classic).</summary>
        public bool Verified => Notice.Verified;
    }
}
