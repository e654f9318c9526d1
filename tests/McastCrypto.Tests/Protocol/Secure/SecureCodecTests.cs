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
                SecureCodec.DataRecord(new SecureFragment(5, 0x0102030405060708, 1, 3, 1, new byte[] { 9, 9 })),
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
                        Assert.Equal((5u, 0x0102030405060708ul, 1, 3), (f!.SenderId, f.MessageId, f.Index, f.Count));
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
            byte[] data = SecureCodec.MemberPlaintext(SecureMemberKind.Data, SecureCodec.MemberDataBody(77, 2, 3, 1, new byte[] { 1, 2, 3, 4 }, 1, 2));
            Assert.True(SecureCodec.TryParseMemberPlaintext(data, out _, out SecureFragment? fragment, out _, out _));
            Assert.Equal((77ul, 2, 3), (fragment!.MessageId, fragment.Index, fragment.Count));
            Assert.Equal(new byte[] { 2, 3 }, fragment.Payload);

            foreach (byte[] bad in new[]
            {
                Array.Empty<byte>(),
                new byte[] { 2, 0 },
                new byte[] { 5, 0, 0 },
                SecureCodec.MemberPlaintext(SecureMemberKind.Data, new byte[13]),
                With(data, 10, 9),
                With(With(data, 11, 0), 12, 0),
            })
            {
                Assert.False(SecureCodec.TryParseMemberPlaintext(bad, out _, out _, out _, out string? reason));
                Assert.Equal("MalformedRecord", reason);
            }

            Assert.False(SecureCodec.TryParseMemberPlaintext(new byte[] { 6 }, out _, out _, out _, out string? unknown));
            Assert.Equal("UnknownKind", unknown);
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
            Assert.Equal(1283, SecureCodec.FragmentCapacity(1400));
            Assert.Equal(1303, SecureCodec.GroupPlaintextCapacity(1400));
            Assert.Equal(21, SecureCodec.RekeyEntriesPerDatagram(1400));
            Assert.Equal(143, SecureCodec.MaxFragmentsFor(65536));
            Assert.Equal(143, SecureDefaults.MaxFragments);

            // A full fragment makes a GroupSealed of exactly the largest datagram.
            byte[] record = SecureCodec.DataRecord(new SecureFragment(1, 1, 0, 1, 1, new byte[1283]));
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
        }

        [Fact]
        public void TheDefaultsAreThePagesValues()
        {
            Assert.Equal(1400, SecureDefaults.MaxDatagramBytes);
            Assert.Equal(65536, SecureDefaults.MaxMessageBytes);
            Assert.Equal(TimeSpan.FromSeconds(5), SecureDefaults.KeepAliveInterval);
            Assert.Equal(TimeSpan.FromSeconds(15), SecureDefaults.ClientTimeout);
            Assert.Equal(TimeSpan.FromSeconds(1), SecureDefaults.RetryInterval);
            Assert.Equal(TimeSpan.FromMinutes(10), SecureDefaults.RekeyInterval);
            Assert.Equal(TimeSpan.FromSeconds(2), SecureDefaults.EpochGrace);
            Assert.Equal(1024, SecureDefaults.ReplayWindowSize);
            Assert.Equal((5, 100, 10), (SecureDefaults.HandshakesPerSourcePerSecond, SecureDefaults.HandshakesPerSecond, SecureDefaults.RefusalsPerSecond));
            Assert.Equal(256, SecureDefaults.MaxPendingHandshakes);
            Assert.Equal(1024, SecureDefaults.MaxClients);
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
