using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// A member's decision whether to trust a relay's identity key, asked when a relay's signed
    /// answer (a Secure Welcome) verifies under that key and the member has not joined a relay yet.
    /// Implementations: a pinned fingerprint (<see cref="PinnedRelayTrust"/>), trust on first use
    /// (<see cref="TrustOnFirstUseRelayTrust"/>), or a known-relays file. Called under the member's
    /// lock; it may record the key (trust on first use) but should be quick.
    /// </summary>
    public interface IRelayTrust
    {
        /// <param name="group">The group the member joins.</param>
        /// <param name="port">The group's port.</param>
        /// <param name="relayFingerprint">The fingerprint (SHA256:base64) of the key the relay signed with.</param>
        RelayTrustDecision Evaluate(IPAddress group, int port, string relayFingerprint);
    }
}
