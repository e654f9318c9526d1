namespace McastCrypto.Tlv
{
    /// <summary>
    /// The TLV type numbers of the seed's protocol, with the seed's names, and of the Secure protocol
    /// (0x5301 to 0x5305, docs/protocol.md, "Secure"). The type field is a 16-bit number on the wire;
    /// any number 0-65535 is a valid <see cref="TlvType"/> and one without a name here shows as its number.
    /// </summary>
    public enum TlvType : ushort
    {
        FragmentedData = 1,
        EncryptedBlock = 3,
        RegisterPublicKey = 4,
        ServerPublicKey = 5,
        RelayedMessage = 6,
        RequestServerKey = 7,
        KeepAlive = 9,
        SenderInfo = 10,
        ClientConnect = 11,
        ClientDisconnect = 12,

        /// <summary>Secure: a member's signed handshake opening (member to relay).</summary>
        SecureHello = 0x5301,

        /// <summary>Secure: the relay's signed answer to a Hello (relay to member).</summary>
        SecureWelcome = 0x5302,

        /// <summary>Secure: a datagram sealed under a member's pairwise key (member to relay).</summary>
        SecureMemberSealed = 0x5303,

        /// <summary>Secure: records sealed under the group key and signed by the relay (relay to group).</summary>
        SecureGroupSealed = 0x5304,

        /// <summary>Secure: a new group key, sealed for each member under its pairwise key and signed by the relay.</summary>
        SecureRekey = 0x5305,
    }
}
