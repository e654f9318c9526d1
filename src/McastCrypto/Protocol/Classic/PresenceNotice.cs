using System.Net;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>The value of a ClientConnect (11) or ClientDisconnect (12) record.</summary>
    public sealed class PresenceNotice
    {
        public PresenceNotice(bool joined, IPEndPoint member)
        {
            Joined = joined;
            Member = member;
        }

        /// <summary>True for ClientConnect, false for ClientDisconnect.</summary>
        public bool Joined { get; }

        public IPEndPoint Member { get; }

        public IPAddress Address => Member.Address;

        public int Port => Member.Port;

        public override string ToString() => (Joined ? "joined: " : "left: ") + Member;
    }
}
