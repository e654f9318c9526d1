using System;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// What the sender writes into each message so that a receiver in the same process can tell which
    /// message arrived and when it was sent: the message's number and a <see cref="System.Diagnostics.Stopwatch"/>
    /// timestamp (same process, same clock). Bytes for Secure, Plain and TlsFanout; ASCII text for
    /// Classic, which carries text only and delivers it in pieces of 190 bytes, so every piece carries
    /// the header.
    /// </summary>
    internal static class BenchPayload
    {
        /// <summary>The header of a byte payload: the number (8 bytes) and the timestamp (8 bytes), little-endian.</summary>
        public const int HeaderBytes = 16;

        /// <summary>The Classic relay's piece: it splits a text into pieces of at most 190 UTF-8 bytes.</summary>
        public const int ClassicPieceBytes = 190;

        /// <summary>The header of a Classic piece: number (12 hex digits), piece (4), pieces (4), timestamp (16).</summary>
        public const int ClassicHeaderChars = 36;

        public static void Write(Span<byte> payload, long sequence, long timestamp)
        {
            BinaryPrimitives.WriteInt64LittleEndian(payload, sequence);
            BinaryPrimitives.WriteInt64LittleEndian(payload.Slice(8), timestamp);
        }

        public static bool TryRead(ReadOnlySpan<byte> payload, out long sequence, out long timestamp)
        {
            if (payload.Length < HeaderBytes)
            {
                sequence = 0;
                timestamp = 0;
                return false;
            }

            sequence = BinaryPrimitives.ReadInt64LittleEndian(payload);
            timestamp = BinaryPrimitives.ReadInt64LittleEndian(payload.Slice(8));
            return true;
        }

        /// <summary>How many pieces the Classic relay makes of a text of <paramref name="size"/> ASCII characters.</summary>
        public static int ClassicPieces(int size) => (size + ClassicPieceBytes - 1) / ClassicPieceBytes;

        /// <summary>A text of <paramref name="size"/> ASCII characters whose every 190-character piece starts with the header.</summary>
        public static string ClassicText(long sequence, long timestamp, int size)
        {
            int pieces = ClassicPieces(size);
            int last = size - ((pieces - 1) * ClassicPieceBytes);
            if (last < ClassicHeaderChars)
            {
                throw new ArgumentException("The last piece of a " + size + "-byte Classic message cannot hold the header.", nameof(size));
            }

            var text = new StringBuilder(size);
            for (int piece = 0; piece < pieces; piece++)
            {
                int length = piece == pieces - 1 ? last : ClassicPieceBytes;
                text.Append(sequence.ToString("x12", CultureInfo.InvariantCulture));
                text.Append(piece.ToString("x4", CultureInfo.InvariantCulture));
                text.Append(pieces.ToString("x4", CultureInfo.InvariantCulture));
                text.Append(timestamp.ToString("x16", CultureInfo.InvariantCulture));
                text.Append('m', length - ClassicHeaderChars);
            }

            return text.ToString();
        }

        /// <summary>Reads the header of one piece a Classic member received.</summary>
        public static bool TryReadClassicPiece(string? text, out long sequence, out int piece, out int pieces, out long timestamp)
        {
            sequence = 0;
            piece = 0;
            pieces = 0;
            timestamp = 0;
            if (text is null || text.Length < ClassicHeaderChars)
            {
                return false;
            }

            return long.TryParse(text.AsSpan(0, 12), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out sequence)
                && int.TryParse(text.AsSpan(12, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out piece)
                && int.TryParse(text.AsSpan(16, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out pieces)
                && long.TryParse(text.AsSpan(20, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out timestamp);
        }
    }
}
