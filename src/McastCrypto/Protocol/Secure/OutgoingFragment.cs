using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>One Data fragment for the member to seal and send (again): its Q, its message, and where its payload is.</summary>
    internal sealed class OutgoingFragment
    {
        public OutgoingFragment(ulong sequence, ulong messageId, int index, int count, byte contentType, byte[] content, int offset, int length, bool retransmission, DatagramDeparture departure)
        {
            Departure = departure;
            Sequence = sequence;
            MessageId = messageId;
            Index = index;
            Count = count;
            ContentType = contentType;
            Content = content;
            Offset = offset;
            Length = length;
            Retransmission = retransmission;
        }

        /// <summary>Q: the member's data sequence number of this fragment.</summary>
        public ulong Sequence { get; }

        public ulong MessageId { get; }

        public int Index { get; }

        public int Count { get; }

        public byte ContentType { get; }

        /// <summary>The message's whole content as it goes on the wire; the payload is <see cref="Length"/> bytes from <see cref="Offset"/>.</summary>
        public byte[] Content { get; }

        public int Offset { get; }

        public int Length { get; }

        /// <summary>True when the fragment went out before.</summary>
        public bool Retransmission { get; }

        /// <summary>
        /// To stamp when this sending leaves for the network: its retransmission time-out runs from
        /// then (<see cref="ProtocolOutput{TEvent}.Add(byte[], DatagramDeparture, System.DateTimeOffset)"/>).
        /// </summary>
        public DatagramDeparture Departure { get; }

        /// <summary>The Data body: Q ‖ message id ‖ index ‖ count ‖ content type ‖ payload.</summary>
        public byte[] Body() => SecureCodec.MemberDataBody(Sequence, MessageId, Index, Count, ContentType, Content, Offset, Length);

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "Q {0} message {1:x16} fragment {2}/{3}{4}", Sequence, MessageId, Index, Count, Retransmission ? " (again)" : string.Empty);
    }
}
