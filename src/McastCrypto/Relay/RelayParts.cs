using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;

namespace McastCrypto.Relay
{
    /// <summary>What <see cref="RelayProtocolFactory"/> makes for a relay: its protocol and, for a federated relay, the federation attached to it.</summary>
    internal sealed class RelayParts
    {
        public RelayParts(IRelayProtocol protocol, IFederationPort? federation)
        {
            Protocol = protocol;
            Federation = federation;
        }

        /// <summary>The relay's protocol.</summary>
        public IRelayProtocol Protocol { get; }

        /// <summary>The federation state machine attached to the protocol; null for a relay of one site.</summary>
        public IFederationPort? Federation { get; }
    }
}
