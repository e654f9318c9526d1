using System.Collections.Generic;
using McastCrypto.Protocol.Classic;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol
{
    /// <summary>The record decoders of every protocol this module speaks; a new protocol adds its own here.</summary>
    public static class RecordDecoders
    {
        /// <summary>One decoder per protocol. The protocols' record types do not overlap, so at most one recognises a record.</summary>
        public static IReadOnlyList<IRecordDecoder> All { get; } = new IRecordDecoder[] { new ClassicRecordDecoder(), new SecureRecordDecoder() };

        /// <summary>The decoded value of a record by whichever protocol knows its type; null when none does.</summary>
        public static object? Decode(TlvRecord record)
        {
            foreach (IRecordDecoder decoder in All)
            {
                object? decoded = decoder.Decode(record);
                if (decoded is not null)
                {
                    return decoded;
                }
            }

            return null;
        }
    }
}
