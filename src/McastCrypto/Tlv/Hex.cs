using System;
using System.Globalization;

namespace McastCrypto.Tlv
{
    /// <summary>Hex text for bytes, and bytes for hex text: netstandard2.0 has no Convert.ToHexString.</summary>
    public static class Hex
    {
        private const string Digits = "0123456789abcdef";

        /// <summary>Lower-case hex, two digits a byte, no separators.</summary>
        public static string Encode(byte[] bytes)
        {
            if (bytes is null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = Digits[bytes[i] >> 4];
                chars[2 * i + 1] = Digits[bytes[i] & 0xF];
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
