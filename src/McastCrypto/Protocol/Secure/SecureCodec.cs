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

        /// <summary>Q (8), message id (8), index (4), count (4), content type (1): a member's Data body before the payload.</summary>
        public const int MemberDataHeaderLength = 25;

        /// <summary>Sender id (4) and the member's Data header (25): a relay's Data body before the payload.</summary>
        public const int GroupDataHeaderLength = 29;

        /// <summary>The most ranges one Nack holds: 16.</summary>
        public const int MaxNackRanges = 16;

        /// <summary>A Nack range on the wire: first R (8) and length (4).</summary>
        public const int NackRangeLength = 12;

        /// <summary>An Ack body: member id (4), next Q (8).</summary>
        public const int AckBodyLength = 12;

        /// <summary>An Unavailable body: first R (8), length (4).</summary>
        public const int UnavailableBodyLength = 12;

        /// <summary>A Refused body: member id (4), message id (8), reason (1).</summary>
        public const int RefusedBodyLength = 13;

        /// <summary>A Lost record's body: member id (4) ‖ next Q (8) ‖ reason (1).</summary>
        public const int LostBodyLength = 13;

        /// <summary>The longest site name, in UTF-8 bytes.</summary>
        public const int MaxSiteBytes = 64;

        /// <summary>Member id (4), identity key (65), name length (1): a Joined body, or a roster entry, before the name.</summary>
        public const int MemberEntryFixedLength = 70;

        /// <summary>A GroupSealed datagram's bytes besides its records: TLV header, header, tag, signature (97).</summary>
        public const int GroupSealedOverhead = TlvRecord.HeaderLength + SealedHeaderLength + TagLength + SignatureLength;

        /// <summary>The content type of a text message: UTF-8.</summary>
        public const byte ContentText = 0x01;

        /// <summary>The content type of a data message: any bytes.</summary>
        public const byte ContentData = 0x02;

        /// <summary>The content type of a file message: name length (2), name, SHA-256 (32), the file's bytes.</summary>
        public const byte ContentFile = 0x03;

        /// <summary>True for the content types defined: text, data, file.</summary>
        public static bool IsKnownContentType(byte contentType) => contentType >= ContentText && contentType <= ContentFile;

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

        /// <summary>
        /// Reads a datagram as exactly one TLV record (else MalformedTlv) without copying its value:
        /// <paramref name="value"/> is the datagram after the TLV header. For the hot paths, which must
        /// not copy what they only read (a member hears every datagram of the group).
        /// </summary>
        internal static bool TryReadDatagramInPlace(byte[] datagram, out TlvType type, out ArraySegment<byte> value, out string? reason)
        {
            if (datagram is null || datagram.Length < TlvRecord.HeaderLength
                || BigEndian.ReadU16(datagram, 2) != datagram.Length - TlvRecord.HeaderLength)
            {
                type = default;
                value = default;
                reason = "MalformedTlv";
                return false;
            }

            type = (TlvType)BigEndian.ReadU16(datagram, 0);
            value = new ArraySegment<byte>(datagram, TlvRecord.HeaderLength, datagram.Length - TlvRecord.HeaderLength);
            reason = null;
            return true;
        }

        /// <summary>
        /// Checks a MemberSealed value in place (as <see cref="TryParseMemberSealed"/>) and reads its
        /// header: the member id and the sequence number S.
        /// </summary>
        internal static bool TryReadMemberSealed(ArraySegment<byte> value, out uint memberId, out ulong sequence, out string? reason) =>
            TryReadSealed(value, SealedHeaderLength + 1 + TagLength, out memberId, out sequence, out reason);

        /// <summary>
        /// Checks a GroupSealed value in place (as <see cref="TryParseGroupSealed"/>) and reads its
        /// header: the epoch and the relay sequence number R.
        /// </summary>
        internal static bool TryReadGroupSealed(ArraySegment<byte> value, out uint epoch, out ulong sequence, out string? reason) =>
            TryReadSealed(value, SealedHeaderLength + TagLength + SignatureLength, out epoch, out sequence, out reason);

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
            if (value is null)
            {
                reason = "Malformed";
                return false;
            }

            if (!TryReadMemberSealed(new ArraySegment<byte>(value), out _, out _, out reason))
            {
                return false;
            }

            sealedValue = new SecureMemberSealed(value);
            return true;
        }

        /// <summary>Reads a GroupSealed value: version, and room for a header, a tag and a signature.</summary>
        public static bool TryParseGroupSealed(byte[] value, out SecureGroupSealed? sealedValue, out string? reason)
        {
            sealedValue = null;
            if (value is null)
            {
                reason = "Malformed";
                return false;
            }

            if (!TryReadGroupSealed(new ArraySegment<byte>(value), out _, out _, out reason))
            {
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
            WriteSealedHeader(header, 0, memberIdOrEpoch, sequence);
            return header;
        }

        /// <summary>Writes the header of a MemberSealed or a GroupSealed at <paramref name="at"/>.</summary>
        internal static void WriteSealedHeader(byte[] buffer, int at, uint memberIdOrEpoch, ulong sequence)
        {
            buffer[at] = Version;
            BigEndian.WriteU32(buffer, at + 1, memberIdOrEpoch);
            BigEndian.WriteU64(buffer, at + 5, sequence);
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

        /// <summary>The body of a member's Data: Q ‖ message id ‖ index ‖ count ‖ content type ‖ payload (bytes [offset, offset + length) of <paramref name="payload"/>, at least one).</summary>
        public static byte[] MemberDataBody(ulong sequence, ulong messageId, int index, int count, byte contentType, byte[] payload, int offset, int length)
        {
            CheckFragment(index, count);
            CheckPayload(payload, offset, length);
            var body = new byte[MemberDataHeaderLength + length];
            WriteMemberDataBody(body, 0, sequence, messageId, index, count, contentType, payload, offset, length);
            return body;
        }

        /// <summary>Writes the body of a member's Data at <paramref name="at"/> (see <see cref="MemberDataBody"/>); returns its length.</summary>
        internal static int WriteMemberDataBody(byte[] buffer, int at, ulong sequence, ulong messageId, int index, int count, byte contentType, byte[] payload, int offset, int length)
        {
            CheckFragment(index, count);
            CheckPayload(payload, offset, length);
            BigEndian.WriteU64(buffer, at, sequence);
            BigEndian.WriteU64(buffer, at + 8, messageId);
            BigEndian.WriteU32(buffer, at + 16, (uint)index);
            BigEndian.WriteU32(buffer, at + 20, (uint)count);
            buffer[at + 24] = contentType;
            Buffer.BlockCopy(payload, offset, buffer, at + MemberDataHeaderLength, length);
            return MemberDataHeaderLength + length;
        }

        /// <summary>
        /// The body of a Nack: n ‖ n × (first R ‖ length). 1 to 16 ranges, strictly ascending, neither
        /// overlapping nor touching (each range ends at least one number before the next begins);
        /// else ArgumentException.
        /// </summary>
        public static byte[] NackBody(IReadOnlyList<SecureSequenceRange> ranges)
        {
            if (ranges is null)
            {
                throw new ArgumentNullException(nameof(ranges));
            }

            if (ranges.Count < 1 || ranges.Count > MaxNackRanges)
            {
                throw new ArgumentException("A Nack holds 1 to 16 ranges.", nameof(ranges));
            }

            var body = new byte[1 + (ranges.Count * NackRangeLength)];
            body[0] = (byte)ranges.Count;
            for (int i = 0; i < ranges.Count; i++)
            {
                SecureSequenceRange range = ranges[i];
                if (range.Length < 1)
                {
                    throw new ArgumentException("A Nack range holds 1 to 65,535 numbers.", nameof(ranges));
                }

                if (i > 0 && !Separated(ranges[i - 1], range))
                {
                    throw new ArgumentException("The ranges of a Nack are strictly ascending and neither overlap nor touch.", nameof(ranges));
                }

                int at = 1 + (i * NackRangeLength);
                BigEndian.WriteU64(body, at, range.First);
                BigEndian.WriteU32(body, at + 8, (uint)range.Length);
            }

            return body;
        }

        /// <summary>Reads a MemberSealed plaintext of any kind but Nack (a Nack's ranges are not returned: use the other overload).</summary>
        public static bool TryParseMemberPlaintext(byte[] plain, out SecureMemberKind kind, out SecureFragment? fragment, out uint epoch, out string? reason) =>
            TryParseMemberPlaintext(plain, out kind, out fragment, out epoch, out _, out reason);

        /// <summary>
        /// Reads a MemberSealed plaintext. A kind other than 1-6 is UnknownKind. MalformedRecord: a body
        /// of the wrong length for its kind; a Data body of 25 bytes or less (no payload), a count of 0,
        /// an index not below the count, or a count or index above 2^31 - 1 (no message that long is
        /// possible: every fragment carries a byte at least); a Nack with 0 or more than 16 ranges, a
        /// body that is not exactly 1 + 12 n bytes, a range length of 0 or over 65,535, a range
        /// that runs past 2^64 - 1, or ranges that are not strictly ascending, apart by at least one
        /// number.
        /// </summary>
        public static bool TryParseMemberPlaintext(
            byte[] plain,
            out SecureMemberKind kind,
            out SecureFragment? fragment,
            out uint epoch,
            out IReadOnlyList<SecureSequenceRange>? nack,
            out string? reason)
        {
            kind = default;
            fragment = null;
            epoch = 0;
            nack = null;
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
                    if (bodyLength <= MemberDataHeaderLength
                        || !TryReadFragmentPosition(plain, 1 + 16, out int index, out int count))
                    {
                        reason = "MalformedRecord";
                        return false;
                    }

                    fragment = new SecureFragment(
                        0,
                        BigEndian.ReadU64(plain, 1),
                        BigEndian.ReadU64(plain, 9),
                        index,
                        count,
                        plain[1 + 24],
                        plain,
                        1 + MemberDataHeaderLength,
                        bodyLength - MemberDataHeaderLength);
                    return true;
                case SecureMemberKind.Nack:
                    if (!TryParseNack(plain, 1, bodyLength, out nack))
                    {
                        reason = "MalformedRecord";
                        return false;
                    }

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

            byte[] record = NewGroupRecord(kind, body.Length);
            Buffer.BlockCopy(body, 0, record, RecordHeaderLength, body.Length);
            return record;
        }

        /// <summary>A Data record: sender ‖ Q ‖ message id ‖ index ‖ count ‖ content type ‖ payload.</summary>
        public static byte[] DataRecord(SecureFragment fragment)
        {
            if (fragment is null)
            {
                throw new ArgumentNullException(nameof(fragment));
            }

            return DataRecord(fragment.SenderId, fragment);
        }

        /// <summary>The Data record of <paramref name="fragment"/> forwarded as <paramref name="senderId"/>'s, written in one go from where its payload is.</summary>
        internal static byte[] DataRecord(uint senderId, SecureFragment fragment)
        {
            CheckFragment(fragment.Index, fragment.Count);
            ArraySegment<byte> payload = fragment.PayloadSegment;
            CheckPayload(payload.Array, payload.Offset, payload.Count);
            byte[] record = NewGroupRecord(SecureGroupKind.Data, GroupDataHeaderLength + payload.Count);
            int at = RecordHeaderLength;
            BigEndian.WriteU32(record, at, senderId);
            BigEndian.WriteU64(record, at + 4, fragment.Sequence);
            BigEndian.WriteU64(record, at + 12, fragment.MessageId);
            BigEndian.WriteU32(record, at + 20, (uint)fragment.Index);
            BigEndian.WriteU32(record, at + 24, (uint)fragment.Count);
            record[at + 28] = fragment.ContentType;
            Buffer.BlockCopy(payload.Array!, payload.Offset, record, at + GroupDataHeaderLength, payload.Count);
            return record;
        }

        /// <summary>An Ack record: member id ‖ next Q (every Data fragment of that member below it is held: forwarded or refused).</summary>
        public static byte[] AckRecord(uint memberId, ulong nextSequence)
        {
            byte[] record = NewGroupRecord(SecureGroupKind.Ack, AckBodyLength);
            BigEndian.WriteU32(record, RecordHeaderLength, memberId);
            BigEndian.WriteU64(record, RecordHeaderLength + 4, nextSequence);
            return record;
        }

        /// <summary>An Unavailable record: first R ‖ length (the relay can no longer repair these datagrams).</summary>
        public static byte[] UnavailableRecord(SecureSequenceRange range)
        {
            if (range.Length < 1)
            {
                throw new ArgumentException("An Unavailable range holds 1 to 65,535 numbers.", nameof(range));
            }

            var body = new byte[UnavailableBodyLength];
            BigEndian.WriteU64(body, 0, range.First);
            BigEndian.WriteU32(body, 8, (uint)range.Length);
            return GroupRecord(SecureGroupKind.Unavailable, body);
        }

        /// <summary>A Refused record: member id ‖ message id ‖ reason.</summary>
        public static byte[] RefusedRecord(uint memberId, ulong messageId, SecureRefusedReason reason)
        {
            if (reason != SecureRefusedReason.TooLarge && reason != SecureRefusedReason.UnsupportedContent)
            {
                throw new ArgumentOutOfRangeException(nameof(reason), reason, "A Refused reason is 1 (too large) or 2 (content type not supported).");
            }

            var body = new byte[RefusedBodyLength];
            BigEndian.WriteU32(body, 0, memberId);
            BigEndian.WriteU64(body, 4, messageId);
            body[12] = (byte)reason;
            return GroupRecord(SecureGroupKind.Refused, body);
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

        /// <summary>
        /// A Site record: member id ‖ site length ‖ site (UTF-8, 1 to 64 bytes, no control characters;
        /// else an ArgumentException). Only a federated relay sends it.
        /// </summary>
        public static byte[] SiteRecord(uint memberId, string site)
        {
            byte[] name = EncodeSite(site);
            var body = new byte[5 + name.Length];
            BigEndian.WriteU32(body, 0, memberId);
            body[4] = (byte)name.Length;
            Buffer.BlockCopy(name, 0, body, 5, name.Length);
            return GroupRecord(SecureGroupKind.Site, body);
        }

        /// <summary>
        /// The UTF-8 bytes of a site name, or an ArgumentException: 1 to 64 bytes, valid Unicode, no
        /// control characters (the rules of a display name, and not empty).
        /// </summary>
        public static byte[] EncodeSite(string site)
        {
            if (site is null)
            {
                throw new ArgumentNullException(nameof(site));
            }

            if (site.Length == 0)
            {
                throw new ArgumentException("A site name cannot be empty.", nameof(site));
            }

            byte[] bytes;
            try
            {
                bytes = ClassicMessages.StrictUtf8.GetBytes(site);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("The site name is not valid Unicode (a lone surrogate).", nameof(site), e);
            }

            if (bytes.Length > MaxSiteBytes)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The site name has {0} UTF-8 bytes; the most is {1}.", bytes.Length, MaxSiteBytes),
                    nameof(site));
            }

            if (HasControl(site))
            {
                throw new ArgumentException("The site name contains a control character.", nameof(site));
            }

            return bytes;
        }

        /// <summary>True when <paramref name="site"/> is a site name a Site record can carry.</summary>
        public static bool IsValidSite(string? site)
        {
            if (string.IsNullOrEmpty(site))
            {
                return false;
            }

            try
            {
                EncodeSite(site!);
                return true;
            }
            catch (ArgumentException)
            {
                return false;
            }
        }

        /// <summary>A Lost record: member id ‖ next Q ‖ reason (the member's fragments below next Q not forwarded are gone between the sites).</summary>
        public static byte[] LostRecord(uint memberId, ulong nextSequence, SecureLostReason reason = SecureLostReason.BetweenSites)
        {
            if (reason != SecureLostReason.BetweenSites)
            {
                throw new ArgumentOutOfRangeException(nameof(reason), reason, "A Lost reason is 1 (lost between sites).");
            }

            byte[] record = NewGroupRecord(SecureGroupKind.Lost, LostBodyLength);
            BigEndian.WriteU32(record, RecordHeaderLength, memberId);
            BigEndian.WriteU64(record, RecordHeaderLength + 4, nextSequence);
            record[RecordHeaderLength + 12] = (byte)reason;
            return record;
        }

        /// <summary>
        /// The Roster records of a federated relay listing <paramref name="members"/> with their sites,
        /// in order: for each Roster record, the Site records of its entries first, then the Roster
        /// record; each such group at most <paramref name="maxBytes"/> bytes, so that it fits one datagram.
        /// </summary>
        public static List<byte[]> RosterRecordsWithSites(IReadOnlyList<(SecureMemberEntry Entry, string Site)> members, int maxBytes)
        {
            if (members is null)
            {
                throw new ArgumentNullException(nameof(members));
            }

            var records = new List<byte[]>();
            var sites = new List<byte[]>();
            var entries = new List<byte[]>();
            int size = RecordHeaderLength + 2;
            foreach ((SecureMemberEntry entry, string site) in members)
            {
                byte[] entryBytes = MemberEntryBytes(entry);
                byte[] siteRecord = SiteRecord(entry.MemberId, site);
                int cost = entryBytes.Length + siteRecord.Length;
                if (RecordHeaderLength + 2 + cost > maxBytes)
                {
                    throw new ArgumentOutOfRangeException(nameof(maxBytes), maxBytes, "A roster group must have room for one entry and its site.");
                }

                if (size + cost > maxBytes)
                {
                    records.AddRange(sites);
                    records.Add(RosterRecord(entries));
                    sites.Clear();
                    entries.Clear();
                    size = RecordHeaderLength + 2;
                }

                sites.Add(siteRecord);
                entries.Add(entryBytes);
                size += cost;
            }

            if (entries.Count > 0)
            {
                records.AddRange(sites);
                records.Add(RosterRecord(entries));
            }

            return records;
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

        /// <summary>
        /// Reads a Data record's body: a header and a payload of at least one byte (more than 29
        /// bytes), a count above 0 and an index below it, neither above 2^31 - 1; else MalformedRecord.
        /// </summary>
        public static bool TryParseDataRecord(byte[] body, int at, int length, out SecureFragment? fragment, out string? reason)
        {
            fragment = null;
            reason = null;
            if (length <= GroupDataHeaderLength || !TryReadFragmentPosition(body, at + 20, out int index, out int count))
            {
                reason = "MalformedRecord";
                return false;
            }

            fragment = new SecureFragment(
                BigEndian.ReadU32(body, at),
                BigEndian.ReadU64(body, at + 4),
                BigEndian.ReadU64(body, at + 12),
                index,
                count,
                body[at + 28],
                body,
                at + GroupDataHeaderLength,
                length - GroupDataHeaderLength);
            return true;
        }

        /// <summary>Reads an Ack record's body: exactly member id (4) ‖ next Q (8); else MalformedRecord.</summary>
        public static bool TryParseAck(byte[] body, int at, int length, out uint memberId, out ulong nextSequence, out string? reason)
        {
            memberId = 0;
            nextSequence = 0;
            reason = null;
            if (length != AckBodyLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            memberId = BigEndian.ReadU32(body, at);
            nextSequence = BigEndian.ReadU64(body, at + 4);
            return true;
        }

        /// <summary>
        /// Reads an Unavailable record's body: exactly first R (8) ‖ length (4), the length 1 to
        /// 65,535 and the range not past 2^64 - 1; else MalformedRecord.
        /// </summary>
        public static bool TryParseUnavailable(byte[] body, int at, int length, out SecureSequenceRange range, out string? reason)
        {
            range = default;
            reason = null;
            if (length != UnavailableBodyLength || !TryReadRange(body, at, out range))
            {
                reason = "MalformedRecord";
                return false;
            }

            return true;
        }

        /// <summary>Reads a Refused record's body: exactly member id (4) ‖ message id (8) ‖ reason 1 or 2; else MalformedRecord.</summary>
        public static bool TryParseRefused(byte[] body, int at, int length, out uint memberId, out ulong messageId, out SecureRefusedReason refusedReason, out string? reason)
        {
            memberId = 0;
            messageId = 0;
            refusedReason = default;
            reason = null;
            if (length != RefusedBodyLength || body[at + 12] < 1 || body[at + 12] > 2)
            {
                reason = "MalformedRecord";
                return false;
            }

            memberId = BigEndian.ReadU32(body, at);
            messageId = BigEndian.ReadU64(body, at + 4);
            refusedReason = (SecureRefusedReason)body[at + 12];
            return true;
        }

        /// <summary>
        /// Reads a Site record's body: member id (4) ‖ length (1, 1 to 64) ‖ exactly that many bytes of
        /// UTF-8 without control characters; else MalformedRecord.
        /// </summary>
        public static bool TryParseSite(byte[] body, int at, int length, out uint memberId, out string? site, out string? reason)
        {
            memberId = 0;
            site = null;
            reason = null;
            int siteLength = length >= 5 ? body[at + 4] : -1;
            if (siteLength < 1 || siteLength > MaxSiteBytes || length != 5 + siteLength)
            {
                reason = "MalformedRecord";
                return false;
            }

            site = TryDecodeName(body, at + 5, siteLength);
            if (site is null)
            {
                reason = "MalformedRecord";
                return false;
            }

            memberId = BigEndian.ReadU32(body, at);
            return true;
        }

        /// <summary>Reads a Lost record's body: exactly member id (4) ‖ next Q (8) ‖ reason 1; else MalformedRecord.</summary>
        public static bool TryParseLost(byte[] body, int at, int length, out uint memberId, out ulong nextSequence, out string? reason)
        {
            memberId = 0;
            nextSequence = 0;
            reason = null;
            if (length != LostBodyLength || body[at + 12] != (byte)SecureLostReason.BetweenSites)
            {
                reason = "MalformedRecord";
                return false;
            }

            memberId = BigEndian.ReadU32(body, at);
            nextSequence = BigEndian.ReadU64(body, at + 4);
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

        /// <summary>The most payload bytes one fragment carries for a largest datagram: D - 129.</summary>
        public static int FragmentCapacity(int maxDatagramBytes) => maxDatagramBytes - SecureDefaults.FragmentOverhead;

        /// <summary>The most fragments a message of at most <paramref name="maxMessageBytes"/> may have: cut for the smallest datagram (576), ceil(max / 447).</summary>
        public static int MaxFragmentsFor(int maxMessageBytes)
        {
            int smallest = FragmentCapacity(SecureDefaults.MinDatagramBytes);
            return (int)(((long)maxMessageBytes + smallest - 1) / smallest);
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

        /// <summary>A record of <paramref name="kind"/> with its header written and room for a body of <paramref name="bodyLength"/> bytes.</summary>
        private static byte[] NewGroupRecord(SecureGroupKind kind, int bodyLength)
        {
            if (bodyLength > ushort.MaxValue)
            {
                throw new ArgumentException("A record body holds at most 65,535 bytes.", nameof(bodyLength));
            }

            var record = new byte[RecordHeaderLength + bodyLength];
            record[0] = (byte)kind;
            BigEndian.WriteU16(record, 1, bodyLength);
            return record;
        }

        /// <summary>A MemberSealed or GroupSealed value: the version, at least <paramref name="minimumLength"/> bytes, and the header's two numbers.</summary>
        private static bool TryReadSealed(ArraySegment<byte> value, int minimumLength, out uint idOrEpoch, out ulong sequence, out string? reason)
        {
            idOrEpoch = 0;
            sequence = 0;
            if (value.Array is null || value.Count < 1)
            {
                reason = "Malformed";
                return false;
            }

            if (value.Array[value.Offset] != Version)
            {
                reason = "UnsupportedVersion";
                return false;
            }

            if (value.Count < minimumLength)
            {
                reason = "Malformed";
                return false;
            }

            idOrEpoch = BigEndian.ReadU32(value.Array, value.Offset + 1);
            sequence = BigEndian.ReadU64(value.Array, value.Offset + 5);
            reason = null;
            return true;
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
            if (count < 1 || index < 0 || index >= count)
            {
                throw new ArgumentOutOfRangeException(nameof(index), index, "A fragment's index is 0 or more and below its count.");
            }
        }

        private static void CheckPayload(byte[]? payload, int offset, int length)
        {
            if (payload is null || length < 1 || offset < 0 || offset > payload.Length - length)
            {
                throw new ArgumentException("A fragment carries 1 or more bytes, within its buffer.", nameof(payload));
            }
        }

        /// <summary>Index (u32) and count (u32) at <paramref name="at"/>: count 1 or more, index below it, both at most 2^31 - 1.</summary>
        private static bool TryReadFragmentPosition(byte[] bytes, int at, out int index, out int count)
        {
            uint rawIndex = BigEndian.ReadU32(bytes, at);
            uint rawCount = BigEndian.ReadU32(bytes, at + 4);
            index = 0;
            count = 0;
            if (rawCount == 0 || rawCount > int.MaxValue || rawIndex >= rawCount)
            {
                return false;
            }

            index = (int)rawIndex;
            count = (int)rawCount;
            return true;
        }

        /// <summary>A range on the wire at <paramref name="at"/>: first (8) ‖ length (4), the length 1 to 65,535, the last number not past 2^64 - 1.</summary>
        private static bool TryReadRange(byte[] bytes, int at, out SecureSequenceRange range)
        {
            range = default;
            ulong first = BigEndian.ReadU64(bytes, at);
            uint length = BigEndian.ReadU32(bytes, at + 8);
            if (length < 1 || length > SecureSequenceRange.MaxLength || first > ulong.MaxValue - (length - 1))
            {
                return false;
            }

            range = new SecureSequenceRange(first, (int)length);
            return true;
        }

        private static bool TryParseNack(byte[] plain, int at, int length, out IReadOnlyList<SecureSequenceRange>? ranges)
        {
            ranges = null;
            if (length < 1)
            {
                return false;
            }

            int n = plain[at];
            if (n < 1 || n > MaxNackRanges || length != 1 + (n * NackRangeLength))
            {
                return false;
            }

            var list = new SecureSequenceRange[n];
            for (int i = 0; i < n; i++)
            {
                if (!TryReadRange(plain, at + 1 + (i * NackRangeLength), out list[i]) || (i > 0 && !Separated(list[i - 1], list[i])))
                {
                    return false;
                }
            }

            ranges = list;
            return true;
        }

        /// <summary>True when <paramref name="next"/> starts after <paramref name="previous"/> with at least one number between them (first + length &lt; next first).</summary>
        private static bool Separated(SecureSequenceRange previous, SecureSequenceRange next) =>
            next.First > previous.Last && next.First - previous.Last > 1;

        private static void CheckLength(byte[] bytes, int length, string name)
        {
            if (bytes is null || bytes.Length != length)
            {
                throw new ArgumentException(string.Format(CultureInfo.InvariantCulture, "{0} must be {1} bytes.", name, length), name);
            }
        }
    }
}
