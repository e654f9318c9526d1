using System.Globalization;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>The value of a FragmentedData (1) record: message id, 0-based sequence, total, and the chunk.</summary>
    public sealed class Fragment
    {
        public Fragment(uint messageId, int sequence, int total, byte[] chunk)
        {
            MessageIdValue = messageId;
            Sequence = sequence;
            Total = total;
            Chunk = chunk;
        }

        /// <summary>The 4 message-id bytes as a big-endian number.</summary>
        public uint MessageIdValue { get; }

        /// <summary>The message id as 8 hex digits, as the bytes stand on the wire.</summary>
        public string MessageId => MessageIdValue.ToString("x8", CultureInfo.InvariantCulture);

        /// <summary>The 0-based position of this chunk.</summary>
        public int Sequence { get; }

        /// <summary>How many chunks the message has.</summary>
        public int Total { get; }

        public byte[] Chunk { get; }

        public int ChunkLength => Chunk.Length;

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "message {0} chunk {1}/{2} [{3} bytes]", MessageId, Sequence, Total, Chunk.Length);
    }
}
