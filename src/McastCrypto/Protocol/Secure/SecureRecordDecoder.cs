using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// Reads the headers of the Secure records for people reading a capture (ConvertFrom-Tlv
    /// -Recurse): Hello and Welcome in full, and of MemberSealed, GroupSealed and Rekey what is in
    /// the clear (ids, epochs, sequence numbers, entries). Sealed contents stay sealed.
    /// </summary>
    public sealed class SecureRecordDecoder : IRecordDecoder
    {
        public McastProtocol Protocol => McastProtocol.Secure;

        public object? Decode(TlvRecord record)
        {
            if (record is null)
            {
                throw new System.ArgumentNullException(nameof(record));
            }

            object? decoded;
            string? reason;
            switch (record.Type)
            {
                case TlvType.SecureHello:
                    SecureCodec.TryParseHello(record.Value, out SecureHello? hello, out reason);
                    decoded = hello;
                    break;
                case TlvType.SecureWelcome:
                    SecureCodec.TryParseWelcome(record.Value, out SecureWelcome? welcome, out reason);
                    decoded = welcome;
                    break;
                case TlvType.SecureMemberSealed:
                    SecureCodec.TryParseMemberSealed(record.Value, out SecureMemberSealed? memberSealed, out reason);
                    decoded = memberSealed;
                    break;
                case TlvType.SecureGroupSealed:
                    SecureCodec.TryParseGroupSealed(record.Value, out SecureGroupSealed? groupSealed, out reason);
                    decoded = groupSealed;
                    break;
                case TlvType.SecureRekey:
                    SecureCodec.TryParseRekey(record.Value, out SecureRekey? rekey, out reason);
                    decoded = rekey;
                    break;
                default:
                    return null;
            }

            if (decoded is null)
            {
                throw new TlvFormatException(record.Offset, "a " + record.TypeName + " value is not well formed (" + reason + ")");
            }

            return decoded;
        }
    }
}
