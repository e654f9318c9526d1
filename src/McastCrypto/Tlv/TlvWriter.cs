using System;
using System.Collections.Generic;
using System.Globalization;

namespace McastCrypto.Tlv
{
    /// <summary>Encodes TLV records: type u16 and length u16 in network byte order, then the value.</summary>
    public static class TlvWriter
    {
        /// <summary>Encodes one record.</summary>
        public static byte[] Encode(TlvType type, byte[] value)
        {
            if (value is null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            return Encode(type, value, 0, value.Length);
        }

        /// <summary>Encodes one record whose value is a region of a buffer.</summary>
        public static byte[] Encode(TlvType type, byte[] value, int index, int count)
        {
            CheckRegion(value, index, count);
            var output = new byte[TlvRecord.HeaderLength + count];
            WriteHeader(output, 0, type, count);
            Buffer.BlockCopy(value, index, output, TlvRecord.HeaderLength, count);
            return output;
        }

        /// <summary>Encodes one record whose value is the concatenation of <paramref name="parts"/>.</summary>
        public static byte[] Encode(TlvType type, params byte[][] parts)
        {
            if (parts is null)
            {
                throw new ArgumentNullException(nameof(parts));
            }

            int length = 0;
            foreach (byte[] part in parts)
            {
                length += (part ?? throw new ArgumentException("A part is null.", nameof(parts))).Length;
            }

            CheckLength(length);
            var output = new byte[TlvRecord.HeaderLength + length];
            WriteHeader(output, 0, type, length);
            int at = TlvRecord.HeaderLength;
            foreach (byte[] part in parts)
            {
                Buffer.BlockCopy(part, 0, output, at, part.Length);
                at += part.Length;
            }

            return output;
        }

        /// <summary>Encodes records one after another, in order.</summary>
        public static byte[] Concat(IEnumerable<TlvRecord> records)
        {
            if (records is null)
            {
                throw new ArgumentNullException(nameof(records));
            }

            var list = new List<TlvRecord>(records);
            long total = 0;
            foreach (TlvRecord record in list)
            {
                total += (record ?? throw new ArgumentException("A record is null.", nameof(records))).EncodedLength;
            }

            if (total > int.MaxValue)
            {
                throw new ArgumentException("The records are too large to concatenate.", nameof(records));
            }

            var output = new byte[total];
            int at = 0;
            foreach (TlvRecord record in list)
            {
                WriteHeader(output, at, record.Type, record.Length);
                Buffer.BlockCopy(record.Value, 0, output, at + TlvRecord.HeaderLength, record.Length);
                at += record.EncodedLength;
            }

            return output;
        }

        /// <summary>Writes a header at <paramref name="index"/> of <paramref name="destination"/>.</summary>
        public static void WriteHeader(byte[] destination, int index, TlvType type, int valueLength)
        {
            if (destination is null)
            {
                throw new ArgumentNullException(nameof(destination));
            }

            CheckLength(valueLength);
            if (index < 0 || index > destination.Length - TlvRecord.HeaderLength)
            {
                throw new ArgumentOutOfRangeException(nameof(index));
            }

            destination[index] = (byte)((ushort)type >> 8);
            destination[index + 1] = (byte)type;
            destination[index + 2] = (byte)(valueLength >> 8);
            destination[index + 3] = (byte)valueLength;
        }

        private static void CheckRegion(byte[] value, int index, int count)
        {
            if (value is null)
            {
                throw new ArgumentNullException(nameof(value));
            }

            if (index < 0 || count < 0 || index > value.Length - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), "The region lies outside the buffer.");
            }

            CheckLength(count);
        }

        private static void CheckLength(int length)
        {
            if (length < 0 || length > TlvRecord.MaxValueLength)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(length),
                    length,
                    string.Format(CultureInfo.InvariantCulture, "A TLV value holds at most {0} bytes (the length field is 16 bits); this one has {1}.", TlvRecord.MaxValueLength, length));
            }
        }
    }
}
