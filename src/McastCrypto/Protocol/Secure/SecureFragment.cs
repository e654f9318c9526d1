using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>One fragment of a message: in a member's Data plaintext (no sender) or a relay's Data record (with the sender).</summary>
    public sealed class SecureFragment
    {
        public SecureFragment(uint senderId, ulong messageId, int index, int count, byte flags, byte[] payload)
        {
            SenderId = senderId;
            MessageId = messageId;
            Index = index;
            Count = count;
            Flags = flags;
            Payload = payload;
        }

        /// <summary>The sender's member id (0 in a member's own Data, where the relay knows the sender).</summary>
        public uint SenderId { get; }

        public ulong MessageId { get; }

        /// <summary>The fragment's 0-based index.</summary>
        public int Index { get; }

        /// <summary>How many fragments the message has.</summary>
        public int Count { get; }

        /// <summary>Bit 0: the message is UTF-8 text. The other bits are 0.</summary>
        public byte Flags { get; }

        public byte[] Payload { get; }

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "from {0:x8} message {1:x16} fragment {2}/{3} [{4} bytes]", SenderId, MessageId, Index, Count, Payload.Length);
    }
}
