namespace McastCrypto.Protocol
{
    /// <summary>The wire protocols a session or a relay can speak.</summary>
    public enum McastProtocol
    {
        /// <summary>The seed article's protocol, byte for byte (docs/protocol.md): TLV, RSA-OAEP, no authentication of the relay.</summary>
        Classic = 1,

        /// <summary>
        /// The protocol that fixes Classic's weaknesses (docs/protocol.md, "Secure"): an authenticated
        /// ECDH P-256 handshake, AES-256-GCM on every datagram, a group key per epoch, relay signatures,
        /// replay windows, and a cost per message that does not grow with the group.
        /// </summary>
        Secure = 2,
    }
}
