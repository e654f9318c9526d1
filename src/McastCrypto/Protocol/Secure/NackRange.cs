using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>Relay sequence numbers [First, First + Length): a range a Nack asks for, or an Unavailable record names.</summary>
    public readonly struct NackRange
    {
        public NackRange(ulong first, int length)
        {
            First = first;
            Length = length;
        }

        public ulong First { get; }

        public int Length { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0}+{1}", First, Length);
    }
}
