namespace McastCrypto.Tlv
{
    /// <summary>
    /// The TLV type numbers of the seed's protocol, with the seed's names. The type field is a
    /// 16-bit number on the wire; any number 0-65535 is a valid <see cref="TlvType"/> and one without
    /// a name here shows as its number.
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
    }
}
