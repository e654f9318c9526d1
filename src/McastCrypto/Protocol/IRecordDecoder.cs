using McastCrypto.Tlv;

namespace McastCrypto.Protocol
{
    /// <summary>Reads the structure inside a protocol's records, for people reading a capture (ConvertFrom-Tlv -Recurse).</summary>
    public interface IRecordDecoder
    {
        McastProtocol Protocol { get; }

        /// <summary>
        /// The decoded value of a record whose type this protocol gives a structure; null for any
        /// other type. Throws <see cref="TlvFormatException"/> for a value of a known type that is malformed.
        /// </summary>
        object? Decode(TlvRecord record);
    }
}
