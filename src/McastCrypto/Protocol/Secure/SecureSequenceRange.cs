using System;
using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// A run of consecutive relay sequence numbers (R): the first and how many, 1 to 65,535. A Nack
    /// asks for ranges, an Unavailable record names one.
    /// </summary>
    public readonly struct SecureSequenceRange : IEquatable<SecureSequenceRange>
    {
        /// <summary>The most numbers one range holds on the wire: 65,535.</summary>
        public const int MaxLength = ushort.MaxValue;

        /// <param name="first">The first number.</param>
        /// <param name="length">How many numbers, 1 to 65,535; the last must not pass 2^64 - 1.</param>
        public SecureSequenceRange(ulong first, int length)
        {
            if (length < 1 || length > MaxLength || first > ulong.MaxValue - (ulong)(length - 1))
            {
                throw new ArgumentOutOfRangeException(nameof(length), length, "A range holds 1 to 65,535 numbers, the last at most 2^64 - 1.");
            }

            First = first;
            Length = length;
        }

        /// <summary>The first number of the range.</summary>
        public ulong First { get; }

        /// <summary>How many numbers, 1 to 65,535.</summary>
        public int Length { get; }

        /// <summary>The last number of the range (inclusive).</summary>
        public ulong Last => First + (ulong)(Length - 1);

        /// <summary>True when <paramref name="number"/> is in the range.</summary>
        public bool Contains(ulong number) => number >= First && number <= Last;

        public bool Equals(SecureSequenceRange other) => First == other.First && Length == other.Length;

        public override bool Equals(object? obj) => obj is SecureSequenceRange other && Equals(other);

        public override int GetHashCode() => First.GetHashCode() ^ Length;

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0}..{1}", First, Last);
    }
}
