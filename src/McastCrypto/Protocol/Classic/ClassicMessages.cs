using System;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>
    /// The Classic protocol's message encoding, both directions (docs/protocol.md, "Member
    /// to relay" and "Relay to members"): text to encrypted, fragmented datagrams; payloads back to text.
    /// </summary>
    public static class ClassicMessages
    {
        /// <summary>The control texts of the member's life cycle.</summary>
        public const string Connect = "CONNECT";

        public const string Disconnect = "DISCONNECT";

        /// <summary>The page's largest plaintext block: RSA-2048 with OAEP-SHA-256 takes 256 - 2*32 - 2 bytes.</summary>
        public const int MaxBlockBytes = 190;

        /// <summary>UTF-8 that refuses invalid bytes instead of replacing them.</summary>
        public static readonly Encoding StrictUtf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

        /// <summary>
        /// Encrypts <paramref name="data"/> for the relay in blocks of at most the key's OAEP limit
        /// (190 bytes for RSA-2048), joins the TLV 3 blocks, and cuts the payload into TLV 1 datagrams
        /// of at most <paramref name="fragmentSize"/> payload bytes, all with <paramref name="messageId"/>.
        /// </summary>
        public static List<byte[]> Encode(byte[] data, RsaPublicKey relayKey, uint messageId, int fragmentSize)
        {
            if (data is null)
            {
                throw new ArgumentNullException(nameof(data));
            }

            if (relayKey is null)
            {
                throw new ArgumentNullException(nameof(relayKey));
            }

            int block = Math.Min(MaxBlockBytes, relayKey.MaxPlaintextLength);
            var payload = new List<byte>();
            for (int at = 0; at < data.Length; at += block)
            {
                var plain = new byte[Math.Min(block, data.Length - at)];
                Buffer.BlockCopy(data, at, plain, 0, plain.Length);
                payload.AddRange(TlvWriter.Encode(TlvType.EncryptedBlock, relayKey.Encrypt(plain)));
            }

            byte[] all = payload.ToArray();
            int total = Math.Max(1, (all.Length + fragmentSize - 1) / fragmentSize);
            if (total > ushort.MaxValue)
            {
                throw new ArgumentException("The message needs " + total + " fragments; the protocol carries at most 65535.", nameof(data));
            }

            var datagrams = new List<byte[]>(total);
            for (int i = 0; i < total; i++)
            {
                int start = i * fragmentSize;
                int count = Math.Min(fragmentSize, all.Length - start);
                datagrams.Add(TlvWriter.Encode(TlvType.FragmentedData, ClassicCodec.EncodeFragmentValue(messageId, i, total, all, start, count)));
            }

            return datagrams;
        }

        /// <summary>
        /// The longest payload (TLV 3 blocks joined, before fragmentation) that <see cref="Encode"/> makes
        /// for at most <paramref name="maxMessageBytes"/> bytes of text under <paramref name="relayKey"/>:
        /// one block of the key's size plus a TLV header for every started 190 bytes. A payload longer
        /// than this holds more text, or was cut into smaller blocks than the page's.
        /// </summary>
        public static long MaxPayloadBytes(int maxMessageBytes, RsaPublicKey relayKey)
        {
            if (relayKey is null)
            {
                throw new ArgumentNullException(nameof(relayKey));
            }

            if (maxMessageBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxMessageBytes), maxMessageBytes, "The largest message must be at least 1 byte.");
            }

            int block = Math.Min(MaxBlockBytes, relayKey.MaxPlaintextLength);
            long blocks = ((long)maxMessageBytes + block - 1) / block;
            return blocks * (TlvRecord.HeaderLength + relayKey.KeySizeBytes);
        }

        /// <summary>
        /// Reads a reassembled payload as TLV 3 blocks and decrypts each; returns the joined plaintext,
        /// or null with <paramref name="reason"/> when the payload is malformed or a block does not decrypt.
        /// </summary>
        public static byte[]? Decrypt(byte[] payload, RsaPrivateKey key, out string? reason)
        {
            var reader = new TlvReader(payload);
            var plain = new List<byte>();
            int blocks = 0;
            while (reader.TryRead(out TlvRecord? record))
            {
                if (record!.Type != TlvType.EncryptedBlock)
                {
                    reason = "MalformedPayload";
                    return null;
                }

                if (!key.TryDecrypt(record.Value, out byte[]? block))
                {
                    reason = "UndecryptableBlock";
                    return null;
                }

                plain.AddRange(block!);
                blocks++;
            }

            if (reader.Error is not null || blocks == 0)
            {
                reason = "MalformedPayload";
                return null;
            }

            reason = null;
            return plain.ToArray();
        }

        /// <summary>
        /// Splits valid UTF-8 into pieces of at most <paramref name="maxBytes"/> bytes, never inside a
        /// character's byte sequence, as the relay does before encrypting per recipient.
        /// </summary>
        public static List<byte[]> SplitUtf8(byte[] utf8, int maxBytes)
        {
            if (maxBytes < 4)
            {
                throw new ArgumentOutOfRangeException(nameof(maxBytes), "A piece must hold at least one character (4 bytes).");
            }

            var pieces = new List<byte[]>();
            int at = 0;
            while (at < utf8.Length)
            {
                int end = Math.Min(at + maxBytes, utf8.Length);
                while (end < utf8.Length && end > at && (utf8[end] & 0xC0) == 0x80)
                {
                    end--;
                }

                var piece = new byte[end - at];
                Buffer.BlockCopy(utf8, at, piece, 0, piece.Length);
                pieces.Add(piece);
                at = end;
            }

            return pieces;
        }

        /// <summary>Decodes strict UTF-8; null when the bytes are not valid UTF-8.</summary>
        public static string? TryDecodeText(byte[] utf8)
        {
            try
            {
                return StrictUtf8.GetString(utf8);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }
        }

        /// <summary>A random message id (os.urandom(4)).</summary>
        public static uint RandomMessageId()
        {
            var bytes = new byte[4];
            using (var rng = RandomNumberGenerator.Create())
            {
                rng.GetBytes(bytes);
            }

            return (uint)((bytes[0] << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
        }
    }
}
