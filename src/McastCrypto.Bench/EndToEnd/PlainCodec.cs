using System;
using System.Buffers.Binary;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The Plain system's datagrams: no cryptography, a minimal header. A kind byte (to the relay or
    /// from it: everyone on the group hears everything, so each side knows what to ignore), the
    /// message's number (8 bytes), the fragment's index and the number of fragments (2 bytes each),
    /// then up to 1,387 bytes of the message: at most 1,400 bytes a datagram, as Secure.
    /// </summary>
    internal static class PlainCodec
    {
        public const byte ToRelay = 0x50;
        public const byte FromRelay = 0x52;
        public const int MaxDatagramBytes = 1400;
        public const int HeaderBytes = 13;
        public const int ChunkBytes = MaxDatagramBytes - HeaderBytes;

        /// <summary>The most fragments a message may have here (a member tracks them in a 64-bit mask).</summary>
        public const int MaxFragments = 64;

        public static int Fragments(int size) => Math.Max(1, (size + ChunkBytes - 1) / ChunkBytes);

        /// <summary>The datagram of fragment <paramref name="index"/> of <paramref name="message"/>, written into <paramref name="datagram"/> (exactly its length).</summary>
        public static void WriteFragment(byte[] datagram, ReadOnlySpan<byte> message, long sequence, int index, int count)
        {
            datagram[0] = ToRelay;
            BinaryPrimitives.WriteInt64LittleEndian(datagram.AsSpan(1), sequence);
            BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(9), (ushort)index);
            BinaryPrimitives.WriteUInt16LittleEndian(datagram.AsSpan(11), (ushort)count);
            message.Slice(index * ChunkBytes, datagram.Length - HeaderBytes).CopyTo(datagram.AsSpan(HeaderBytes));
        }

        /// <summary>The length of fragment <paramref name="index"/>'s datagram for a message of <paramref name="size"/> bytes.</summary>
        public static int FragmentLength(int size, int index) => HeaderBytes + Math.Min(ChunkBytes, size - (index * ChunkBytes));

        public static bool TryReadHeader(ReadOnlySpan<byte> datagram, out byte kind, out long sequence, out int index, out int count)
        {
            kind = 0;
            sequence = 0;
            index = 0;
            count = 0;
            if (datagram.Length < HeaderBytes)
            {
                return false;
            }

            kind = datagram[0];
            sequence = BinaryPrimitives.ReadInt64LittleEndian(datagram.Slice(1));
            index = BinaryPrimitives.ReadUInt16LittleEndian(datagram.Slice(9));
            count = BinaryPrimitives.ReadUInt16LittleEndian(datagram.Slice(11));
            return count >= 1 && count <= MaxFragments && index < count;
        }
    }
}
