using System;
using System.Globalization;
using System.Text;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Text as a terminal lays it out: how many cells a character takes, and on which row and column
    /// of a wrapped line a character lands. Pure, so <see cref="ChatScreen"/> only moves the cursor.
    /// </summary>
    internal static class ChatText
    {
        // East Asian Wide and Fullwidth ranges and the emoji blocks terminals draw two cells wide
        // (after Markus Kuhn's wcwidth, with the newer emoji blocks): an approximation of what a
        // terminal does, which is all a terminal's own table is too.
        private static readonly int[] WideRanges =
        {
            0x1100, 0x115F, 0x231A, 0x231B, 0x2329, 0x232A, 0x23E9, 0x23EC, 0x23F0, 0x23F0, 0x23F3, 0x23F3,
            0x25FD, 0x25FE, 0x2614, 0x2615, 0x2648, 0x2653, 0x267F, 0x267F, 0x2693, 0x2693, 0x26A1, 0x26A1,
            0x26AA, 0x26AB, 0x26BD, 0x26BE, 0x26C4, 0x26C5, 0x26CE, 0x26CE, 0x26D4, 0x26D4, 0x26EA, 0x26EA,
            0x26F2, 0x26F3, 0x26F5, 0x26F5, 0x26FA, 0x26FA, 0x26FD, 0x26FD, 0x2705, 0x2705, 0x270A, 0x270B,
            0x2728, 0x2728, 0x274C, 0x274C, 0x274E, 0x274E, 0x2753, 0x2755, 0x2757, 0x2757, 0x2795, 0x2797,
            0x27B0, 0x27B0, 0x27BF, 0x27BF, 0x2B1B, 0x2B1C, 0x2B50, 0x2B50, 0x2B55, 0x2B55,
            0x2E80, 0x303E, 0x3041, 0x33FF, 0x3400, 0x4DBF, 0x4E00, 0x9FFF, 0xA000, 0xA4CF, 0xA960, 0xA97F,
            0xAC00, 0xD7A3, 0xF900, 0xFAFF, 0xFE10, 0xFE19, 0xFE30, 0xFE6F, 0xFF00, 0xFF60, 0xFFE0, 0xFFE6,
            0x16FE0, 0x16FE4, 0x17000, 0x18AFF, 0x1B000, 0x1B2FF, 0x1F004, 0x1F004, 0x1F0CF, 0x1F0CF,
            0x1F18E, 0x1F18E, 0x1F191, 0x1F19A, 0x1F200, 0x1F202, 0x1F210, 0x1F23B, 0x1F240, 0x1F248,
            0x1F250, 0x1F251, 0x1F260, 0x1F265, 0x1F300, 0x1F320, 0x1F32D, 0x1F335, 0x1F337, 0x1F37C,
            0x1F37E, 0x1F393, 0x1F3A0, 0x1F3CA, 0x1F3CF, 0x1F3D3, 0x1F3E0, 0x1F3F0, 0x1F3F4, 0x1F3F4,
            0x1F3F8, 0x1F43E, 0x1F440, 0x1F440, 0x1F442, 0x1F4FC, 0x1F4FF, 0x1F53D, 0x1F54B, 0x1F54E,
            0x1F550, 0x1F567, 0x1F57A, 0x1F57A, 0x1F595, 0x1F596, 0x1F5A4, 0x1F5A4, 0x1F5FB, 0x1F64F,
            0x1F680, 0x1F6C5, 0x1F6CC, 0x1F6CC, 0x1F6D0, 0x1F6D2, 0x1F6D5, 0x1F6D7, 0x1F6DC, 0x1F6DF,
            0x1F6EB, 0x1F6EC, 0x1F6F4, 0x1F6FC, 0x1F7E0, 0x1F7EB, 0x1F7F0, 0x1F7F0, 0x1F90C, 0x1F93A,
            0x1F93C, 0x1F945, 0x1F947, 0x1F9FF, 0x1FA70, 0x1FAFF, 0x20000, 0x2FFFD, 0x30000, 0x3FFFD,
        };

        /// <summary>
        /// The cells the character at <paramref name="index"/> takes: 2 for wide characters, 0 for
        /// the low half of a surrogate pair (its high half counts for the pair), for combining marks
        /// and format characters, and for control characters; 1 otherwise.
        /// </summary>
        public static int CellWidth(string text, int index)
        {
            char c = text[index];
            if (char.IsLowSurrogate(c))
            {
                return index > 0 && char.IsHighSurrogate(text[index - 1]) ? 0 : 1;
            }

            if (char.IsHighSurrogate(c))
            {
                return index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]) && IsWide(char.ConvertToUtf32(c, text[index + 1])) ? 2 : 1;
            }

            if (char.IsControl(c))
            {
                return 0;
            }

            UnicodeCategory category = CharUnicodeInfo.GetUnicodeCategory(c);
            if (category == UnicodeCategory.NonSpacingMark || category == UnicodeCategory.EnclosingMark || category == UnicodeCategory.Format)
            {
                return 0;
            }

            return IsWide(c) ? 2 : 1;
        }

        /// <summary>The cells a whole text takes on one unbounded row.</summary>
        public static int Cells(string text, int start = 0)
        {
            int cells = 0;
            for (int i = start; i < text.Length; i++)
            {
                cells += CellWidth(text, i);
            }

            return cells;
        }

        /// <summary>
        /// Where the character at <paramref name="index"/> lands when <paramref name="text"/> is written
        /// from column 0 of a row <paramref name="width"/> cells wide and wraps, as a terminal wraps it:
        /// a wide character that does not fit in the last column goes to the next row. For
        /// <paramref name="index"/> = the text's length, the cell after the last character (the start
        /// of the next row when the last row is full): where a cursor at the end of the text stands.
        /// </summary>
        public static (int Row, int Column) Locate(string text, int index, int width)
        {
            if (width < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, "A row must be at least two cells wide.");
            }

            if (index < 0 || index > text.Length)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, "The index must be within the text or just after it.");
            }

            int row = 0;
            int column = 0;
            for (int i = 0; i < index; i++)
            {
                int cells = CellWidth(text, i);
                if (cells > 0 && column + cells > width)
                {
                    row++;
                    column = 0;
                }

                column += cells;
            }

            int next = index < text.Length ? Math.Max(1, CellWidth(text, index)) : 1;
            if (column + next > width)
            {
                row++;
                column = 0;
            }

            return (row, column);
        }

        /// <summary>
        /// Where writing <paramref name="text"/> from column 0 leaves the terminal's cursor: the row of
        /// the last character, and the column after it, which is <paramref name="width"/> when the last
        /// row is full (a terminal then holds the cursor in the last column until more is written).
        /// </summary>
        public static (int Row, int Column) End(string text, int width)
        {
            if (width < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, "A row must be at least two cells wide.");
            }

            int row = 0;
            int column = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int cells = CellWidth(text, i);
                if (cells > 0 && column + cells > width)
                {
                    row++;
                    column = 0;
                }

                column += cells;
            }

            return (row, column);
        }

        /// <summary>
        /// The first index of <paramref name="text"/> that lands on <paramref name="row"/> or below
        /// (the text's length when the text ends above it).
        /// </summary>
        public static int IndexOfRow(string text, int row, int width)
        {
            if (width < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(width), width, "A row must be at least two cells wide.");
            }

            int at = 0;
            int column = 0;
            for (int i = 0; i < text.Length; i++)
            {
                int cells = CellWidth(text, i);
                if (cells > 0 && column + cells > width)
                {
                    at++;
                    column = 0;
                }

                if (cells > 0 && at >= row)
                {
                    return i;
                }

                column += cells;
            }

            return text.Length;
        }

        /// <summary>
        /// Text from the network (or any other stranger) made safe to print on a terminal: control
        /// characters (escape sequences, carriage returns that would overwrite the sender's name, bells)
        /// become U+FFFD, tabs become spaces, and a line break starts an indented line, so that no line
        /// of a message can pass for a line of the chat.
        /// </summary>
        public static string Printable(string? text)
        {
            if (string.IsNullOrEmpty(text))
            {
                return string.Empty;
            }

            var printable = new StringBuilder(text!.Length);
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                {
                    continue;
                }

                if (c == '\n')
                {
                    printable.Append(Environment.NewLine).Append("    ");
                }
                else if (c == '\t')
                {
                    printable.Append(' ');
                }
                else if (char.IsControl(c))
                {
                    printable.Append('\uFFFD');
                }
                else
                {
                    printable.Append(c);
                }
            }

            return printable.ToString();
        }

        private static bool IsWide(int codePoint)
        {
            for (int i = 0; i < WideRanges.Length; i += 2)
            {
                if (codePoint < WideRanges[i])
                {
                    return false;
                }

                if (codePoint <= WideRanges[i + 1])
                {
                    return true;
                }
            }

            return false;
        }
    }
}
