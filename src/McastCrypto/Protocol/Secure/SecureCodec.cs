using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// The byte layouts of the Secure protocol (docs/protocol.md, "Secure"): every datagram type and
    /// every plaintext record, built and parsed. Pure: no keys, no cryptography (sealing and signing
    /// are the caller's, with <see cref="SecureKeySchedule"/>). Every parser checks lengths before it
    /// reads and reports a failure as a drop reason; none throws for any bytes.
    /// </summary>
    public static class SecureCodec
    {
        /// <summary>The protocol version, the first byte of every value.</summary>
        public const byte Version = 1;

        /// <summary>An uncompressed P-256 point: 0x04 ‖ X ‖ Y.</summary>
        public const int PointLength = 65;

        /// <summary>A handshake nonce (Nm, Nr).</summary>
        public const int NonceLength = 16;

        /// <summary>An ECDSA P-256 signature, r ‖ s.</summary>
        public const int SignatureLength = 64;

        /// <summary>An AES-GCM tag.</summary>
        public const int TagLength = 16;

        /// <summary>An AES-256 key: pairwise keys and group keys.</summary>
        public const int KeyLength = 32;

        /// <summary>Version (1), member id or epoch (4), sequence number (8): the header of MemberSealed and GroupSealed, their associated data.</summary>
        public const int SealedHeaderLength = 13;

        /// <summary>The Hello's bytes before the name: version, Em, Im, Nm, name length.</summary>
        public const int HelloFixedLength = 148;

        /// <summary>The signed part of a Welcome.</summary>
        public const int WelcomeSignedLength = 170;

        /// <summary>A whole Welcome value.</summary>
        public const int WelcomeLength = WelcomeSignedLength + SignatureLength;

        /// <summary>Version, epoch, sequence number, entry count.</summary>
        public const int RekeyHeaderLength = 14;

        /// <summary>Member id (4), T (8), sealed key (32) and tag (16).</summary>
        public const int RekeyEntryLength = 60;

        /// <summary>A GroupSealed record's kind (1) and body length (2).</summary>
        public const int RecordHeaderLength = 3;

        /// <summary>Message id (8), index (2), count (2), flags (1): a member's Data body before the payload.</summary>
        public const int MemberDataHeaderLength = 13;

        /// <summary>Sender id (4) and the member's Data header (13): a relay's Data body before the payload.</summary>
        public const int GroupDataHeaderLength = 17;

        /// <summary>Member id (4), identity key (65), name length (1): a Joined body, or a roster entry, before the name.</summary>
        public const int MemberEntryFixedLength = 70;

        /// <summary>A GroupSealed datagram's bytes besides its records: TLV header, header, tag, signature (97).</summary>
        public const int GroupSealedOverhead = TlvRecord.HeaderLength + SealedHeaderLength + TagLength + SignatureLength;

        /// <summary>The flag bit of a message that is UTF-8 text; the only flag defined.</summary>
        public const byte TextFlag = 0x01;

        // ------------------------------------------------------------------ datagrams

        /// <summary>Reads a datagram as exactly one TLV record (else MalformedTlv).</summary>
        public static bool TryReadDatagram(byte[] datagram, out TlvRecord? record, out string? reason)
        {
            if (datagram is null || !TlvReader.TryReadSingle(datagram, out record, out _))
            {
                record = null;
                reason = "MalformedTlv";
                return false;
            }

            reason = null;
            return true;
        }

        /// <summary>True for the five Secure record types.</summary>
        public static bool IsSecureType(TlvType type) => type >= TlvType.SecureHello && type <= TlvType.SecureRekey;

        /// <summary>Reads a Hello value: version, lengths, a name of valid UTF-8 without control characters.</summary>
        public static bool TryParseHello(byte[] value, out SecureHello? hello, out string? reason)
        {
            hello = null;
            if (!CheckVersion(value, out reason))
            {
                return false;
            }

            if (value.Length < HelloFixedLength + SignatureLength)
            {
                reason = "Malformed";
                return false;
            }

            int nameLength = value[HelloFixedLength - 1];
            if (nameLength > SecureDefaults.MaxNameBytes || value.Length != HelloFixedLength + nameLength + SignatureLength)
            {
                reason = "Malformed";
                return false;
            }

            string? name = TryDecodeName(value, HelloFixedLength, nameLength);
            if (name is null)
            {
                reason = "Malformed";
                return false;
            }

            hello = new SecureHello(value, name);
            return true;
        }

        /// <summary>
        /// Reads a Welcome value: version, length, a status of 0 or 1, a largest datagram within
        /// 576..65,507, and in a refusal zeros for the ephemeral key, nonce and member id; in an
        /// admission a member id that is not 0.
        /// </summary>
        public static bool TryParseWelcome(byte[] value, out SecureWelcome? welcome, out string? reason)
        {
            welcome = null;
            if (!CheckVersion(value, out reason))
            {
                return false;
            }

            if (value.Length != WelcomeLength)
            {
                reason = "Malformed";
                return false;
            }

            var parsed = new SecureWelcome(value);
            bool ok;
            switch (parsed.Status)
            {
                case SecureWelcomeStatus.Admitted:
                    ok = parsed.MemberId != 0;
                    break;
                case SecureWelcomeStatus.Refused:
                    ok = BigEndian.AllZero(value, 83, PointLength + NonceLength + 4);
                    break;
                default:
                    ok = false;
                    break;
            }

            if (!ok || parsed.MaxDatagramBytes < SecureDefaults.MinDatagramBytes || parsed.MaxDatagramBytes > SecureDefaults.MaxDatagramLimit)
            {
                reason = "Malformed";
                return false;
            }

            welcome = parsed;
            return true;
        }

        /// <summary>Reads a MemberSealed value: version, and room for a header, a kind byte and a tag.</summary>
        public static bool TryParseMemberSealed(byte[] value, out SecureMemberSealed? sealedValue, out string? reason)
        {
            sealedValue = null;
            if (!CheckVersion(value, out reason))
            {
                return false;
            }

            if (value.Length < SealedHeaderLength + 1 + TagLength)
            {
                reason = "Malformed";
                return false;
            }

            sealedValue = new SecureMemberSealed(value);
            return true;
        }

        /// <summary>Reads a GroupSealed value: version, and room for a header, a tag and a signature.</summary>
        public static bool TryParseGroupSealed(byte[] value, out SecureGroupSealed? sealedValue, out string? reason)
        {
            sealedValue = null;
            if (!CheckVersion(value, out reason))
            {
                return false;
            }

            if (value.Length < SealedHeaderLength + TagLength + SignatureLength)
            {
                reason = "Malformed";
                return false;
            }

            sealedValue = new SecureGroupSealed(value);
            return true;
        }

        /// <summary>Reads a Rekey value: version, at least one entry, exactly the length the count says.</summary>
        public static bool TryParseRekey(byte[] value, out SecureRekey? rekey, out string? reason)
        {
            rekey = null;
            if (!CheckVersion(value, out reason))
            {
                return false;
            }

            if (value.Length < RekeyHeaderLength + SignatureLength)
            {
                reason = "Malformed";
                return false;
            }

            int count = value[RekeyHeaderLength - 1];
            if (count == 0 || value.Length != RekeyHeaderLength + (count * RekeyEntryLength) + SignatureLength)
            {
                reason = "Malformed";
                return false;
            }

            var entries = new SecureRekeyEntry[count];
            for (int i = 0; i < count; i++)
            {
                int at = RekeyHeaderLength + (i * RekeyEntryLength);
                entries[i] = new SecureRekeyEntry(BigEndian.ReadU32(value, at), BigEndian.ReadU64(value, at + 4), at + 12);
            }

            rekey = new SecureRekey(value, entries);
            return true;
        }

        /// <summary>The signed part of a Hello: version, Em, Im, Nm, name length, name.</summary>
        public static byte[] HelloUnsigned(byte[] ephemeralKey, byte[] identityKey, byte[] nonce, byte[] name)
        {
            CheckLength(ephemeralKey, PointLength, nameof(ephemeralKey));
            CheckLength(identityKey, PointLength, nameof(identityKey));
            CheckLength(nonce, NonceLength, nameof(nonce));
            if (name is null || name.Length > SecureDefaults.MaxNameBytes)
            {
                throw new ArgumentException("A name has at most 64 bytes.", nameof(name));
            }

            return BigEndian.Concat(new[] { Version }, ephemeralKey, identityKey, nonce, new[] { (byte)name.Length }, name);
        }

        /// <summary>The signed part of a Welcome (170 bytes).</summary>
        public static byte[] WelcomeUnsigned(byte[] helloNonce, SecureWelcomeStatus status, byte[] relayIdentityKey, byte[] relayEphemeralKey, byte[] relayNonce, uint memberId, int maxDatagramBytes)
        {
            CheckLength(helloNonce, NonceLength, nameof(helloNonce));
            CheckLength(relayIdentityKey, PointLength, nameof(relayIdentityKey));
            CheckLength(relayEphemeralKey, PointLength, nameof(relayEphemeralKey));
            CheckLength(relayNonce, NonceLength, nameof(relayNonce));
            return BigEndian.Concat(
                new[] { Version },
                helloNonce,
                new[] { (byte)status },
                relayIdentityKey,
                relayEphemeralKey,
                relayNonce,
                BigEndian.U32(memberId),
                BigEndian.U16(maxDatagramBytes));
        }

        /// <summary>The header of a MemberSealed (member id) or a GroupSealed (epoch): version ‖ u32 ‖ sequence, 13 bytes.</summary>
        public static byte[] SealedHeader(uint memberIdOrEpoch, ulong sequence)
        {
            var header = new byte[SealedHeaderLength];
            header[0] = Version;
            BigEndian.WriteU32(header, 1, memberIdOrEpoch);
            BigEndian.WriteU64(header, 5, sequence);
            return header;
        }

        /// <summary>The header of a Rekey: version ‖ epoch ‖ sequence ‖ count, 14 bytes.</summary>
        public static byte[] RekeyHeader(uint epoch, ulong sequence, int count)
        {
            if (count < 1 || count > 255)
            {
                throw new ArgumentOutOfRangeException(nameof(count), count, "A Rekey holds 1 to 255 entries.");
            }

            var header = new byte[RekeyHeaderLength];
            header[0] = Version;
            BigEndian.WriteU32(header, 1, epoch);
            BigEndian.WriteU64(header, 5, sequence);
            header[13] = (byte)count;
            return header;
        }

        /// <summary>A datagram: one TLV record of <paramref name="type"/> whose value is the parts joined.</summary>
        public static byte[] Datagram(TlvType type, params byte[][] parts) => TlvWriter.Encode(type, parts);

        // ------------------------------------------------------------------ member plaintexts

        /// <summary>A MemberSealed plaintext: kind ‖ body.</summary>
        public static byte[] MemberPlaintext(SecureMemberKind kind, byte[] body) => BigEndian.Concat(new[] { (byte)kind }, body ?? Array.Empty<byte>());

        /// <summary>The body of a member's Data: message id ‖ index ‖ count ‖ flags ‖ payload.</summary>
        public static byte[] MemberDataBody(ulong messageId, int index, int count, byte flags, byte[] payload, int offset, int length)
        {
            CheckFragment(index, count);
            var body = new byte[MemberDataHeaderLength + length];
            BigEndian.WriteU64(body, 0, messageId);
            BigEndian.WriteU16(body, 8, index);
            BigEndian.WriteU16(body, 10, count);
            body[12] = flags;
            Buffer.BlockCopy(payload, offset, body, MemberDataHeaderLength, length);
            return body;
        }

        /// <summary>
        /// Reads a MemberSealed plaintext. A kind other than 1-5 is UnknownKind; a body of the wrong
        /// length for its kind, or a Data fragment with no payload, a count of 0 or an index not below
        /// the count, is MalformedRecord.
        /// </summary>
        public static bool TryParseMemberPlaintext(byte[] plain, out SecureMemberKind kind, out SecureFragment? fragment, out uint epoch, out string? reason)
        {
            kind = default;
            fragment = null;
            epoch = 0;
            reason = null;
            if (plain is null || plain.Length < 1)
            {
                reason = "MalformedRecord";
                return false;
            }

            kind = (SecureMemberKind)plain[0];
            int bodyLength = plain.Length - 1;
            switch (kind)
            {
                case SecureMemberKind.Join:
                case SecureMemberKind.KeepAlive:
                case SecureMemberKind.Leave:
                    if (bodyLength != 0)
                    {
                        reason = "MalformedRecord";
                        return false;
                    }

                    return true;
                case SecureMemberKind.KeyRequest:
                    if (bodyLength != 4)
                    {
                        reason = "MalformedRecord";
                        return false;
                    }

                    epoch = BigEndian.ReadU32(plain, 1);
                    return true;
                case SecureMemberKind.Data:
                    if (bodyLength <= MemberDataHeaderLength)
                    {
                        reason = "MalformedRecord";
                        return false;
                    }

                    int index = BigEndian.ReadU16(plain, 9);
                    int count = BigEndian.ReadU16(plain, 11);
                    if (count == 0 || index >= count)
                    {
                        reason = "MalformedRecord";
                        return false;
                    }

                    fragment = new SecureFragment(
                        0,
                        BigEndian.ReadU64(plain, 1),
                        index,
                        count,
                        plain[13],
                        BigEndian.Slice(plain, 1 + MemberDataHeaderLength, bodyLength - MemberDataHeaderLength));
                    return true;
                default:
                    reason = "UnknownKind";
                    return false;
            }
        }

        // ------------------------------------------------------------------ group records

        /// <summary>A GroupSealed record: kind ‖ u16 length ‖ body.</summary>
        public static byte[] GroupRecord(SecureGroupKind kind, byte[] body)
        {
            if (body is null || body.Length > ushort.MaxValue)
            {
                throw new ArgumentException("A record body holds at most 65,535 bytes.", nameof(body));
            }

            var record = new byte[RecordHeaderLength + body.Length];
            record[0] = (byte)kind;
            BigEndian.WriteU16(record, 1, body.Length);
            Buffer.BlockCopy(body, 0, record, RecordHeaderLength, body.Length);
            return record;
        }

        /// <summary>A Data record: sender ‖ message id ‖ index ‖ count ‖ flags ‖ payload.</summary>
        public static byte[] DataRecord(SecureFragment fragment)
        {
            if (fragment is null)
            {
                throw new ArgumentNullException(nameof(fragment));
            }

            CheckFragment(fragment.Index, fragment.Count);
            var body = new byte[GroupDataHeaderLength + fragment.Payload.Length];
            BigEndian.WriteU32(body, 0, fragment.SenderId);
            BigEndian.WriteU64(body, 4, fragment.MessageId);
            BigEndian.WriteU16(body, 12, fragment.Index);
            BigEndian.WriteU16(body, 14, fragment.Count);
            body[16] = fragment.Flags;
            Buffer.BlockCopy(fragment.Payload, 0, body, GroupDataHeaderLength, fragment.Payload.Length);
            return GroupRecord(SecureGroupKind.Data, body);
        }

        /// <summary>A Joined record for one member.</summary>
        public static byte[] JoinedRecord(SecureMemberEntry member) => GroupRecord(SecureGroupKind.Joined, MemberEntryBytes(member));

        /// <summary>A Left record: member id ‖ reason.</summary>
        public static byte[] LeftRecord(uint memberId, SecureLeftReason reason)
        {
            var body = new byte[5];
            BigEndian.WriteU32(body, 0, memberId);
            body[4] = (byte)reason;
            return GroupRecord(SecureGroupKind.Left, body);
        }

        /// <summary>A Heartbeat record: no body.</summary>
        public static byte[] HeartbeatRecord() => GroupRecord(SecureGroupKind.Heartbeat, Array.Empty<byte>());

        /// <summary>
        /// The Roster records listing <paramref name="members"/>, in order, each record at most
        /// <paramref name="maxRecordBytes"/> bytes (header included), as many records as needed.
        /// </summary>
        public static List<byte[]> RosterRecords(IReadOnlyList<SecureMemberEntry> members, int maxRecordBytes)
        {
            if (members is null)
            {
                throw new ArgumentNullException(nameof(members));
            }

            int largestEntry = MemberEntryFixedLength + SecureDefaults.MaxNameBytes;
            if (maxRecordBytes < RecordHeaderLength + 2 + largestEntry)
            {
                throw new ArgumentOutOfRangeException(nameof(maxRecordBytes), maxRecordBytes, "A roster record must have room for one entry with the longest name.");
            }

            var records = new List<byte[]>();
            var entries = new List<byte[]>();
            int size = RecordHeaderLength + 2;
            foreach (SecureMemberEntry member in members)
            {
                byte[] entry = MemberEntryBytes(member);
                if (size + entry.Length > maxRecordBytes)
                {
                    records.Add(RosterRecord(entries));
                    entries.Clear();
                    size = RecordHeaderLength + 2;
                }

                entries.Add(entry);
                size += entry.Length;
            }

            if (entries.Count > 0)
            {
                records.Add(RosterRecord(entries));
            }

            return records;
        }

        /// <summary>
        /// Reads the record at <paramref name="offset"/> of a GroupSealed plaintext and moves past it.
        /// False with MalformedRecord when its header or body runs past the end; false with no reason at the end.
        /// </summary>
        public static bool TryReadGroupRecord(byte[] plain, ref int offset, out SecureGroupKind kind, out int bodyOffset, out int bodyLength, out string? reason)
        {
            kind = default;
            bodyOffset = 0;
            bodyLength = 0;
            reason = null;
            if (offset >= plain.Length)
            {
                return false;
            }

            if (plain.Length - offset < RecordHeaderLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            kind = (SecureGroupKind)plain[offset];
            bodyLength = BigEndian.ReadU16(plain, offset + 1);
            bodyOffset = offset + RecordHeaderLength;
            if (bodyLength > plain.Length - bodyOffset)
            {
                reason = "MalformedRecord";
                return false;
            }

            offset = bodyOffset + bodyLength;
            return true;
        }

        /// <summary>Reads a Data record's body: a header, a payload of at least one byte, a count above 0 and an index below it.</summary>
        public static bool TryParseDataRecord(byte[] body, int at, int length, out SecureFragment? fragment, out string? reason)
        {
            fragment = null;
            reason = null;
            if (length <= GroupDataHeaderLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            int index = BigEndian.ReadU16(body, at + 12);
            int count = BigEndian.ReadU16(body, at + 14);
            if (count == 0 || index >= count)
            {
                reason = "MalformedRecord";
                return false;
            }

            fragment = new SecureFragment(
                BigEndian.ReadU32(body, at),
                BigEndian.ReadU64(body, at + 4),
                index,
                count,
                body[at + 16],
                BigEndian.Slice(body, at + GroupDataHeaderLength, length - GroupDataHeaderLength));
            return true;
        }

        /// <summary>Reads a Joined record's body: exactly one member entry.</summary>
        public static bool TryParseJoined(byte[] body, int at, int length, out SecureMemberEntry? member, out string? reason)
        {
            int offset = at;
            if (!TryParseMemberEntry(body, ref offset, at + length, out member, out reason))
            {
                return false;
            }

            if (offset != at + length)
            {
                member = null;
                reason = "MalformedRecord";
                return false;
            }

            return true;
        }

        /// <summary>Reads a Left record's body: member id ‖ reason 1, 2 or 3, exactly 5 bytes.</summary>
        public static bool TryParseLeft(byte[] body, int at, int length, out uint memberId, out SecureLeftReason leftReason, out string? reason)
        {
            memberId = 0;
            leftReason = default;
            reason = null;
            if (length != 5 || body[at + 4] < 1 || body[at + 4] > 3)
            {
                reason = "MalformedRecord";
                return false;
            }

            memberId = BigEndian.ReadU32(body, at);
            leftReason = (SecureLeftReason)body[at + 4];
            return true;
        }

        /// <summary>Reads a Roster record's body: count ‖ exactly that many entries.</summary>
        public static bool TryParseRoster(byte[] body, int at, int length, out List<SecureMemberEntry>? members, out string? reason)
        {
            members = null;
            reason = null;
            if (length < 2)
            {
                reason = "MalformedRecord";
                return false;
            }

            int count = BigEndian.ReadU16(body, at);
            int end = at + length;
            int offset = at + 2;

            // Each entry takes at least 70 bytes: a count the body cannot hold is refused before any list grows.
            if (count > (length - 2) / MemberEntryFixedLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            var list = new List<SecureMemberEntry>(count);
            for (int i = 0; i < count; i++)
            {
                if (!TryParseMemberEntry(body, ref offset, end, out SecureMemberEntry? member, out reason))
                {
                    return false;
                }

                list.Add(member!);
            }

            if (offset != end)
            {
                reason = "MalformedRecord";
                return false;
            }

            members = list;
            return true;
        }

        // ------------------------------------------------------------------ sizes and names

        /// <summary>The most payload bytes one fragment carries for a largest datagram: D - 117.</summary>
        public static int FragmentCapacity(int maxDatagramBytes) => maxDatagramBytes - SecureDefaults.FragmentOverhead;

        /// <summary>The most fragments a message of at most <paramref name="maxMessageBytes"/> may have: cut for the smallest datagram (576).</summary>
        public static int MaxFragmentsFor(int maxMessageBytes)
        {
            int smallest = FragmentCapacity(SecureDefaults.MinDatagramBytes);
            return (int)Math.Min(ushort.MaxValue, ((long)maxMessageBytes + smallest - 1) / smallest);
        }

        /// <summary>How many records' bytes one GroupSealed of at most <paramref name="maxDatagramBytes"/> holds: D - 97.</summary>
        public static int GroupPlaintextCapacity(int maxDatagramBytes) => maxDatagramBytes - GroupSealedOverhead;

        /// <summary>How many entries one Rekey of at most <paramref name="maxDatagramBytes"/> holds: (D - 82) / 60, at most 255.</summary>
        public static int RekeyEntriesPerDatagram(int maxDatagramBytes) =>
            Math.Min(255, (maxDatagramBytes - TlvRecord.HeaderLength - RekeyHeaderLength - SignatureLength) / RekeyEntryLength);

        /// <summary>A member id as the protocol shows it: 8 lower-case hex digits.</summary>
        public static string FormatMemberId(uint memberId) => memberId.ToString("x8", CultureInfo.InvariantCulture);

        /// <summary>The fingerprint of an uncompressed P-256 point, from its bytes (SHA-256 of its SubjectPublicKeyInfo); the point is not checked.</summary>
        public static string FingerprintOf(byte[] point)
        {
            CheckLength(point, PointLength, nameof(point));
            return KeyFingerprint.Of(P256.EncodeSubjectPublicKeyInfo(point));
        }

        /// <summary>
        /// The UTF-8 bytes of a display name, or an ArgumentException: at most 64 bytes, no control
        /// characters (U+0000-U+001F, U+007F-U+009F).
        /// </summary>
        public static byte[] EncodeName(string name)
        {
            if (name is null)
            {
                throw new ArgumentNullException(nameof(name));
            }

            byte[] bytes;
            try
            {
                bytes = ClassicMessages.StrictUtf8.GetBytes(name);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("The display name is not valid Unicode (a lone surrogate).", nameof(name), e);
            }

            if (bytes.Length > SecureDefaults.MaxNameBytes)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The display name has {0} UTF-8 bytes; the most is {1}.", bytes.Length, SecureDefaults.MaxNameBytes),
                    nameof(name));
            }

            if (HasControl(name))
            {
                throw new ArgumentException("The display name contains a control character.", nameof(name));
            }

            return bytes;
        }

        /// <summary>The name in bytes [at, at + length) if it is valid UTF-8 without control characters; else null.</summary>
        internal static string? TryDecodeName(byte[] bytes, int at, int length)
        {
            string name;
            try
            {
                name = ClassicMessages.StrictUtf8.GetString(bytes, at, length);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }

            return HasControl(name) ? null : name;
        }

        private static bool HasControl(string name)
        {
            foreach (char c in name)
            {
                if (char.IsControl(c))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool TryParseMemberEntry(byte[] body, ref int offset, int end, out SecureMemberEntry? member, out string? reason)
        {
            member = null;
            reason = null;
            if (end - offset < MemberEntryFixedLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            int nameLength = body[offset + MemberEntryFixedLength - 1];
            if (nameLength > SecureDefaults.MaxNameBytes || end - offset - MemberEntryFixedLength < nameLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            string? name = TryDecodeName(body, offset + MemberEntryFixedLength, nameLength);
            if (name is null)
            {
                reason = "MalformedRecord";
                return false;
            }

            member = new SecureMemberEntry(BigEndian.ReadU32(body, offset), BigEndian.Slice(body, offset + 4, PointLength), name);
            offset += MemberEntryFixedLength + nameLength;
            return true;
        }

        private static byte[] MemberEntryBytes(SecureMemberEntry member)
        {
            if (member is null)
            {
                throw new ArgumentNullException(nameof(member));
            }

            byte[] name = EncodeName(member.Name);
            CheckLength(member.IdentityKey, PointLength, nameof(member));
            return BigEndian.Concat(BigEndian.U32(member.MemberId), member.IdentityKey, new[] { (byte)name.Length }, name);
        }

        private static byte[] RosterRecord(List<byte[]> entries)
        {
            var parts = new List<byte[]> { BigEndian.U16(entries.Count) };
            parts.AddRange(entries);
            return GroupRecord(SecureGroupKind.Roster, BigEndian.Concat(parts.ToArray()));
        }

        private static bool CheckVersion(byte[] value, out string? reason)
        {
            if (value is null || value.Length < 1)
            {
                reason = "Malformed";
                return false;
            }

            if (value[0] != Version)
            {
                reason = "UnsupportedVersion";
                return false;
            }

            reason = null;
            return true;
        }

        private static void CheckFragment(int index, int count)
        {
            if (count < 1 || count > ushort.MaxValue || index < 0 || index >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, "A fragment's index is below its count, and the count is 1 to 65,535.");
            }
        }

        private static void CheckLength(byte[] bytes, int length, string name)
        {
            if (bytes is null || bytes.Length != length)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "{0} must be {1} bytes.", name, length), name);
            }
        }
    }
}
