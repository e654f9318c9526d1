using System;
using System.Globalization;
using System.Net;
using McastCrypto.Tlv;

namespace McastCrypto.Commands
{
    /// <summary>
    /// One datagram Watch-McastGroup heard on a group, as it arrived: who sent it, when, and its bytes.
    /// Its <see cref="Bytes"/> bind to ConvertFrom-Tlv's -InputObject by property name, so
    /// <c>Watch-McastGroup ... | ConvertFrom-Tlv -Recurse</c> decodes each datagram.
    /// </summary>
    public sealed class McastDatagram
    {
        private readonly byte[] bytes;

        /// <param name="bytes">The datagram's bytes; not copied, the object owns them from here on.</param>
        /// <param name="source">The sender's address and port.</param>
        /// <param name="group">The group it was heard on.</param>
        /// <param name="port">The group's port.</param>
        /// <param name="receivedAt">When it was taken from the socket.</param>
        public McastDatagram(byte[] bytes, IPEndPoint source, IPAddress group, int port, DateTimeOffset receivedAt)
        {
            this.bytes = bytes ?? throw new ArgumentNullException(nameof(bytes));
            Source = source ?? throw new ArgumentNullException(nameof(source));
            Group = group ?? throw new ArgumentNullException(nameof(group));
            Port = port;
            ReceivedAt = receivedAt;
            Type = FirstRecordType(bytes);
        }

        /// <summary>The sender's address and port (a member's or the relay's send socket).</summary>
        public IPEndPoint Source { get; }

        /// <summary>The multicast group the datagram was sent to.</summary>
        public IPAddress Group { get; }

        /// <summary>The group's UDP port.</summary>
        public int Port { get; }

        /// <summary>When the watcher took the datagram from its socket, in local time.</summary>
        public DateTimeOffset ReceivedAt { get; }

        /// <summary>The number of bytes in the datagram.</summary>
        public int Length => bytes.Length;

        /// <summary>The datagram's bytes, as sent.</summary>
        public byte[] Bytes => bytes;

        /// <summary>
        /// The type in the header of the datagram's first TLV record, when the datagram begins with a
        /// whole record (a header and as many value bytes as it announces); null otherwise. Only the
        /// header is read: ConvertFrom-Tlv decodes and checks the rest.
        /// </summary>
        public TlvType? Type { get; }

        /// <summary>The name of <see cref="Type"/> (its number when it has none), or null when the datagram does not begin with a whole TLV record.</summary>
        public string? TypeName => Type?.ToString();

        /// <summary>The whole datagram as lower-case hex, two digits a byte.</summary>
        public string Hex => McastCrypto.Tlv.Hex.Encode(bytes);

        /// <summary>The first <paramref name="maxBytes"/> bytes as lower-case hex, with an ellipsis when cut.</summary>
        public string Preview(int maxBytes)
        {
            if (maxBytes < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxBytes));
            }

            int shown = Math.Min(maxBytes, bytes.Length);
            string hex = McastCrypto.Tlv.Hex.Encode(bytes, 0, shown);
            return shown < bytes.Length ? hex + "\u2026" : hex;
        }

        /// <inheritdoc />
        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "{0} bytes from {1} ({2})", Length, Source, TypeName ?? "not TLV");

        private static TlvType? FirstRecordType(byte[] datagram)
        {
            if (datagram.Length < TlvRecord.HeaderLength)
            {
                return null;
            }

            int type = (datagram[0] << 8) | datagram[1];
            int length = (datagram[2] << 8) | datagram[3];
            return length <= datagram.Length - TlvRecord.HeaderLength ? (TlvType)type : null;
        }
    }
}
