using System;
using System.Globalization;
using System.Net;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>
    /// Encodes and decodes the values of the Classic protocol's structured records (docs/protocol.md):
    /// FragmentedData, SenderInfo, ClientConnect and ClientDisconnect. Pure: bytes in, values out.
    /// Every decoder checks lengths first and reports a malformed value as <see cref="TlvFormatException"/>.
    /// </summary>
    public static class ClassicCodec
    {
        /// <summary>Message id (4) + sequence (2) + total (2).</summary>
        public const int FragmentHeaderLength = 8;

        /// <summary>IPv4 address (4) + port (2).</summary>
        public const int AddressLength = 6;

        /// <summary>Decodes a record's value when its type has a known structure; returns null for the others.</summary>
        public static object? Decode(TlvRecord record)
        {
            if (record is null)
            {
                throw new ArgumentNullException(nameof(record));
            }

            switch (record.Type)
            {
                case TlvType.FragmentedData:
                    return DecodeFragment(record);
                case TlvType.SenderInfo:
                    return DecodeSenderInfo(record);
                case TlvType.ClientConnect:
                case TlvType.ClientDisconnect:
                    return DecodePresence(record);
                default:
                    return null;
            }
        }

        public static Fragment DecodeFragment(TlvRecord record)
        {
            byte[] v = record.Value;
            if (v.Length < FragmentHeaderLength)
            {
                throw Malformed(record, "a FragmentedData value needs {0} header bytes but has {1}", FragmentHeaderLength, v.Length);
            }

            uint id = (uint)((v[0] << 24) | (v[1] << 16) | (v[2] << 8) | v[3]);
            int sequence = (v[4] << 8) | v[5];
            int total = (v[6] << 8) | v[7];
            if (total == 0)
            {
                throw Malformed(record, "a FragmentedData value says the message has 0 fragments");
            }

            if (sequence >= total)
            {
                throw Malformed(record, "a FragmentedData value has sequence {0} but only {1} fragments", sequence, total);
            }

            var chunk = new byte[v.Length - FragmentHeaderLength];
            Buffer.BlockCopy(v, FragmentHeaderLength, chunk, 0, chunk.Length);
            return new Fragment(id, sequence, total, chunk);
        }

        public static SenderInfo DecodeSenderInfo(TlvRecord record)
        {
            byte[] v = record.Value;
            if (v.Length < AddressLength)
            {
                throw Malformed(record, "a SenderInfo value needs {0} address bytes but has {1}", AddressLength, v.Length);
            }

            IPEndPoint sender = ReadEndPoint(v, 0);
            int innerOffset = record.Offset + TlvRecord.HeaderLength + AddressLength;
            if (!TlvReader.TryReadSingle(v, AddressLength, v.Length - AddressLength, innerOffset, out TlvRecord? inner, out TlvFormatException? error))
            {
                throw error!;
            }

            return new SenderInfo(sender, inner!);
        }

        public static PresenceNotice DecodePresence(TlvRecord record)
        {
            byte[] v = record.Value;
            if (v.Length != AddressLength)
            {
                throw Malformed(record, "a {0} value must be {1} bytes (IPv4 address and port) but has {2}", record.TypeName, AddressLength, v.Length);
            }

            return new PresenceNotice(record.Type == TlvType.ClientConnect, ReadEndPoint(v, 0));
        }

        /// <summary>Encodes the value of a FragmentedData record.</summary>
        public static byte[] EncodeFragmentValue(uint messageId, int sequence, int total, byte[] chunk, int index, int count)
        {
            if (total < 1 || total > ushort.MaxValue)
            {
                throw new ArgumentOutOfRangeException(nameof(total), total, "A message has 1 to 65535 fragments.");
            }

            if (sequence < 0 || sequence >= total)
            {
                throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "The sequence must be below the total.");
            }

            var value = new byte[FragmentHeaderLength + count];
            value[0] = (byte)(messageId >> 24);
            value[1] = (byte)(messageId >> 16);
            value[2] = (byte)(messageId >> 8);
            value[3] = (byte)messageId;
            value[4] = (byte)(sequence >> 8);
            value[5] = (byte)sequence;
            value[6] = (byte)(total >> 8);
            value[7] = (byte)total;
            Buffer.BlockCopy(chunk, index, value, FragmentHeaderLength, count);
            return value;
        }

        /// <summary>Encodes an IPv4 address and port as 6 bytes (inet_aton, then u16 big-endian).</summary>
        /// <exception cref="ArgumentException">The address is IPv6 (an IPv4-mapped one is taken as its IPv4 address).</exception>
        public static byte[] EncodeEndPoint(IPEndPoint endPoint)
        {
            ClassicAddresses.RequireIPv4EndPoint(endPoint, nameof(endPoint));
            byte[] address = endPoint.Address.MapToIPv4().GetAddressBytes();
            return new[] { address[0], address[1], address[2], address[3], (byte)(endPoint.Port >> 8), (byte)endPoint.Port };
        }

        /// <summary>Reads 6 bytes at <paramref name="index"/> as an IPv4 address and port; the caller checked the length.</summary>
        public static IPEndPoint ReadEndPoint(byte[] value, int index)
        {
            var address = new IPAddress(new[] { value[index], value[index + 1], value[index + 2], value[index + 3] });
            return new IPEndPoint(address, (value[index + 4] << 8) | value[index + 5]);
        }

        private static TlvFormatException Malformed(TlvRecord record, string format, params object[] args) =>
            new TlvFormatException(record.Offset, string.Format(CultureInfo.InvariantCulture, format, args));
    }
}
