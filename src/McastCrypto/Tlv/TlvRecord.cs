using System;
using System.Globalization;

namespace McastCrypto.Tlv
{
    /// <summary>
    /// One type-length-value record as it stood in a buffer: its type, the length of its value,
    /// the value, and the offset of its header in the buffer it was read from.
    /// </summary>
    public sealed class TlvRecord
    {
        /// <summary>The largest value a record can carry: the length field is 16 bits.</summary>
        public const int MaxValueLength = ushort.MaxValue;

        /// <summary>The size of the header: type u16 and length u16, big-endian.</summary>
        public const int HeaderLength = 4;

        private readonly byte[] value;

        public TlvRecord(TlvType type, byte[] value)
            : this(type, value, 0, null)
        {
        }

        public TlvRecord(TlvType type, byte[] value, int offset)
            : this(type, value, offset, null)
        {
        }

        /// <param name="type">The record's type.</param>
        /// <param name="value">The value; not copied, the record owns it from here on.</param>
        /// <param name="offset">Where the record's header starts in the buffer it came from.</param>
        /// <param name="decoded">What a codec of a higher layer made of the value, or null.</param>
        public TlvRecord(TlvType type, byte[] value, int offset, object? decoded)
        {
            if (value is null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            if (value.Length > MaxValueLength)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(value),
                    value.Length,
                    string.Format(CultureInfo.InvariantCulture, "A TLV value holds at most {0} bytes; this one has {1}.", MaxValueLength, value.Length));
            }

            if (offset < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(offset), offset, "The offset cannot be negative.");
            }

            Type = type;
            this.value = value;
            Offset = offset;
            Decoded = decoded;
        }

        /// <summary>The record's type; a number without a name shows as its number.</summary>
        public TlvType Type { get; }

        /// <summary>The type's name from the seed, or its number when it has none.</summary>
        public string TypeName => Type.ToString();

        /// <summary>The length of the value in bytes, as written in the header.</summary>
        public int Length => value.Length;

        /// <summary>The value bytes.</summary>
        public byte[] Value => value;

        /// <summary>The offset of the record's header in the buffer it was read from.</summary>
        public int Offset { get; }

        /// <summary>The length of the whole record on the wire, header included.</summary>
        public int EncodedLength => HeaderLength + value.Length;

        /// <summary>
        /// The structure a protocol codec decoded from the value (for example a sender address and an
        /// inner record), or null when the value was not decoded.
        /// </summary>
        public object? Decoded { get; }

        /// <summary>A copy of this record that carries <paramref name="decoded"/>.</summary>
        public TlvRecord WithDecoded(object? decoded) => new TlvRecord(Type, value, Offset, decoded);

        /// <summary>The record encoded as type, length and value.</summary>
        public byte[] ToBytes() => TlvWriter.Encode(Type, value);

        /// <summary>The first <paramref name="maxBytes"/> bytes of the value as lower-case hex, with an ellipsis when cut.</summary>
        public string ValuePreview(int maxBytes)
        {
            if (maxBytes < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxBytes));
            }

            int shown = Math.Min(maxBytes, value.Length);
            string hex = Hex.Encode(value, 0, shown);
            return shown < value.Length ? hex + "\u2026" : hex;
        }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0}({1}) [{2} bytes] at {3}", TypeName, (ushort)Type, Length, Offset);
    }
}
