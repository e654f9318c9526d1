using System.Net;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>The value of a SenderInfo (10) record: who sent the wrapped record, and the record.</summary>
    public sealed class SenderInfo
    {
        public SenderInfo(IPEndPoint sender, TlvRecord inner)
        {
            Sender = sender;
            Inner = inner;
        }

        /// <summary>The original sender's IPv4 address and port.</summary>
        public IPEndPoint Sender { get; }

        public IPAddress Address => Sender.Address;

        public int Port => Sender.Port;

        /// <summary>The wrapped record (a RelayedMessage in the Classic protocol), with its offset in the datagram.</summary>
        public TlvRecord Inner { get; }

        public override string ToString() => "from " + Sender + ": " + Inner;
    }
}
