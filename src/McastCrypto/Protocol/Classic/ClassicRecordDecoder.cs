using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>Reads the Classic records that have a structure: FragmentedData, SenderInfo, ClientConnect and ClientDisconnect.</summary>
    public sealed class ClassicRecordDecoder : IRecordDecoder
    {
        public McastProtocol Protocol => McastProtocol.Classic;

        public object? Decode(TlvRecord record) => ClassicCodec.Decode(record);
    }
}
