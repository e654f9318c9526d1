using System;
using System.Globalization;

namespace McastCrypto.Tlv
{
    /// <summary>Hex text for bytes, and bytes for hex text: netstandard2.0 has no Convert.ToHexString.</summary>
    public static class Hex
    {
        private const string Digits = "0123456789abcdef";

        /// <summary>Lower-case hex, two digits a byte, no separators.</summary>
        public static string Encode(byte[] bytes) => Encode(bytes, 0, bytes?.Length ?? 0);

        /// <summary>Lower-case hex of <paramref name="count"/> bytes from <paramref name="index"/>.</summary>
        public static string Encode(byte[] bytes, int index, int count)
        {
            if (bytes is null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            if (index < 0 || count < 0 || index > bytes.Length - count)
            {
                throw new ArgumentOutOfRangeException(nameof(count), "The region lies outside the buffer.");
            }

            var chars = new char[count * 2];
            for (int i = 0; i < count; i++)
            {
                byte b = bytes[index + i];
                chars[2 * i] = Digits[b >> 4];
                chars[2 * i + 1] = Digits[b & 0xF];
            }

            return new string(chars);
        }

        /// <summary>
        /// Reads hex digits, either case; white space, ':' and '-' between bytes and a leading 0x are
        /// allowed. Throws <see cref="FormatException"/> naming the first bad character.
        /// </summary>
        public static byte[] Decode(string text)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            int start = 0;
            while (start < text.Length && char.IsWhiteSpace(text[start]))
            {
                start++;
            }

            if (start + 1 < text.Length && text[start] == '0' && (text[start + 1] == 'x' || text[start + 1] == 'X'))
            {
                start += 2;
            }

            var bytes = new byte[text.Length / 2];
            int count = 0;
            int high = -1;
            for (int i = start; i < text.Length; i++)
            {
                char c = text[i];
                if (char.IsWhiteSpace(c) || c == ':' || c == '-')
                {
                    if (high >= 0)
                    {
                        throw new FormatException(string.Format(CultureInfo.InvariantCulture, "A separator at position {0} splits a byte: hex digits come in pairs.", i));
                    }

                    continue;
                }

                int digit = DigitValue(c);
                if (digit < 0)
                {
                    throw new FormatException(string.Format(CultureInfo.InvariantCulture, "'{0}' at position {1} is not a hex digit.", c, i));
                }

                if (high < 0)
                {
                    high = digit;
                }
                else
                {
                    bytes[count++] = (byte)((high << 4) | digit);
                    high = -1;
                }
            }

            if (high >= 0)
            {
                throw new FormatException("The hex text has an odd number of digits.");
            }

            Array.Resize(ref bytes, count);
            return bytes;
        }

        private static int DigitValue(char c)
        {
            if (c >= '0' && c <= '9')
            {
                return c - '0';
            }

            if (c >= 'a' && c <= 'f')
            {
                return c - 'a' + 10;
            }

            if (c >= 'A' && c <= 'F')
            {
                return c - 'A' + 10;
            }

            return -1;
        }
    }
}
