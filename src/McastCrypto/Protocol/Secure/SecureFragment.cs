using System;
using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>One fragment of a message: in a member's Data plaintext (no sender) or a relay's Data record (with the sender).</summary>
    public sealed class SecureFragment
    {
        // Where the payload is: a plaintext it was parsed from (read in place), or an array of its own.
        private readonly byte[] buffer;
        private readonly int offset;
        private byte[]? payload;

        public SecureFragment(uint senderId, ulong sequence, ulong messageId, int index, int count, byte contentType, byte[] payload)
            : this(senderId, sequence, messageId, index, count, contentType, payload, 0, payload?.Length ?? 0)
        {
            this.payload = payload;
        }

        /// <summary>A fragment whose payload is <paramref name="length"/> bytes of <paramref name="buffer"/> from <paramref name="offset"/>, not copied.</summary>
        internal SecureFragment(uint senderId, ulong sequence, ulong messageId, int index, int count, byte contentType, byte[] buffer, int offset, int length)
        {
            SenderId = senderId;
            Sequence = sequence;
            MessageId = messageId;
            Index = index;
            Count = count;
            ContentType = contentType;
            this.buffer = buffer;
            this.offset = offset;
            PayloadLength = length;
        }

        /// <summary>The sender's member id (0 in a member's own Data, where the relay knows the sender).</summary>
        public uint SenderId { get; }

        /// <summary>Q: the sender's data sequence number, 0 for its first Data fragment of a handshake, +1 per new fragment.</summary>
        public ulong Sequence { get; }

        public ulong MessageId { get; }

        /// <summary>The fragment's 0-based index.</summary>
        public int Index { get; }

        /// <summary>How many fragments the message has.</summary>
        public int Count { get; }

        /// <summary>The content type: 01 text, 02 data, 03 file (<see cref="SecureCodec.IsKnownContentType"/>); any byte as parsed.</summary>
        public byte ContentType { get; }

        /// <summary>The payload, as an array of its own (copied out of the plaintext it was read from the first time it is asked for).</summary>
        public byte[] Payload => payload ??= (buffer is null ? null! : BigEndian.Slice(buffer, offset, PayloadLength));

        /// <summary>The payload's length.</summary>
        public int PayloadLength { get; }

        /// <summary>Where the payload is, without copying it.</summary>
        internal ArraySegment<byte> PayloadSegment => buffer is null ? default : new ArraySegment<byte>(buffer, offset, PayloadLength);

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "from {0:x8} Q {1} message {2:x16} fragment {3}/{4} type {5} [{6} bytes]", SenderId, Sequence, MessageId, Index, Count, ContentType, PayloadLength);
    }
}
