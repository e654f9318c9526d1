using System;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>Big-endian unsigned integers in byte arrays, and small byte helpers (netstandard2.0 has no BinaryPrimitives).</summary>
    internal static class BigEndian
    {
        public static ushort ReadU16(byte[] b, int at) => (ushort)((b[at] << 8) | b[at + 1]);

        public static uint ReadU32(byte[] b, int at) => ((uint)b[at] << 24) | ((uint)b[at + 1] << 16) | ((uint)b[at + 2] << 8) | b[at + 3];

        public static ulong ReadU64(byte[] b, int at) => ((ulong)ReadU32(b, at) << 32) | ReadU32(b, at + 4);

        public static void WriteU16(byte[] b, int at, int value)
        {
            b[at] = (byte)(value >> 8);
            b[at + 1] = (byte)value;
        }

        public static void WriteU32(byte[] b, int at, uint value)
        {
            b[at] = (byte)(value >> 24);
            b[at + 1] = (byte)(value >> 16);
            b[at + 2] = (byte)(value >> 8);
            b[at + 3] = (byte)value;
        }

        public static void WriteU64(byte[] b, int at, ulong value)
        {
            WriteU32(b, at, (uint)(value >> 32));
            WriteU32(b, at + 4, (uint)value);
        }

        public static byte[] U16(int value)
        {
            var b = new byte[2];
            WriteU16(b, 0, value);
            return b;
        }

        public static byte[] U32(uint value)
        {
            var b = new byte[4];
            WriteU32(b, 0, value);
            return b;
        }

        public static byte[] U64(ulong value)
        {
            var b = new byte[8];
            WriteU64(b, 0, value);
            return b;
        }

        public static byte[] Slice(byte[] b, int at, int count)
        {
            var slice = new byte[count];
            Buffer.BlockCopy(b, at, slice, 0, count);
            return slice;
        }

        public static byte[] Concat(params byte[][] parts)
        {
            int length = 0;
            foreach (byte[] part in parts)
            {
                length += part.Length;
            }

            var all = new byte[length];
            int offset = 0;
            foreach (byte[] part in parts)
            {
                Buffer.BlockCopy(part, 0, all, offset, part.Length);
                offset += part.Length;
            }

            return all;
        }

        public static bool Equal(byte[]? a, byte[]? b)
        {
            if (a is null || b is null || a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        public static bool Equal(byte[] a, int aOffset, byte[] b, int bOffset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (a[aOffset + i] != b[bOffset + i])
                {
                    return false;
                }
            }

            return true;
        }

        public static bool AllZero(byte[] b, int at, int count)
        {
            for (int i = 0; i < count; i++)
            {
                if (b[at + i] != 0)
                {
                    return false;
                }
            }

            return true;
        }
    }
}
