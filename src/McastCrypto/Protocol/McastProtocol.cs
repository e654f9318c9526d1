namespace McastCrypto.Protocol
{
    /// <summary>The wire protocols a session or a relay can speak.</summary>
    public enum McastProtocol
    {
        /// <summary>The seed article's protocol, byte for byte (docs/protocol.md): TLV, RSA-OAEP, no authentication of the relay.</summary>
        Classic = 1,
    }
}
