using System;
using System.Security.Cryptography;
using System.Text;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// A message's content as its fragments carry it (docs/protocol.md, "Content types"): a text's
    /// UTF-8 (type 01), bytes as they are (02), or a file (03): name length (2) ‖ name (UTF-8, 1 to
    /// 255 bytes, a bare name) ‖ SHA-256 of the file's bytes (32) ‖ the file's bytes. Pure.
    /// </summary>
    public static class SecureContent
    {
        /// <summary>A file's bytes before its name: the name's length.</summary>
        public const int FileNameLengthBytes = 2;

        /// <summary>The SHA-256 after the name.</summary>
        public const int FileDigestBytes = 32;

        /// <summary>The longest file name, in bytes of UTF-8.</summary>
        public const int MaxFileNameBytes = 255;

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>The content type byte of <paramref name="kind"/>.</summary>
        public static byte TypeOf(MessageContentKind kind)
        {
            switch (kind)
            {
                case MessageContentKind.Text:
                    return SecureCodec.ContentText;
                case MessageContentKind.Data:
                    return SecureCodec.ContentData;
                case MessageContentKind.File:
                    return SecureCodec.ContentFile;
                default:
                    throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a content kind.");
            }
        }

        /// <summary>The bytes the fragments of <paramref name="content"/> carry, together.</summary>
        public static byte[] Encode(MessageContent content)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            if (content.Kind != MessageContentKind.File)
            {
                return content.Bytes;
            }

            byte[] name = StrictUtf8.GetBytes(content.FileName!);
            if (name.Length < 1 || name.Length > MaxFileNameBytes || content.Sha256 is null || content.Sha256.Length != FileDigestBytes)
            {
                throw new ArgumentException("A file's name is 1 to 255 bytes of UTF-8 and its digest a SHA-256.", nameof(content));
            }

            var bytes = new byte[FileNameLengthBytes + name.Length + FileDigestBytes + content.Bytes.Length];
            BigEndian.WriteU16(bytes, 0, name.Length);
            Buffer.BlockCopy(name, 0, bytes, FileNameLengthBytes, name.Length);
            Buffer.BlockCopy(content.Sha256, 0, bytes, FileNameLengthBytes + name.Length, FileDigestBytes);
            Buffer.BlockCopy(content.Bytes, 0, bytes, FileNameLengthBytes + name.Length + FileDigestBytes, content.Bytes.Length);
            return bytes;
        }

        /// <summary>How many bytes the fragments of <paramref name="content"/> carry (its bytes, with a file's name and digest).</summary>
        public static long EncodedLength(MessageContent content)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            return content.Kind != MessageContentKind.File
                ? content.Bytes.Length
                : (long)FileNameLengthBytes + StrictUtf8.GetByteCount(content.FileName!) + FileDigestBytes + content.Bytes.Length;
        }

        /// <summary>
        /// Reads reassembled content of <paramref name="contentType"/>. False with a drop reason
        /// (InvalidText, BadFileName, BadFileHash, UnsupportedContent) and the matching
        /// <see cref="GapReasons"/> sentence when it does not check.
        /// </summary>
        public static bool TryDecode(byte contentType, byte[] bytes, out MessageContent? content, out string? dropReason, out string? gapReason)
        {
            if (bytes is null)
            {
                throw new ArgumentNullException(nameof(bytes));
            }

            content = null;
            dropReason = null;
            gapReason = null;
            switch (contentType)
            {
                case SecureCodec.ContentText:
                    string text;
                    try
                    {
                        text = StrictUtf8.GetString(bytes);
                    }
                    catch (DecoderFallbackException)
                    {
                        dropReason = "InvalidText";
                        gapReason = GapReasons.InvalidText;
                        return false;
                    }

                    content = MessageContent.Received(MessageContentKind.Text, bytes, text, null, null);
                    return true;
                case SecureCodec.ContentData:
                    content = MessageContent.Received(MessageContentKind.Data, bytes, null, null, null);
                    return true;
                case SecureCodec.ContentFile:
                    return TryDecodeFile(bytes, out content, out dropReason, out gapReason);
                default:
                    dropReason = "UnsupportedContent";
                    gapReason = GapReasons.UnsupportedContent;
                    return false;
            }
        }

        private static bool TryDecodeFile(byte[] bytes, out MessageContent? content, out string? dropReason, out string? gapReason)
        {
            content = null;
            dropReason = "BadFileName";
            gapReason = GapReasons.BadFileName;
            if (bytes.Length < FileNameLengthBytes + 1 + FileDigestBytes)
            {
                return false;
            }

            int nameLength = BigEndian.ReadU16(bytes, 0);
            if (nameLength < 1 || nameLength > MaxFileNameBytes || bytes.Length < FileNameLengthBytes + nameLength + FileDigestBytes)
            {
                return false;
            }

            string name;
            try
            {
                name = StrictUtf8.GetString(bytes, FileNameLengthBytes, nameLength);
            }
            catch (DecoderFallbackException)
            {
                return false;
            }

            if (MessageContent.CheckFileName(name) is not null)
            {
                return false;
            }

            int digestAt = FileNameLengthBytes + nameLength;
            int dataAt = digestAt + FileDigestBytes;
            byte[] digest = BigEndian.Slice(bytes, digestAt, FileDigestBytes);
            byte[] data = BigEndian.Slice(bytes, dataAt, bytes.Length - dataAt);
            byte[] actual;
            using (SHA256 sha = SHA256.Create())
            {
                actual = sha.ComputeHash(data);
            }

            if (!BigEndian.Equal(actual, digest))
            {
                dropReason = "BadFileHash";
                gapReason = GapReasons.BadFileHash;
                return false;
            }

            dropReason = null;
            gapReason = null;
            content = MessageContent.Received(MessageContentKind.File, data, null, name, digest);
            return true;
        }
    }
}
