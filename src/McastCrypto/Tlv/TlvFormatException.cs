using System;
using System.Globalization;

namespace McastCrypto.Tlv
{
    /// <summary>A buffer that does not hold well-formed TLV records: where, and why.</summary>
    [Serializable]
    public sealed class TlvFormatException : FormatException
    {
        public TlvFormatException(int offset, string reason)
            : base(string.Format(CultureInfo.InvariantCulture, "Malformed TLV record at offset {0}: {1}", offset, reason))
        {
            Offset = offset;
            Reason = reason;
        }

        /// <summary>The offset in the buffer of the record that is malformed.</summary>
        public int Offset { get; }

        /// <summary>What is wrong with it.</summary>
        public string Reason { get; }
    }
}
