using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using FsCheck;
using FsCheck.Xunit;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    public class SecureCodecTests
    {
        private static readonly byte[] Point = Enumerable.Range(0, 65).Select(i => (byte)(i == 0 ? 4 : i)).ToArray();

        [Fact]
        public void AHelloRoundTripsAndItsNameIsChecked()
        {
            byte[] nonce = Enumerable.Range(100, 16).Select(i => (byte)i).ToArray();
            byte[] unsigned = SecureCodec.HelloUnsigned(Point, Point, nonce, SecureCodec.EncodeName("Zoë"));
            Assert.Equal(148 + 4, unsigned.Length);
            byte[] value = unsigned.Concat(new byte[64]).ToArray();

            Assert.True(SecureCodec.TryParseHello(value, out SecureHello? hello, out _));
            Assert.Equal("Zoë", hello!.Name);
            Assert.Equal(nonce, hello.Nonce);
            Assert.Equal(152, hello.SignedLength);

            foreach (byte[] bad in new[]
            {
                value.Take(value.Length - 1).ToArray(),
                value.Concat(new byte[1]).ToArray(),
                With(value, 147, 65),
                With(value, 148, 0xFF),
                With(value, 148, 0x07),
            })
            {
                Assert.False(SecureCodec.TryParseHello(bad, out _, out string? reason));
                Assert.Equal("Malformed", reason);
            }

            Assert.False(SecureCodec.TryParseHello(With(value, 0, 2), out _, out string? version));
            Assert.Equal("UnsupportedVersion", version);
        }

        [Theory]
        [InlineData("tab\there")]
        [InlineData("bell\a")]
        [InlineData("\u0085next line")]
        public void ANameWithAControlCharacterIsRefused(string name)
        {
            Assert.Throws<ArgumentException>(() => SecureCodec.EncodeName(name));
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { DisplayName = name }.Validate());
        }

        [Fact]
        public void AWelcomeIsCheckedForItsStatusItsZerosAndItsDatagramSize()
        {
            byte[] admitted = SecureCodec.WelcomeUnsigned(new byte[16], SecureWelcomeStatus.Admitted, Point, Point, new byte[16], 0x01020304, 1400).Concat(new byte[64]).ToArray();
            Assert.Equal(234, admitted.Length);
            Assert.True(SecureCodec.TryParseWelcome(admitted, out SecureWelcome? welcome, out _));
            Assert.Equal(0x01020304u, welcome!.MemberId);
            Assert.Equal(1400, welcome.MaxDatagramBytes);

            byte[] refused = SecureCodec.WelcomeUnsigned(new byte[16], SecureWelcomeStatus.Refused, Point, new byte[65], new byte[16], 0, 1400).Concat(new byte[64]).ToArray();
            Assert.True(SecureCodec.TryParseWelcome(refused, out _, out _));

            foreach (byte[] bad in new[]
            {
                With(admitted, 17, 2),
                With(With(With(With(admitted, 164, 0), 165, 0), 166, 0), 167, 0),
                With(refused, 100, 1),
                With(refused, 167, 1),
                With(With(admitted, 168, 0), 169, 100),
                admitted.Take(233).ToArray(),
            })
            {
                Assert.False(SecureCodec.TryParseWelcome(bad, out _, out string? reason));
                Assert.Equal("Malformed", reason);
            }
        }

        [Fact]
        public void ARekeyMustHoldAsManyEntriesAsItsCountSays()
        {
            byte[] header = SecureCodec.RekeyHeader(7, 9, 2);
            byte[] value = header.Concat(new byte[120]).Concat(new byte[64]).ToArray();
            value[14 + 3] = 0x11;
            value[14 + 60 + 3] = 0x22;
            Assert.True(SecureCodec.TryParseRekey(value, out SecureRekey? rekey, out _));
            Assert.Equal(new uint[] { 0x11, 0x22 }, rekey!.Entries.Select(e => e.MemberId));
            Assert.Equal(7u, rekey.Epoch);
            Assert.Equal(9ul, rekey.Sequence);
            Assert.Equal(14 + 12, rekey.Entries[0].Offset);

            Assert.False(SecureCodec.TryParseRekey(value.Take(value.Length - 1).ToArray(), out _, out _));
            Assert.False(SecureCodec.TryParseRekey(With(value, 13, 3), out _, out _));
            Assert.False(SecureCodec.TryParseRekey(With(value, 13, 0), out _, out _));
        }

        [Fact]
        public void GroupRecordsRoundTripAndAMalformedOneStopsTheReading()
        {
            var alice = new SecureMemberEntry(0xa11ce, Point, "alice");
            byte[] plain = new[]
            {
                SecureCodec.DataRecord(new SecureFragment(5, 77, 0x0102030405060708, 1, 3, 1, new byte[] { 9, 9 })),
                SecureCodec.JoinedRecord(alice),
                SecureCodec.LeftRecord(6, SecureLeftReason.TimedOut),
                SecureCodec.HeartbeatRecord(),
                SecureCodec.GroupRecord((SecureGroupKind)77, new byte[] { 1, 2, 3 }),
            }.Concat(SecureCodec.RosterRecords(new[] { alice, alice }, 1303)).SelectMany(r => r).ToArray();

            var kinds = new List<SecureGroupKind>();
            int offset = 0;
            while (SecureCodec.TryReadGroupRecord(plain, ref offset, out SecureGroupKind kind, out int at, out int length, out _))
            {
                kinds.Add(kind);
                switch (kind)
                {
                    case SecureGroupKind.Data:
                        Assert.True(SecureCodec.TryParseDataRecord(plain, at, length, out SecureFragment? f, out _));
                        Assert.Equal((5u, 77ul, 0x0102030405060708ul, 1, 3), (f!.SenderId, f.Sequence, f.MessageId, f.Index, f.Count));
                        Assert.Equal(new byte[] { 9, 9 }, f.Payload);
                        break;
                    case SecureGroupKind.Joined:
                        Assert.True(SecureCodec.TryParseJoined(plain, at, length, out SecureMemberEntry? j, out _));
                        Assert.Equal(("alice", 0xa11ceu), (j!.Name, j.MemberId));
                        break;
                    case SecureGroupKind.Left:
                        Assert.True(SecureCodec.TryParseLeft(plain, at, length, out uint id, out SecureLeftReason why, out _));
                        Assert.Equal((6u, SecureLeftReason.TimedOut), (id, why));
                        break;
                    case SecureGroupKind.Roster:
                        Assert.True(SecureCodec.TryParseRoster(plain, at, length, out List<SecureMemberEntry>? r, out _));
                        Assert.Equal(2, r!.Count);
                        break;
                }
            }

            Assert.Equal(new[] { SecureGroupKind.Data, SecureGroupKind.Joined, SecureGroupKind.Left, SecureGroupKind.Heartbeat, (SecureGroupKind)77, SecureGroupKind.Roster }, kinds);
            Assert.Equal(plain.Length, offset);

            byte[] cut = plain.Take(plain.Length - 1).ToArray();
            offset = 0;
            int read = 0;
            string? reason = null;
            while (SecureCodec.TryReadGroupRecord(cut, ref offset, out _, out _, out _, out reason))
            {
                read++;
            }

            Assert.Equal(5, read);
            Assert.Equal("MalformedRecord", reason);
        }

        [Fact]
        public void ARosterIsSplitIntoRecordsThatFitAndARosterCountItsBodyCannotHoldIsRefused()
        {
            var members = Enumerable.Range(1, 64).Select(i => new SecureMemberEntry((uint)i, Point, new string('n', 64))).ToList();
            var records = SecureCodec.RosterRecords(members, SecureCodec.GroupPlaintextCapacity(1400));
            Assert.All(records, r => Assert.True(r.Length <= 1303));
            Assert.Equal(8, records.Count);
            var back = new List<SecureMemberEntry>();
            foreach (byte[] r in records)
            {
                Assert.True(SecureCodec.TryParseRoster(r, 3, r.Length - 3, out List<SecureMemberEntry>? part, out _));
                back.AddRange(part!);
            }

            Assert.Equal(members.Select(m => m.MemberId), back.Select(m => m.MemberId));

            byte[] lying = { 0xFF, 0xFF, 0, 0, 0 };
            Assert.False(SecureCodec.TryParseRoster(lying, 0, lying.Length, out _, out string? reason));
            Assert.Equal("MalformedRecord", reason);
        }

        [Fact]
        public void MemberPlaintextsAreCheckedByKind()
        {
            Assert.True(SecureCodec.TryParseMemberPlaintext(new byte[] { 1 }, out SecureMemberKind kind, out _, out _, out _));
            Assert.Equal(SecureMemberKind.Join, kind);
            Assert.True(SecureCodec.TryParseMemberPlaintext(new byte[] { 5, 0, 0, 1, 2 }, out kind, out _, out uint epoch, out _));
            Assert.Equal((SecureMemberKind.KeyRequest, 258u), (kind, epoch));
            byte[] data = SecureCodec.MemberPlaintext(SecureMemberKind.Data, SecureCodec.MemberDataBody(9, 77, 2, 3, 1, new byte[] { 1, 2, 3, 4 }, 1, 2));
            Assert.True(SecureCodec.TryParseMemberPlaintext(data, out _, out SecureFragment? fragment, out _, out _));
            Assert.Equal((9ul, 77ul, 2, 3), (fragment!.Sequence, fragment.MessageId, fragment.Index, fragment.Count));
            Assert.Equal(new byte[] { 2, 3 }, fragment.Payload);

            foreach (byte[] bad in new[]
            {
                Array.Empty<byte>(),
                new byte[] { 2, 0 },
                new byte[] { 5, 0, 0 },
                new byte[] { 6 },
                SecureCodec.MemberPlaintext(SecureMemberKind.Data, new byte[25]),
                With(data, 20, 9),
            })
            {
                Assert.False(SecureCodec.TryParseMemberPlaintext(bad, out _, out _, out _, out string? reason));
                Assert.Equal("MalformedRecord", reason);
            }

            Assert.False(SecureCodec.TryParseMemberPlaintext(new byte[] { 7 }, out _, out _, out _, out string? unknown));
            Assert.Equal("UnknownKind", unknown);
        }

        [Fact]
        public void AMembersDataBodyIsQThenMessageIdIndexCountAndContentType()
        {
            byte[] payload = { 0xAA, 0xBB, 0xCC };
            byte[] body = SecureCodec.MemberDataBody(0x0102030405060708, 0x1112131415161718, 0x01020304, 0x7FFFFFFF, 3, payload, 1, 2);
            Assert.Equal(
                Hex.Decode("0102030405060708" + "1112131415161718" + "01020304" + "7fffffff" + "03" + "bbcc"),
                body);

            byte[] plain = SecureCodec.MemberPlaintext(SecureMemberKind.Data, body);
            Assert.True(SecureCodec.TryParseMemberPlaintext(plain, out SecureMemberKind kind, out SecureFragment? f, out _, out _));
            Assert.Equal(SecureMemberKind.Data, kind);
            Assert.Equal(
                (0u, 0x0102030405060708ul, 0x1112131415161718ul, 0x01020304, 0x7FFFFFFF, (byte)3),
                (f!.SenderId, f.Sequence, f.MessageId, f.Index, f.Count, f.ContentType));
            Assert.Equal(new byte[] { 0xBB, 0xCC }, f.Payload);

            // The parser takes any content type: it is the relay that checks it (UnsupportedContent), counting the fragment's Q.
            Assert.True(SecureCodec.TryParseMemberPlaintext(With(plain, 25, 0x99), out _, out SecureFragment? odd, out _, out _));
            Assert.Equal(0x99, odd!.ContentType);
            Assert.False(SecureCodec.IsKnownContentType(0x99));
            Assert.False(SecureCodec.IsKnownContentType(0));
            Assert.True(SecureCodec.IsKnownContentType(SecureCodec.ContentText));
            Assert.True(SecureCodec.IsKnownContentType(SecureCodec.ContentData));
            Assert.True(SecureCodec.IsKnownContentType(SecureCodec.ContentFile));
        }

        [Theory]
        [InlineData("25 bytes: no payload", -1, 0)]
        [InlineData("count 0", 24, 0)]
        [InlineData("index equal to the count", 20, 1)]
        [InlineData("count above 2^31 - 1", 21, 0x80)]
        public void AMalformedMemberDataIsMalformedRecord(string what, int at, byte value)
        {
            // Index 0 at plaintext bytes 17..20, count 1 at 21..24 (the kind byte is 0).
            byte[] plain = SecureCodec.MemberPlaintext(SecureMemberKind.Data, SecureCodec.MemberDataBody(1, 2, 0, 1, 1, new byte[] { 7 }, 0, 1));
            byte[] bad = at < 0 ? plain.Take(plain.Length - 1).ToArray() : With(plain, at, value);
            Assert.False(SecureCodec.TryParseMemberPlaintext(bad, out _, out SecureFragment? f, out _, out string? reason), what);
            Assert.Equal("MalformedRecord", reason);
            Assert.Null(f);
        }

        [Fact]
        public void ANackRoundTripsWithItsExactLayout()
        {
            var ranges = new[] { new SecureSequenceRange(5, 3), new SecureSequenceRange(9, 1), new SecureSequenceRange(0x0100000000, 65535) };
            byte[] body = SecureCodec.NackBody(ranges);
            Assert.Equal(
                Hex.Decode("03" + "0000000000000005" + "00000003" + "0000000000000009" + "00000001" + "0000000100000000" + "0000ffff"),
                body);

            Assert.True(SecureCodec.TryParseMemberPlaintext(SecureCodec.MemberPlaintext(SecureMemberKind.Nack, body), out SecureMemberKind kind, out _, out _, out IReadOnlyList<SecureSequenceRange>? back, out _));
            Assert.Equal(SecureMemberKind.Nack, kind);
            Assert.Equal(ranges, back);
            Assert.Equal(7ul, back![0].Last);

            var sixteen = Enumerable.Range(0, 16).Select(i => new SecureSequenceRange((ulong)i * 10, 5)).ToArray();
            Assert.True(SecureCodec.TryParseMemberPlaintext(SecureCodec.MemberPlaintext(SecureMemberKind.Nack, SecureCodec.NackBody(sixteen)), out _, out _, out _, out back, out _));
            Assert.Equal(16, back!.Count);
        }

        public static IEnumerable<object[]> MalformedNacks()
        {
            static string R(ulong first, uint length) => first.ToString("x16", System.Globalization.CultureInfo.InvariantCulture) + length.ToString("x8", System.Globalization.CultureInfo.InvariantCulture);
            yield return new object[] { "no body", string.Empty };
            yield return new object[] { "n = 0", "00" };
            yield return new object[] { "n = 17", "11" + string.Concat(Enumerable.Range(0, 17).Select(i => R((ulong)i * 10, 1))) };
            yield return new object[] { "a byte short", "01" + R(1, 1).Substring(2) };
            yield return new object[] { "a byte over", "01" + R(1, 1) + "00" };
            yield return new object[] { "n says 2, one range", "02" + R(1, 1) };
            yield return new object[] { "length 0", "01" + R(1, 0) };
            yield return new object[] { "length 65,536", "01" + R(1, 65536) };
            yield return new object[] { "length 2^32 - 1", "01" + R(1, uint.MaxValue) };
            yield return new object[] { "past 2^64 - 1", "01" + R(ulong.MaxValue, 2) };
            yield return new object[] { "descending", "02" + R(10, 1) + R(5, 1) };
            yield return new object[] { "equal", "02" + R(10, 1) + R(10, 1) };
            yield return new object[] { "overlapping", "02" + R(10, 5) + R(14, 3) };
            yield return new object[] { "touching: first + length = next first", "02" + R(10, 5) + R(15, 3) };
        }

        [Theory]
        [MemberData(nameof(MalformedNacks))]
        public void AMalformedNackIsMalformedRecord(string what, string bodyHex)
        {
            byte[] plain = SecureCodec.MemberPlaintext(SecureMemberKind.Nack, Hex.Decode(bodyHex));
            Assert.False(SecureCodec.TryParseMemberPlaintext(plain, out _, out _, out _, out IReadOnlyList<SecureSequenceRange>? ranges, out string? reason), what);
            Assert.Equal("MalformedRecord", reason);
            Assert.Null(ranges);
        }

        [Fact]
        public void TheNackEncoderRefusesWhatTheParserWould()
        {
            Assert.Throws<ArgumentException>(() => SecureCodec.NackBody(Array.Empty<SecureSequenceRange>()));
            Assert.Throws<ArgumentException>(() => SecureCodec.NackBody(Enumerable.Range(0, 17).Select(i => new SecureSequenceRange((ulong)i * 10, 1)).ToArray()));
            Assert.Throws<ArgumentException>(() => SecureCodec.NackBody(new[] { new SecureSequenceRange(10, 5), new SecureSequenceRange(15, 1) }));
            Assert.Throws<ArgumentException>(() => SecureCodec.NackBody(new[] { new SecureSequenceRange(10, 1), new SecureSequenceRange(3, 1) }));
            Assert.Throws<ArgumentException>(() => SecureCodec.NackBody(new[] { default(SecureSequenceRange) }));
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecureSequenceRange(1, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecureSequenceRange(1, 65536));
            Assert.Throws<ArgumentOutOfRangeException>(() => new SecureSequenceRange(ulong.MaxValue, 2));
            Assert.Equal(ulong.MaxValue, new SecureSequenceRange(ulong.MaxValue, 1).Last);

            // One number apart is the closest two ranges may be.
            byte[] body = SecureCodec.NackBody(new[] { new SecureSequenceRange(10, 5), new SecureSequenceRange(16, 1) });
            Assert.True(SecureCodec.TryParseMemberPlaintext(SecureCodec.MemberPlaintext(SecureMemberKind.Nack, body), out _, out _, out _, out IReadOnlyList<SecureSequenceRange>? back, out _));
            Assert.Equal(2, back!.Count);
        }

        [Fact]
        public void TheRelaysNewRecordsHaveTheirExactLayouts()
        {
            byte[] data = SecureCodec.DataRecord(new SecureFragment(0x0a0b0c0d, 0x0102030405060708, 0x1112131415161718, 4, 5, 2, new byte[] { 0xEE }));
            Assert.Equal(
                Hex.Decode("01" + "001e" + "0a0b0c0d" + "0102030405060708" + "1112131415161718" + "00000004" + "00000005" + "02" + "ee"),
                data);
            Assert.Equal(Hex.Decode("06" + "000c" + "0a0b0c0d" + "00000000000001ff"), SecureCodec.AckRecord(0x0a0b0c0d, 0x1ff));
            Assert.Equal(Hex.Decode("07" + "000c" + "0000000000000100" + "0000ffff"), SecureCodec.UnavailableRecord(new SecureSequenceRange(0x100, 65535)));
            Assert.Equal(Hex.Decode("08" + "000d" + "0a0b0c0d" + "1112131415161718" + "02"), SecureCodec.RefusedRecord(0x0a0b0c0d, 0x1112131415161718, SecureRefusedReason.UnsupportedContent));
            Assert.Throws<ArgumentOutOfRangeException>(() => SecureCodec.RefusedRecord(1, 1, (SecureRefusedReason)3));
            Assert.Throws<ArgumentException>(() => SecureCodec.UnavailableRecord(default));
            Assert.Throws<ArgumentException>(() => SecureCodec.DataRecord(new SecureFragment(1, 1, 1, 0, 1, 1, Array.Empty<byte>())));

            byte[] plain = new[]
            {
                data,
                SecureCodec.AckRecord(7, 42),
                SecureCodec.UnavailableRecord(new SecureSequenceRange(100, 20)),
                SecureCodec.RefusedRecord(8, 99, SecureRefusedReason.TooLarge),
            }.SelectMany(r => r).ToArray();
            int offset = 0;
            var seen = new List<string>();
            while (SecureCodec.TryReadGroupRecord(plain, ref offset, out SecureGroupKind kind, out int at, out int length, out _))
            {
                switch (kind)
                {
                    case SecureGroupKind.Data:
                        Assert.True(SecureCodec.TryParseDataRecord(plain, at, length, out SecureFragment? f, out _));
                        seen.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, "data {0:x} {1:x} {2:x} {3} {4} {5}", f!.SenderId, f.Sequence, f.MessageId, f.Index, f.Count, f.ContentType));
                        break;
                    case SecureGroupKind.Ack:
                        Assert.True(SecureCodec.TryParseAck(plain, at, length, out uint member, out ulong next, out _));
                        seen.Add("ack " + member + " " + next);
                        break;
                    case SecureGroupKind.Unavailable:
                        Assert.True(SecureCodec.TryParseUnavailable(plain, at, length, out SecureSequenceRange range, out _));
                        seen.Add("unavailable " + range);
                        break;
                    case SecureGroupKind.Refused:
                        Assert.True(SecureCodec.TryParseRefused(plain, at, length, out uint refusedMember, out ulong message, out SecureRefusedReason why, out _));
                        seen.Add("refused " + refusedMember + " " + message + " " + why);
                        break;
                }
            }

            Assert.Equal(
                new[] { "data a0b0c0d 102030405060708 1112131415161718 4 5 2", "ack 7 42", "unavailable 100..119", "refused 8 99 TooLarge" },
                seen);
        }

        public static IEnumerable<object[]> MalformedGroupBodies()
        {
            yield return new object[] { "Data of 29 bytes", SecureGroupKind.Data, "0000000100000000000000000000000000000001" + "00000000" + "00000001" + "01" };
            yield return new object[] { "Data count 0", SecureGroupKind.Data, "00000001" + "0000000000000000" + "0000000000000001" + "00000000" + "00000000" + "01" + "aa" };
            yield return new object[] { "Data index = count", SecureGroupKind.Data, "00000001" + "0000000000000000" + "0000000000000001" + "00000002" + "00000002" + "01" + "aa" };
            yield return new object[] { "Data count over 2^31 - 1", SecureGroupKind.Data, "00000001" + "0000000000000000" + "0000000000000001" + "00000000" + "80000000" + "01" + "aa" };
            yield return new object[] { "Ack of 11 bytes", SecureGroupKind.Ack, "0000000100000000000000" };
            yield return new object[] { "Ack of 13 bytes", SecureGroupKind.Ack, "00000001000000000000000000" };
            yield return new object[] { "Unavailable of 11 bytes", SecureGroupKind.Unavailable, "0000000000000001000000" };
            yield return new object[] { "Unavailable length 0", SecureGroupKind.Unavailable, "0000000000000001" + "00000000" };
            yield return new object[] { "Unavailable length 65,536", SecureGroupKind.Unavailable, "0000000000000001" + "00010000" };
            yield return new object[] { "Unavailable past 2^64 - 1", SecureGroupKind.Unavailable, "ffffffffffffffff" + "00000002" };
            yield return new object[] { "Refused of 12 bytes", SecureGroupKind.Refused, "00000001" + "0000000000000001" };
            yield return new object[] { "Refused of 14 bytes", SecureGroupKind.Refused, "00000001" + "0000000000000001" + "0101" };
            yield return new object[] { "Refused reason 0", SecureGroupKind.Refused, "00000001" + "0000000000000001" + "00" };
            yield return new object[] { "Refused reason 3", SecureGroupKind.Refused, "00000001" + "0000000000000001" + "03" };
        }

        [Theory]
        [MemberData(nameof(MalformedGroupBodies))]
        public void AMalformedRelayRecordIsMalformedRecord(string what, SecureGroupKind kind, string bodyHex)
        {
            // The body sits after a byte of something else, so the parsers must honour the offset.
            byte[] body = new byte[] { 0x5A }.Concat(Hex.Decode(bodyHex)).ToArray();
            int length = body.Length - 1;
            string? reason;
            bool ok = kind switch
            {
                SecureGroupKind.Data => SecureCodec.TryParseDataRecord(body, 1, length, out _, out reason),
                SecureGroupKind.Ack => SecureCodec.TryParseAck(body, 1, length, out _, out _, out reason),
                SecureGroupKind.Unavailable => SecureCodec.TryParseUnavailable(body, 1, length, out _, out reason),
                _ => SecureCodec.TryParseRefused(body, 1, length, out _, out _, out _, out reason),
            };
            Assert.False(ok, what);
            Assert.Equal("MalformedRecord", reason);
        }

        [Property(MaxTest = 3000)]
        public bool NoParserThrowsOnAnyBytes(byte[] value, int start, int length)
        {
            value ??= Array.Empty<byte>();
            SecureCodec.TryParseHello(value, out _, out _);
            SecureCodec.TryParseWelcome(value, out _, out _);
            SecureCodec.TryParseMemberSealed(value, out _, out _);
            SecureCodec.TryParseGroupSealed(value, out _, out _);
            SecureCodec.TryParseRekey(value, out _, out _);
            SecureCodec.TryParseMemberPlaintext(value, out _, out _, out _, out _);
            SecureCodec.TryReadDatagram(value, out _, out _);
            int offset = 0;
            int guard = 0;
            while (SecureCodec.TryReadGroupRecord(value, ref offset, out SecureGroupKind kind, out int at, out int len, out _) && guard++ < 100000)
            {
                SecureCodec.TryParseDataRecord(value, at, len, out _, out _);
                SecureCodec.TryParseJoined(value, at, len, out _, out _);
                SecureCodec.TryParseLeft(value, at, len, out _, out _, out _);
                SecureCodec.TryParseRoster(value, at, len, out _, out _);
                SecureCodec.TryParseAck(value, at, len, out _, out _, out _);
                SecureCodec.TryParseUnavailable(value, at, len, out _, out _);
                SecureCodec.TryParseRefused(value, at, len, out _, out _, out _, out _);
            }

            foreach (TlvType type in new[] { TlvType.SecureHello, TlvType.SecureWelcome, TlvType.SecureMemberSealed, TlvType.SecureGroupSealed, TlvType.SecureRekey })
            {
                try
                {
                    new SecureRecordDecoder().Decode(new TlvRecord(type, value.Length > 65535 ? value.Take(65535).ToArray() : value));
                }
                catch (TlvFormatException)
                {
                    // The decoder's way of saying malformed; nothing else may escape.
                }
            }

            return true;
        }

        [Fact]
        public void TheRecordDecoderShowsHeadersAndIsRegistered()
        {
            byte[] value = SecureCodec.SealedHeader(3, 0x1122).Concat(new byte[20]).Concat(new byte[64]).ToArray();
            var record = new TlvRecord(TlvType.SecureGroupSealed, value);
            var decoded = Assert.IsType<SecureGroupSealed>(RecordDecoders.Decode(record));
            Assert.Equal(3u, decoded.Epoch);
            Assert.Equal(0x1122ul, decoded.Sequence);
            Assert.Equal(20, decoded.SealedLength);
            Assert.Contains(RecordDecoders.All, d => d.Protocol == McastProtocol.Secure);
            Assert.Throws<TlvFormatException>(() => RecordDecoders.Decode(new TlvRecord(TlvType.SecureRekey, new byte[] { 1, 2 })));
            Assert.Null(new SecureRecordDecoder().Decode(new TlvRecord(TlvType.KeepAlive, Array.Empty<byte>())));
        }

        [Fact]
        public void SizesFollowFromTheLargestDatagram()
        {
            Assert.Equal(1271, SecureCodec.FragmentCapacity(1400));
            Assert.Equal(447, SecureCodec.FragmentCapacity(576));
            Assert.Equal(1303, SecureCodec.GroupPlaintextCapacity(1400));
            Assert.Equal(21, SecureCodec.RekeyEntriesPerDatagram(1400));
            Assert.Equal(147, SecureCodec.MaxFragmentsFor(65536));
            Assert.Equal(150132, SecureCodec.MaxFragmentsFor(67108864));
            Assert.Equal(150132, SecureDefaults.MaxFragments);
            Assert.Equal(4804214, SecureCodec.MaxFragmentsFor(int.MaxValue));

            // A full fragment makes a GroupSealed of exactly the largest datagram.
            byte[] record = SecureCodec.DataRecord(new SecureFragment(1, 1, 1, 0, 1, 1, new byte[1271]));
            Assert.Equal(1303, record.Length);
            Assert.Equal(1400, 4 + 13 + record.Length + 16 + 64);
        }

        [Fact]
        public void OptionsAreValidated()
        {
            new SecureMemberOptions().Validate();
            new SecureRelayOptions().Validate();
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { Group = IPAddress.Parse("10.0.0.1") }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { Port = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { MaxDatagramBytes = 575 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { DisplayName = new string('x', 65) }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { ReplayWindowSize = 100 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { MaxDatagramBytes = 65508 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { HandshakesPerSecond = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { ClientTimeout = TimeSpan.Zero }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureMemberOptions { MaxMessageBytes = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new SecureRelayOptions { MaxMessageBytes = 0 }.Validate());
            new SecureMemberOptions { MaxMessageBytes = int.MaxValue }.Validate();
            new SecureRelayOptions { MaxMessageBytes = int.MaxValue }.Validate();
        }

        [Fact]
        public void FreshOptionsTakeEveryDefaultFromSecureDefaults()
        {
            var member = new SecureMemberOptions();
            var relay = new SecureRelayOptions();
            Assert.Equal(
                (SecureDefaults.MaxDatagramBytes, SecureDefaults.MaxMessageBytes, SecureDefaults.KeepAliveInterval, SecureDefaults.RetryInterval, SecureDefaults.UntrustedRelayTimeout, SecureDefaults.EpochGrace, SecureDefaults.ReplayWindowSize),
                (member.MaxDatagramBytes, member.MaxMessageBytes, member.KeepAliveInterval, member.RetryInterval, member.UntrustedRelayTimeout, member.EpochGrace, member.ReplayWindowSize));
            Assert.Equal(
                (SecureDefaults.MaxDatagramBytes, SecureDefaults.MaxMessageBytes, SecureDefaults.KeepAliveInterval, SecureDefaults.ClientTimeout, SecureDefaults.RekeyInterval, SecureDefaults.ReplayWindowSize),
                (relay.MaxDatagramBytes, relay.MaxMessageBytes, relay.KeepAliveInterval, relay.ClientTimeout, relay.RekeyInterval, relay.ReplayWindowSize));
            Assert.Equal(
                (SecureDefaults.HandshakesPerSourcePerSecond, SecureDefaults.HandshakesPerSecond, SecureDefaults.RefusalsPerSecond, SecureDefaults.MaxPendingHandshakes, SecureDefaults.PendingHandshakeTimeout, SecureDefaults.MaxClients),
                (relay.HandshakesPerSourcePerSecond, relay.HandshakesPerSecond, relay.RefusalsPerSecond, relay.MaxPendingHandshakes, relay.PendingHandshakeTimeout, relay.MaxClients));
            Assert.Null(relay.AuthorizedKeys);
            Assert.Null(member.RelayTrust);
        }

        private static byte[] With(byte[] bytes, int at, byte value)
        {
            byte[] copy = (byte[])bytes.Clone();
            copy[at] = value;
            return copy;
        }
    }
}
