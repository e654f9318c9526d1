using System;
using System.Collections.Generic;
using System.Globalization;

namespace McastCrypto.Tlv
{
    /// <summary>
    /// Reads consecutive TLV records from a region of a buffer. It never reads outside that region:
    /// a header or a value that would run past its end is reported, with the record's offset and a
    /// reason, and reading stops there.
    /// </summary>
    public sealed class TlvReader
    {
        private readonly byte[] buffer;
        private readonly int start;
        private readonly int end;
        private readonly int offsetBase;
        private int position;
        private TlvFormatException? failure;

        public TlvReader(byte[] buffer)
            : this(buffer, 0, buffer?.Length ?? 0, 0)
        {
        }

        /// <param name="buffer">The bytes to read.</param>
        /// <param name="index">Where the region to read starts.</param>
        /// <param name="count">How many bytes the region has.</param>
        /// <param name="offsetBase">Added to every reported offset, so that records read from inside
        /// another record's value report their place in the outer buffer.</param>
        public TlvReader(byte[] buffer, int index, int count, int offsetBase)
        {
            if (buffer is null)
            {
                throw new ArgumentNullException(nameof(buffer));
            }

            if (index < 0 || count < 0 || index > buffer.Length - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), "The region lies outside the buffer.");
            }

            if (offsetBase < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(offsetBase));
            }

            this.buffer = buffer;
            start = index;
            end = index + count;
            this.offsetBase = offsetBase;
            position = index;
        }

        /// <summary>True when every byte of the region was read as whole records.</summary>
        public bool AtEnd => failure is null && position == end;

        /// <summary>The error that stopped reading, or null.</summary>
        public TlvFormatException? Error => failure;

        /// <summary>The offset (as reported) of the next byte to read.</summary>
        public int Offset => offsetBase + (position - start);

        /// <summary>
        /// Reads the next record. Returns false at the end of the region, and false with
        /// <see cref="Error"/> set when the next record is malformed; reading stops in both cases.
        /// </summary>
        public bool TryRead(out TlvRecord? record)
        {
            record = null;
            if (failure is not null || position == end)
            {
                return false;
            }

            int recordOffset = Offset;
            int available = end - position;
            if (available < TlvRecord.HeaderLength)
            {
                failure = new TlvFormatException(
                    recordOffset,
                    string.Format(CultureInfo.InvariantCulture, "the header needs {0} bytes but only {1} remain", TlvRecord.HeaderLength, available));
                return false;
            }

            var type = (TlvType)((buffer[position] << 8) | buffer[position + 1]);
            int length = (buffer[position + 2] << 8) | buffer[position + 3];
            if (length > available - TlvRecord.HeaderLength)
            {
                failure = new TlvFormatException(
                    recordOffset,
                    string.Format(CultureInfo.InvariantCulture, "the length field says {0} bytes but only {1} remain after the header", length, available - TlvRecord.HeaderLength));
                return false;
            }

            var value = new byte[length];
            Buffer.BlockCopy(buffer, position + TlvRecord.HeaderLength, value, 0, length);
            position += TlvRecord.HeaderLength + length;
            record = new TlvRecord(type, value, recordOffset);
            return true;
        }

        /// <summary>Reads every record of the buffer; throws <see cref="TlvFormatException"/> at the first malformed one.</summary>
        public static IReadOnlyList<TlvRecord> ReadAll(byte[] buffer) => ReadAll(buffer, 0, buffer?.Length ?? 0, 0);

        /// <summary>Reads every record of a region; throws <see cref="TlvFormatException"/> at the first malformed one.</summary>
        public static IReadOnlyList<TlvRecord> ReadAll(byte[] buffer, int index, int count, int offsetBase)
        {
            var reader = new TlvReader(buffer, index, count, offsetBase);
            var records = new List<TlvRecord>();
            while (reader.TryRead(out TlvRecord? record))
            {
                records.Add(record!);
            }

            if (reader.Error is not null)
            {
                throw reader.Error;
            }

            return records;
        }

        /// <summary>
        /// Reads a region that must hold exactly one record, as a datagram of the protocol does.
        /// Returns false with <paramref name="error"/> set when it is malformed, empty, or followed by
        /// other bytes.
        /// </summary>
        public static bool TryReadSingle(byte[] buffer, int index, int count, int offsetBase, out TlvRecord? record, out TlvFormatException? error)
        {
            var reader = new TlvReader(buffer, index, count, offsetBase);
            if (!reader.TryRead(out record))
            {
                error = reader.Error ?? new TlvFormatException(offsetBase, "the buffer is empty: one record was expected");
                return false;
            }

            if (!reader.AtEnd)
            {
                error = new TlvFormatException(
                    reader.Offset,
                    string.Format(CultureInfo.InvariantCulture, "{0} bytes follow the record: exactly one record was expected", count - (reader.Offset - offsetBase)));
                record = null;
                return false;
            }

            error = null;
            return true;
        }

        /// <summary>Reads a whole buffer that must hold exactly one record.</summary>
        public static bool TryReadSingle(byte[] buffer, out TlvRecord? record, out TlvFormatException? error) =>
            TryReadSingle(buffer, 0, buffer?.Length ?? 0, 0, out record, out error);
    }
}
