using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>
    /// The byte layouts, labels and derivations of the federation between relays (docs/protocol.md,
    /// "Federation"). Pure: building and parsing, no state. No parser throws for any bytes.
    /// </summary>
    internal static class FederationCodec
    {
        public const byte Version = 1;

        public const byte KindAnnounce = 0x01;
        public const byte KindGrant = 0x02;
        public const byte KindKeyRequest = 0x03;
        public const byte KindEnvelope = 0x04;
        public const byte KindRepairRequest = 0x05;
        public const byte KindUnavailable = 0x06;

        public const byte RecordJoined = 0x01;
        public const byte RecordLeft = 0x02;
        public const byte RecordRoster = 0x03;
        public const byte RecordData = 0x04;
        public const byte RecordRefused = 0x05;
        public const byte RecordProgress = 0x06;

        public const byte RosterFirst = 0x01;
        public const byte RosterLast = 0x02;

        /// <summary>The first 8 bytes of SHA-256(SPKI): names a relay in headers and subjects.</summary>
        public const int RelayIdLength = 8;
        public const int BootLength = 16;
        public const int PointLength = SecureCodec.PointLength;
        public const int SignatureLength = SecureCodec.SignatureLength;
        public const int TagLength = SecureCodec.TagLength;
        public const int KeyLength = SecureCodec.KeyLength;

        /// <summary>version, kind, Ir, boot, Ef, time, next F.</summary>
        public const int AnnounceSignedLength = 2 + PointLength + BootLength + PointLength + 8 + 8;
        public const int AnnounceLength = AnnounceSignedLength + SignatureLength;

        /// <summary>version, kind, from id, to id, from boot, to boot: the start of every inbox message.</summary>
        public const int PairHeaderLength = 2 + RelayIdLength + RelayIdLength + BootLength + BootLength;

        /// <summary>The pair header, Ef of the granter, its next F, the grant number: the grant's associated data.</summary>
        public const int GrantHeaderLength = PairHeaderLength + PointLength + 8 + 8;

        /// <summary>Kp, D, site length: the grant plaintext before the site.</summary>
        public const int GrantPlainFixedLength = KeyLength + 4 + 1;

        /// <summary>The pair header and the request number (8): the start of a KeyRequest, RepairRequest or Unavailable.</summary>
        public const int RequestHeaderLength = PairHeaderLength + 8;

        public const int KeyRequestLength = RequestHeaderLength + SignatureLength;

        /// <summary>A RepairRequest or Unavailable without its ranges: request header, count, signature.</summary>
        public const int RangesFixedLength = RequestHeaderLength + 1 + SignatureLength;

        /// <summary>version, kind, origin id, boot, F: the envelope's associated data.</summary>
        public const int EnvelopeHeaderLength = 2 + RelayIdLength + BootLength + 8;
        public const int EnvelopeOverhead = EnvelopeHeaderLength + TagLength + SignatureLength;

        public const int MaxRanges = 16;
        public const int RangeLength = 16;

        /// <summary>A record's kind (1) and body length (4).</summary>
        public const int RecordHeaderLength = 5;

        /// <summary>member id, next Q, identity key, name length.</summary>
        public const int MemberEntryFixedLength = 4 + 8 + PointLength + 1;
        public const int DataFixedLength = 4 + 8 + 8 + 4 + 4 + 1;

        public const string AnnounceLabel = "mcast-fed-v1 announce";
        public const string GrantKeyLabel = "mcast-fed-v1 grant-key";
        public const string GrantSignatureLabel = "mcast-fed-v1 grant-sig";
        public const string KeyRequestLabel = "mcast-fed-v1 key-request";
        public const string EnvelopeLabel = "mcast-fed-v1 envelope";
        public const string RepairRequestLabel = "mcast-fed-v1 repair-request";
        public const string UnavailableLabel = "mcast-fed-v1 unavailable";

        /// <summary>The labels, for the test that none is a prefix of another.</summary>
        public static readonly string[] Labels =
        {
            AnnounceLabel, GrantKeyLabel, GrantSignatureLabel, KeyRequestLabel, EnvelopeLabel, RepairRequestLabel, UnavailableLabel,
        };

        private static readonly UTF8Encoding StrictUtf8 = new UTF8Encoding(false, true);

        /// <summary>SHA-256 of a relay's SPKI (32 bytes): from its fingerprint text (no key needed).</summary>
        public static byte[] KeyHashOfFingerprint(string fingerprint) => Convert.FromBase64String(fingerprint.Substring("SHA256:".Length) + "=");

        public static byte[] KeyHash(EcdsaP256PublicKey key)
        {
            using (SHA256 sha = SHA256.Create())
            {
                return sha.ComputeHash(key.SubjectPublicKeyInfo);
            }
        }

        public static string Hex(byte[] bytes, int offset, int count)
        {
            var text = new StringBuilder(count * 2);
            for (int i = 0; i < count; i++)
            {
                text.Append(bytes[offset + i].ToString("x2", CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }

        /// <summary>The prefix as bound into labels: its length (1) ‖ its ASCII.</summary>
        public static byte[] PrefixBinding(string prefix)
        {
            byte[] ascii = Encoding.ASCII.GetBytes(prefix);
            return BigEndian.Concat(new[] { (byte)ascii.Length }, ascii);
        }

        /// <summary>label ‖ prefix binding ‖ the first <paramref name="count"/> bytes of <paramref name="value"/>: what a signature covers.</summary>
        public static byte[] SignedData(string label, byte[] prefixBinding, byte[] value, int count)
        {
            byte[] labelBytes = Encoding.ASCII.GetBytes(label);
            var data = new byte[labelBytes.Length + prefixBinding.Length + count];
            Buffer.BlockCopy(labelBytes, 0, data, 0, labelBytes.Length);
            Buffer.BlockCopy(prefixBinding, 0, data, labelBytes.Length, prefixBinding.Length);
            Buffer.BlockCopy(value, 0, data, labelBytes.Length + prefixBinding.Length, count);
            return data;
        }

        /// <summary>
        /// The grant key: HKDF-SHA256(IKM = ECDH(Ef_granter, Ef_grantee), salt = empty, info =
        /// "mcast-fed-v1 grant-key" ‖ prefix ‖ H(SPKI granter) ‖ H(SPKI grantee) ‖ boot granter ‖ boot grantee ‖ Ef granter ‖ Ef grantee), 32 bytes.
        /// </summary>
        public static byte[] GrantKey(byte[] sharedSecret, byte[] prefixBinding, byte[] granterHash, byte[] granteeHash, byte[] granterBoot, byte[] granteeBoot, byte[] granterEf, byte[] granteeEf)
        {
            byte[] info = BigEndian.Concat(Encoding.ASCII.GetBytes(GrantKeyLabel), prefixBinding, granterHash, granteeHash, granterBoot, granteeBoot, granterEf, granteeEf);
            return HkdfSha256.DeriveKey(sharedSecret, null, info, KeyLength);
        }

        /// <summary>A nonce: 4 zero bytes ‖ a u64 (F for an envelope, the grant number for a grant).</summary>
        public static byte[] Nonce(ulong number)
        {
            var nonce = new byte[AesGcm256.NonceSize];
            BigEndian.WriteU64(nonce, 4, number);
            return nonce;
        }

        /// <summary>Version and kind, or false.</summary>
        public static bool TryReadKind(byte[]? value, out byte kind)
        {
            kind = 0;
            if (value is null || value.Length < 2 || value[0] != Version)
            {
                return false;
            }

            kind = value[1];
            return true;
        }

        // ---- Announce ----

        public static byte[] AnnounceUnsigned(byte[] identityPoint, byte[] boot, byte[] ephemeral, ulong timeMs, ulong nextF)
        {
            var value = new byte[AnnounceLength];
            value[0] = Version;
            value[1] = KindAnnounce;
            int at = 2;
            Put(value, ref at, identityPoint);
            Put(value, ref at, boot);
            Put(value, ref at, ephemeral);
            BigEndian.WriteU64(value, at, timeMs);
            BigEndian.WriteU64(value, at + 8, nextF);
            return value;
        }

        public static bool TryParseAnnounce(byte[] value, out byte[] identityPoint, out byte[] boot, out byte[] ephemeral, out ulong timeMs, out ulong nextF)
        {
            identityPoint = boot = ephemeral = Array.Empty<byte>();
            timeMs = nextF = 0;
            if (value.Length != AnnounceLength || value[1] != KindAnnounce)
            {
                return false;
            }

            identityPoint = BigEndian.Slice(value, 2, PointLength);
            boot = BigEndian.Slice(value, 2 + PointLength, BootLength);
            ephemeral = BigEndian.Slice(value, 2 + PointLength + BootLength, PointLength);
            timeMs = BigEndian.ReadU64(value, 2 + PointLength + BootLength + PointLength);
            nextF = BigEndian.ReadU64(value, 2 + PointLength + BootLength + PointLength + 8);
            return true;
        }

        // ---- The pair header of inbox messages ----

        public static void WritePairHeader(byte[] value, byte kind, byte[] fromId, byte[] toId, byte[] fromBoot, byte[] toBoot)
        {
            value[0] = Version;
            value[1] = kind;
            int at = 2;
            Put(value, ref at, fromId);
            Put(value, ref at, toId);
            Put(value, ref at, fromBoot);
            Put(value, ref at, toBoot);
        }

        public static void ReadPairHeader(byte[] value, out byte[] fromId, out byte[] toId, out byte[] fromBoot, out byte[] toBoot)
        {
            fromId = BigEndian.Slice(value, 2, RelayIdLength);
            toId = BigEndian.Slice(value, 2 + RelayIdLength, RelayIdLength);
            fromBoot = BigEndian.Slice(value, 2 + 2 * RelayIdLength, BootLength);
            toBoot = BigEndian.Slice(value, 2 + 2 * RelayIdLength + BootLength, BootLength);
        }

        /// <summary>
        /// The request number of a KeyRequest, RepairRequest or Unavailable (after the pair header): the
        /// sender's count of such messages in its boot, from 1, so that a receiver takes each once.
        /// </summary>
        public static ulong ReadRequestNumber(byte[] value) => BigEndian.ReadU64(value, PairHeaderLength);

        public static byte[] KeyRequestUnsigned(byte[] fromId, byte[] toId, byte[] fromBoot, byte[] toBoot, ulong number)
        {
            var value = new byte[KeyRequestLength];
            WritePairHeader(value, KindKeyRequest, fromId, toId, fromBoot, toBoot);
            BigEndian.WriteU64(value, PairHeaderLength, number);
            return value;
        }

        // ---- Grant ----

        public static byte[] GrantPlaintext(byte[] publishKey, int maxDatagramBytes, string site)
        {
            byte[] siteBytes = StrictUtf8.GetBytes(site);
            var plain = new byte[GrantPlainFixedLength + siteBytes.Length];
            Buffer.BlockCopy(publishKey, 0, plain, 0, KeyLength);
            BigEndian.WriteU32(plain, KeyLength, (uint)maxDatagramBytes);
            plain[KeyLength + 4] = (byte)siteBytes.Length;
            Buffer.BlockCopy(siteBytes, 0, plain, GrantPlainFixedLength, siteBytes.Length);
            return plain;
        }

        public static bool TryParseGrantPlaintext(byte[] plain, out byte[] publishKey, out int maxDatagramBytes, out string site)
        {
            publishKey = Array.Empty<byte>();
            maxDatagramBytes = 0;
            site = string.Empty;
            if (plain.Length < GrantPlainFixedLength)
            {
                return false;
            }

            int length = plain[KeyLength + 4];
            uint d = BigEndian.ReadU32(plain, KeyLength);
            if (length < 1 || length > 64 || plain.Length != GrantPlainFixedLength + length || d > int.MaxValue)
            {
                return false;
            }

            try
            {
                site = StrictUtf8.GetString(plain, GrantPlainFixedLength, length);
            }
            catch (ArgumentException)
            {
                return false;
            }

            foreach (char c in site)
            {
                if (char.IsControl(c))
                {
                    return false;
                }
            }

            publishKey = BigEndian.Slice(plain, 0, KeyLength);
            maxDatagramBytes = (int)d;
            return true;
        }

        /// <summary>The grant up to its signature, with room for it: header (associated data) ‖ sealed plaintext ‖ 64 zero bytes.</summary>
        public static byte[] GrantHeader(byte[] fromId, byte[] toId, byte[] fromBoot, byte[] toBoot, byte[] ephemeral, ulong nextF, ulong grantNumber)
        {
            var header = new byte[GrantHeaderLength];
            WritePairHeader(header, KindGrant, fromId, toId, fromBoot, toBoot);
            Buffer.BlockCopy(ephemeral, 0, header, PairHeaderLength, PointLength);
            BigEndian.WriteU64(header, PairHeaderLength + PointLength, nextF);
            BigEndian.WriteU64(header, PairHeaderLength + PointLength + 8, grantNumber);
            return header;
        }

        public static bool TryParseGrant(byte[] value, out byte[] ephemeral, out ulong nextF, out ulong grantNumber)
        {
            ephemeral = Array.Empty<byte>();
            nextF = grantNumber = 0;
            int sealedLength = value.Length - GrantHeaderLength - SignatureLength;
            if (value[1] != KindGrant || sealedLength < GrantPlainFixedLength + 1 + TagLength || sealedLength > GrantPlainFixedLength + 64 + TagLength)
            {
                return false;
            }

            ephemeral = BigEndian.Slice(value, PairHeaderLength, PointLength);
            nextF = BigEndian.ReadU64(value, PairHeaderLength + PointLength);
            grantNumber = BigEndian.ReadU64(value, PairHeaderLength + PointLength + 8);
            return true;
        }

        // ---- Ranges (repair requests and Unavailable) ----

        public static byte[] RangesUnsigned(byte kind, byte[] fromId, byte[] toId, byte[] fromBoot, byte[] toBoot, ulong number, IReadOnlyList<FederationRange> ranges)
        {
            var value = new byte[RangesFixedLength + ranges.Count * RangeLength];
            WritePairHeader(value, kind, fromId, toId, fromBoot, toBoot);
            BigEndian.WriteU64(value, PairHeaderLength, number);
            value[RequestHeaderLength] = (byte)ranges.Count;
            int at = RequestHeaderLength + 1;
            foreach (FederationRange range in ranges)
            {
                BigEndian.WriteU64(value, at, range.First);
                BigEndian.WriteU64(value, at + 8, range.Last);
                at += RangeLength;
            }

            return value;
        }

        /// <summary>The ranges of a RepairRequest or Unavailable: 1 to 16, each first ≤ last.</summary>
        public static bool TryParseRanges(byte[] value, out List<FederationRange> ranges)
        {
            ranges = new List<FederationRange>();
            if (value.Length < RangesFixedLength)
            {
                return false;
            }

            int count = value[RequestHeaderLength];
            if (count < 1 || count > MaxRanges || value.Length != RangesFixedLength + count * RangeLength)
            {
                return false;
            }

            int at = RequestHeaderLength + 1;
            for (int i = 0; i < count; i++, at += RangeLength)
            {
                ulong first = BigEndian.ReadU64(value, at);
                ulong last = BigEndian.ReadU64(value, at + 8);
                if (first > last)
                {
                    return false;
                }

                ranges.Add(new FederationRange(first, last));
            }

            return true;
        }

        // ---- Envelope ----

        public static byte[] EnvelopeHeader(byte[] originId, byte[] boot, ulong f)
        {
            var header = new byte[EnvelopeHeaderLength];
            header[0] = Version;
            header[1] = KindEnvelope;
            Buffer.BlockCopy(originId, 0, header, 2, RelayIdLength);
            Buffer.BlockCopy(boot, 0, header, 2 + RelayIdLength, BootLength);
            BigEndian.WriteU64(header, 2 + RelayIdLength + BootLength, f);
            return header;
        }

        public static bool TryParseEnvelope(byte[] value, out byte[] originId, out byte[] boot, out ulong f)
        {
            originId = boot = Array.Empty<byte>();
            f = 0;
            if (value[1] != KindEnvelope || value.Length < EnvelopeOverhead)
            {
                return false;
            }

            originId = BigEndian.Slice(value, 2, RelayIdLength);
            boot = BigEndian.Slice(value, 2 + RelayIdLength, BootLength);
            f = BigEndian.ReadU64(value, 2 + RelayIdLength + BootLength);
            return true;
        }

        // ---- Records ----

        public static void AppendRecordHeader(List<byte> buffer, byte kind, int bodyLength)
        {
            buffer.Add(kind);
            AppendU32(buffer, (uint)bodyLength);
        }

        public static void AppendU32(List<byte> buffer, uint value)
        {
            buffer.Add((byte)(value >> 24));
            buffer.Add((byte)(value >> 16));
            buffer.Add((byte)(value >> 8));
            buffer.Add((byte)value);
        }

        public static void AppendU64(List<byte> buffer, ulong value)
        {
            AppendU32(buffer, (uint)(value >> 32));
            AppendU32(buffer, (uint)value);
        }

        public static byte[] MemberEntry(uint memberId, ulong nextQ, byte[] identityKey, byte[] name)
        {
            var entry = new byte[MemberEntryFixedLength + name.Length];
            BigEndian.WriteU32(entry, 0, memberId);
            BigEndian.WriteU64(entry, 4, nextQ);
            Buffer.BlockCopy(identityKey, 0, entry, 12, PointLength);
            entry[12 + PointLength] = (byte)name.Length;
            Buffer.BlockCopy(name, 0, entry, MemberEntryFixedLength, name.Length);
            return entry;
        }

        public static byte[] Record(byte kind, byte[] body)
        {
            var record = new byte[RecordHeaderLength + body.Length];
            record[0] = kind;
            BigEndian.WriteU32(record, 1, (uint)body.Length);
            Buffer.BlockCopy(body, 0, record, RecordHeaderLength, body.Length);
            return record;
        }

        public static byte[] DataBody(SecureFragment fragment)
        {
            var body = new byte[DataFixedLength + fragment.PayloadLength];
            BigEndian.WriteU32(body, 0, fragment.SenderId);
            BigEndian.WriteU64(body, 4, fragment.Sequence);
            BigEndian.WriteU64(body, 12, fragment.MessageId);
            BigEndian.WriteU32(body, 20, (uint)fragment.Index);
            BigEndian.WriteU32(body, 24, (uint)fragment.Count);
            body[28] = fragment.ContentType;
            ArraySegment<byte> payload = fragment.PayloadSegment;
            if (payload.Count > 0)
            {
                Buffer.BlockCopy(payload.Array!, payload.Offset, body, DataFixedLength, payload.Count);
            }

            return body;
        }

        /// <summary>The next record of a plaintext: its kind, where its body is and how long; false at the end or when it does not fit (<paramref name="malformed"/>).</summary>
        public static bool TryReadRecord(byte[] plain, ref int offset, out byte kind, out int at, out int length, out bool malformed)
        {
            kind = 0;
            at = length = 0;
            malformed = false;
            if (offset >= plain.Length)
            {
                return false;
            }

            if (plain.Length - offset < RecordHeaderLength)
            {
                malformed = true;
                return false;
            }

            uint body = BigEndian.ReadU32(plain, offset + 1);
            if (body > (uint)(plain.Length - offset - RecordHeaderLength))
            {
                malformed = true;
                return false;
            }

            kind = plain[offset];
            at = offset + RecordHeaderLength;
            length = (int)body;
            offset = at + length;
            return true;
        }

        /// <summary>A member entry at <paramref name="at"/> (Joined body, Roster entry); <paramref name="end"/> bounds it.</summary>
        public static bool TryParseMemberEntry(byte[] plain, int at, int end, out uint memberId, out ulong nextQ, out byte[] identityKey, out string name, out int entryLength)
        {
            memberId = 0;
            nextQ = 0;
            identityKey = Array.Empty<byte>();
            name = string.Empty;
            entryLength = 0;
            if (end - at < MemberEntryFixedLength)
            {
                return false;
            }

            int nameLength = plain[at + 12 + PointLength];
            if (nameLength > SecureDefaults.MaxNameBytes || end - at - MemberEntryFixedLength < nameLength || plain[at + 12] != 0x04)
            {
                return false;
            }

            try
            {
                name = StrictUtf8.GetString(plain, at + MemberEntryFixedLength, nameLength);
            }
            catch (ArgumentException)
            {
                return false;
            }

            foreach (char c in name)
            {
                if (char.IsControl(c))
                {
                    // A member's name never has one (the relay checks it): a record that does is not well formed.
                    return false;
                }
            }

            memberId = BigEndian.ReadU32(plain, at);
            nextQ = BigEndian.ReadU64(plain, at + 4);
            identityKey = BigEndian.Slice(plain, at + 12, PointLength);
            entryLength = MemberEntryFixedLength + nameLength;
            return true;
        }

        public static bool TryParseData(byte[] plain, int at, int length, out SecureFragment? fragment)
        {
            fragment = null;
            if (length < DataFixedLength)
            {
                return false;
            }

            uint index = BigEndian.ReadU32(plain, at + 20);
            uint count = BigEndian.ReadU32(plain, at + 24);
            if (count < 1 || count > int.MaxValue || index >= count)
            {
                return false;
            }

            fragment = new SecureFragment(
                BigEndian.ReadU32(plain, at),
                BigEndian.ReadU64(plain, at + 4),
                BigEndian.ReadU64(plain, at + 12),
                (int)index,
                (int)count,
                plain[at + 28],
                BigEndian.Slice(plain, at + DataFixedLength, length - DataFixedLength));
            return true;
        }

        private static void Put(byte[] value, ref int at, byte[] part)
        {
            Buffer.BlockCopy(part, 0, value, at, part.Length);
            at += part.Length;
        }
    }
}
