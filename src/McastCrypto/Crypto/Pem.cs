using System;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// PEM (RFC 7468) text for DER bytes and back, in the form Python's <c>cryptography</c> writes:
    /// <c>-----BEGIN label-----</c>, base64 in lines of 64 characters, <c>-----END label-----</c>,
    /// every line ending in "\n".
    /// </summary>
    public static class Pem
    {
        private const int LineLength = 64;
        private const string Dashes = "-----";
        private const string BeginPrefix = "-----BEGIN ";
        private const string EndPrefix = "-----END ";

        /// <summary>
        /// Encodes <paramref name="der"/> as one PEM block: header, base64 in lines of 64 characters,
        /// footer, each line ending in "\n" (the last one too).
        /// </summary>
        /// <param name="label">The label, such as <c>PUBLIC KEY</c>: printable ASCII, no '-' at either end.</param>
        /// <param name="der">The bytes to encode; not empty.</param>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException">The label is not a valid PEM label, or <paramref name="der"/> is empty.</exception>
        public static string Encode(string label, byte[] der)
        {
            CheckLabel(label);
            if (der is null)
            {
                throw new ArgumentNullException(nameof(der));
            }

            if (der.Length == 0)
            {
                throw new ArgumentException("There are no bytes to encode.", nameof(der));
            }

            string base64 = Convert.ToBase64String(der);
            int lines = (base64.Length + LineLength - 1) / LineLength;
            var text = new StringBuilder((2 * label.Length) + 32 + base64.Length + lines);
            text.Append(BeginPrefix).Append(label).Append(Dashes).Append('\n');
            for (int i = 0; i < base64.Length; i += LineLength)
            {
                text.Append(base64, i, Math.Min(LineLength, base64.Length - i)).Append('\n');
            }

            text.Append(EndPrefix).Append(label).Append(Dashes).Append('\n');
            return text.ToString();
        }

        /// <summary>
        /// Decodes one PEM block with the given label. Accepts "\n" or "\r\n" line ends, a final line
        /// end or none, white space around the block and at the ends of lines, and base64 lines of any
        /// length. Refuses anything else: text before or after the block, another label, PEM headers,
        /// blank lines, characters outside base64, bad padding, an empty body.
        /// </summary>
        /// <param name="label">The expected label, such as <c>PUBLIC KEY</c>.</param>
        /// <param name="text">The PEM text.</param>
        /// <returns>The decoded bytes (never empty).</returns>
        /// <exception cref="ArgumentNullException">An argument is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="label"/> is not a valid PEM label.</exception>
        /// <exception cref="CryptographicException">The text is not one PEM block with that label; the message says why.</exception>
        public static byte[] Decode(string label, string text)
        {
            CheckLabel(label);
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            string trimmed = text.Trim();
            if (trimmed.Length == 0)
            {
                throw Fail("The PEM text is empty.");
            }

            string[] lines = trimmed.Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                lines[i] = lines[i].TrimEnd(' ', '\t', '\r');
            }

            string header = lines[0];
            if (!IsBoundary(header, BeginPrefix))
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The text is not PEM: it does not start with '{0}{1}{2}'.",
                    BeginPrefix,
                    label,
                    Dashes));
            }

            string found = header.Substring(BeginPrefix.Length, header.Length - BeginPrefix.Length - Dashes.Length);
            if (!string.Equals(found, label, StringComparison.Ordinal))
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The PEM block is a '{0}', not a '{1}'.",
                    Printable(found),
                    label));
            }

            string footer = lines[lines.Length - 1];
            string expectedFooter = EndPrefix + label + Dashes;
            if (lines.Length < 2 || !string.Equals(footer, expectedFooter, StringComparison.Ordinal))
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The PEM block does not end with '{0}' (nothing may follow it but white space).",
                    expectedFooter));
            }

            var body = new StringBuilder(trimmed.Length);
            for (int i = 1; i < lines.Length - 1; i++)
            {
                string line = lines[i];
                if (line.Length == 0)
                {
                    throw Fail(string.Format(CultureInfo.InvariantCulture, "Line {0} of the PEM block is empty.", i + 1));
                }

                if (line.StartsWith(Dashes, StringComparison.Ordinal))
                {
                    throw Fail(string.Format(
                        CultureInfo.InvariantCulture,
                        "Line {0} of the PEM block is a boundary: the text holds more than one PEM block.",
                        i + 1));
                }

                foreach (char c in line)
                {
                    if (!IsBase64Character(c))
                    {
                        throw Fail(string.Format(
                            CultureInfo.InvariantCulture,
                            "Line {0} of the PEM block has a character that is not base64 (U+{1:X4}); PEM headers are not supported.",
                            i + 1,
                            (int)c));
                    }
                }

                body.Append(line);
            }

            if (body.Length == 0)
            {
                throw Fail("The PEM block holds no data.");
            }

            byte[] der;
            try
            {
                der = Convert.FromBase64String(body.ToString());
            }
            catch (FormatException ex)
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The body of the PEM block is not valid base64: {0}", ex.Message),
                    ex);
            }

            if (der.Length == 0)
            {
                throw Fail("The PEM block holds no data.");
            }

            return der;
        }

        private static bool IsBoundary(string line, string prefix) =>
            line.Length > prefix.Length + Dashes.Length
            && line.StartsWith(prefix, StringComparison.Ordinal)
            && line.EndsWith(Dashes, StringComparison.Ordinal);

        private static bool IsBase64Character(char c) =>
            (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';

        /// <summary>A label read from untrusted text, made safe to put in a message.</summary>
        private static string Printable(string value)
        {
            const int MaxShown = 40;
            var shown = new StringBuilder(Math.Min(value.Length, MaxShown) + 3);
            for (int i = 0; i < value.Length && i < MaxShown; i++)
            {
                char c = value[i];
                shown.Append(c >= ' ' && c <= '~' ? c : '?');
            }

            if (value.Length > MaxShown)
            {
                shown.Append("...");
            }

            return shown.ToString();
        }

        private static void CheckLabel(string label)
        {
            if (label is null)
            {
                throw new ArgumentNullException(nameof(label));
            }

            bool valid = label.Length > 0 && label[0] != ' ' && label[0] != '-'
                && label[label.Length - 1] != ' ' && label[label.Length - 1] != '-';
            foreach (char c in label)
            {
                valid &= c >= ' ' && c <= '~';
            }

            if (!valid)
            {
                throw new ArgumentException(
                    "A PEM label is printable ASCII, not empty, with no space or '-' at either end.",
                    nameof(label));
            }
        }

        private static CryptographicException Fail(string message) => new CryptographicException(message);
    }
}
