using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace McastCrypto.Protocol
{
    /// <summary>What a message carries: a text, bytes, or a file (its name, its bytes, their SHA-256).</summary>
    public enum MessageContentKind
    {
        /// <summary>A text: its bytes are its UTF-8.</summary>
        Text = 1,

        /// <summary>Bytes with no name.</summary>
        Data = 2,

        /// <summary>The bytes of a file, with the file's name and the SHA-256 of its bytes.</summary>
        File = 3,
    }

    /// <summary>
    /// The content of one message, sent or received. The bytes are not copied: the caller must not
    /// change them afterwards.
    /// </summary>
    public sealed class MessageContent
    {
        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        private MessageContent(MessageContentKind kind, byte[] bytes, string? text, string? fileName, byte[]? sha256)
        {
            Kind = kind;
            Bytes = bytes;
            Text = text;
            FileName = fileName;
            Sha256 = sha256;
        }

        public MessageContentKind Kind { get; }

        /// <summary>The content's bytes (for a text, its UTF-8).</summary>
        public byte[] Bytes { get; }

        /// <summary>The text, for <see cref="MessageContentKind.Text"/>; else null.</summary>
        public string? Text { get; }

        /// <summary>The file's name (a name, never a path), for <see cref="MessageContentKind.File"/>; else null.</summary>
        public string? FileName { get; }

        /// <summary>The SHA-256 of <see cref="Bytes"/>, for <see cref="MessageContentKind.File"/>; else null.</summary>
        public byte[]? Sha256 { get; }

        public int Length => Bytes.Length;

        /// <summary>A text. Throws ArgumentException for a text that is not valid Unicode (a lone surrogate).</summary>
        public static MessageContent FromText(string text)
        {
            if (text is null)
            {
                throw new ArgumentNullException(nameof(text));
            }

            byte[] bytes;
            try
            {
                bytes = StrictUtf8.GetBytes(text);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("The text is not valid Unicode (a lone surrogate).", nameof(text), e);
            }

            return new MessageContent(MessageContentKind.Text, bytes, text, null, null);
        }

        /// <summary>Bytes, not copied.</summary>
        public static MessageContent FromData(byte[] data) =>
            new MessageContent(MessageContentKind.Data, data ?? throw new ArgumentNullException(nameof(data)), null, null, null);

        /// <summary>
        /// A file's bytes under <paramref name="fileName"/>, which must be a bare name: 1 to 255 bytes
        /// of UTF-8, no directory separator, no control character, not "." or "..". The SHA-256 is
        /// computed here.
        /// </summary>
        public static MessageContent FromFile(string fileName, byte[] data)
        {
            if (data is null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            string? problem = CheckFileName(fileName);
            if (problem is not null)
            {
                throw new ArgumentException(problem, nameof(fileName));
            }

            byte[] digest;
            using (SHA256 sha = SHA256.Create())
            {
                digest = sha.ComputeHash(data);
            }

            return new MessageContent(MessageContentKind.File, data, null, fileName, digest);
        }

        /// <summary>
        /// Content as a receiver rebuilt it, checked by the protocol that built it (the text decoded
        /// strictly, the file's name checked with <see cref="CheckFileName"/>, its SHA-256 compared).
        /// </summary>
        public static MessageContent Received(MessageContentKind kind, byte[] bytes, string? text, string? fileName, byte[]? sha256) =>
            new MessageContent(kind, bytes ?? throw new ArgumentNullException(nameof(bytes)), text, fileName, sha256);

        /// <summary>
        /// Null when <paramref name="fileName"/> is a name a message may carry; else what is wrong with
        /// it. A receiver still sanitises the name before writing (names legal here may not be on its
        /// file system).
        /// </summary>
        public static string? CheckFileName(string? fileName)
        {
            if (string.IsNullOrEmpty(fileName))
            {
                return "A file name cannot be empty.";
            }

            if (fileName == "." || fileName == "..")
            {
                return "A file name cannot be '.' or '..'.";
            }

            foreach (char c in fileName!)
            {
                if (c == '/' || c == '\\' || c < ' ' || (c >= '\u007f' && c <= '\u009f'))
                {
                    return "A file name must be a bare name: no '/' or '\\', no control character.";
                }
            }

            int length;
            try
            {
                length = StrictUtf8.GetByteCount(fileName);
            }
            catch (EncoderFallbackException)
            {
                return "A file name must be valid Unicode.";
            }

            return length > 255 ? "A file name can have at most 255 bytes of UTF-8." : null;
        }

        /// <summary>Reads a whole file as content under its own name (the last part of the path).</summary>
        public static MessageContent ReadFile(string path) => FromFile(Path.GetFileName(path), File.ReadAllBytes(path));
    }
}
