using System;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// <para>
    /// A sliding anti-replay window over 64-bit sequence numbers, as IPsec ESP and DTLS keep one per
    /// sender: it remembers the highest number accepted and which of the <see cref="Size"/> numbers
    /// up to it were seen, in a bitmap of 64-bit words (RFC 6479: one word more than the window
    /// needs, so that sliding forward clears whole words instead of shifting bits). A number above
    /// the highest is new; one at or below the highest is new only while it is within the window and
    /// not marked; one that fell out of the window (highest - number &gt;= Size) is refused.
    /// </para>
    /// <para>
    /// <see cref="Check"/> answers without changing anything, so a datagram is checked before it is
    /// authenticated; <see cref="Update"/> marks the number only after the datagram proved itself,
    /// so forged datagrams can neither mark numbers nor push the window forward. Memory is fixed at
    /// construction: Size / 64 + 1 words. Not thread-safe.
    /// </para>
    /// </summary>
    public sealed class ReplayWindow
    {
        /// <summary>The window of the Secure protocol: 1,024 sequence numbers.</summary>
        public const int DefaultSize = 1024;

        private const int WordBits = 64;

        private readonly ulong[] words;
        private ulong highest;
        private bool any;

        /// <param name="size">How many numbers up to the highest are remembered: a multiple of 64, from 64 to 65,536.</param>
        public ReplayWindow(int size = DefaultSize)
        {
            if (size < WordBits || size > 65536 || size % WordBits != 0)
            {
                throw new ArgumentOutOfRangeException(nameof(size), size, "A replay window is a multiple of 64 numbers, from 64 to 65,536.");
            }

            Size = size;
            words = new ulong[(size / WordBits) + 1];
        }

        /// <summary>How many sequence numbers, up to and including the highest, the window tells apart.</summary>
        public int Size { get; }

        /// <summary>The highest number accepted so far; null before the first.</summary>
        public ulong? Highest => any ? highest : (ulong?)null;

        /// <summary>True when <paramref name="sequence"/> has not been accepted and is not too old to tell: changes nothing.</summary>
        public bool Check(ulong sequence)
        {
            if (!any || sequence > highest)
            {
                return true;
            }

            if (highest - sequence >= (ulong)Size)
            {
                return false;
            }

            return (words[WordIndex(sequence)] & Bit(sequence)) == 0;
        }

        /// <summary>
        /// Marks <paramref name="sequence"/> as accepted, sliding the window forward when it is the new
        /// highest. Call it only after the datagram was authenticated. Returns false (and changes
        /// nothing) when <see cref="Check"/> would have refused the number.
        /// </summary>
        public bool Update(ulong sequence)
        {
            if (!Check(sequence))
            {
                return false;
            }

            if (!any)
            {
                any = true;
                highest = sequence;
            }
            else if (sequence > highest)
            {
                // Clear the words between the old highest's and the new one's: at most all of them.
                ulong oldWord = highest / WordBits;
                ulong newWord = sequence / WordBits;
                ulong steps = newWord - oldWord;
                if (steps >= (ulong)words.Length)
                {
                    Array.Clear(words, 0, words.Length);
                }
                else
                {
                    for (ulong w = oldWord + 1; w <= newWord; w++)
                    {
                        words[(int)(w % (ulong)words.Length)] = 0;
                    }
                }

                highest = sequence;
            }

            words[WordIndex(sequence)] |= Bit(sequence);
            return true;
        }

        private int WordIndex(ulong sequence) => (int)((sequence / WordBits) % (ulong)words.Length);

        private static ulong Bit(ulong sequence) => 1UL << (int)(sequence % WordBits);
    }
}
