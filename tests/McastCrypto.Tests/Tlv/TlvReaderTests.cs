using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Tlv
{
    public class TlvReaderTests
    {
        public static IEnumerable<object[]> EveryNamedType() =>
            Enum.GetValues(typeof(TlvType)).Cast<TlvType>().Select(t => new object[] { t });

        [Theory]
        [MemberData(nameof(EveryNamedType))]
        [InlineData((TlvType)0)]
        [InlineData((TlvType)2)]
        [InlineData((TlvType)65535)]
        public void EveryTypeRoundTrips(TlvType type)
        {
            byte[] value = { 1, 2, 3, 0xFE };
            byte[] encoded = TlvWriter.Encode(type, value);

            var records = TlvReader.ReadAll(encoded);

            var record = Assert.Single(records);
            Assert.Equal(type, record.Type);
            Assert.Equal(value, record.Value);
            Assert.Equal(0, record.Offset);
            Assert.Equal(encoded, record.ToBytes());
        }

        [Fact]
        public void HeaderIsTypeThenLengthBigEndian()
        {
            byte[] encoded = TlvWriter.Encode(TlvType.SenderInfo, new byte[0x0102]);

            Assert.Equal(new byte[] { 0x00, 0x0A, 0x01, 0x02 }, encoded.Take(4).ToArray());
            Assert.Equal(4 + 0x0102, encoded.Length);
        }

        [Fact]
        public void UnnamedTypeShowsItsNumber()
        {
            var record = new TlvRecord((TlvType)4242, new byte[0]);

            Assert.Equal("4242", record.TypeName);
            Assert.Equal("RelayedMessage", new TlvRecord(TlvType.RelayedMessage, new byte[0]).TypeName);
        }

        [Theory]
        [InlineData(0)]
        [InlineData(65535)]
        public void LengthLimitsRoundTrip(int length)
        {
            var value = new byte[length];
            new Random(length).NextBytes(value);

            var record = Assert.Single(TlvReader.ReadAll(TlvWriter.Encode(TlvType.KeepAlive, value)));

            Assert.Equal(length, record.Length);
            Assert.Equal(value, record.Value);
        }

        [Fact]
        public void ValueOverTheLimitIsRefusedWithTheLimitInTheMessage()
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => TlvWriter.Encode(TlvType.KeepAlive, new byte[65536]));
            Assert.Contains("65535", e.Message);
            Assert.Throws<ArgumentOutOfRangeException>(() => new TlvRecord(TlvType.KeepAlive, new byte[65536]));
        }

        [Fact]
        public void ConsecutiveRecordsCarryTheirOffsets()
        {
            byte[] buffer = Concat(
                TlvWriter.Encode(TlvType.EncryptedBlock, new byte[5]),
                TlvWriter.Encode(TlvType.KeepAlive, new byte[0]),
                TlvWriter.Encode((TlvType)99, new byte[2]));

            var records = TlvReader.ReadAll(buffer);

            Assert.Equal(new[] { 0, 9, 13 }, records.Select(r => r.Offset));
            Assert.Equal(new[] { TlvType.EncryptedBlock, TlvType.KeepAlive, (TlvType)99 }, records.Select(r => r.Type));
        }

        [Fact]
        public void EveryTruncationIsReportedAtTheOffsetOfTheCutRecord()
        {
            byte[][] parts =
            {
                TlvWriter.Encode(TlvType.FragmentedData, new byte[] { 1, 2, 3, 4, 0, 0, 0, 1, 9, 9 }),
                TlvWriter.Encode(TlvType.KeepAlive, new byte[0]),
                TlvWriter.Encode(TlvType.SenderInfo, new byte[] { 127, 0, 0, 1, 0x13, 0x8F, 0, 6, 0, 1, 7 }),
            };
            byte[] buffer = Concat(parts);
            var boundaries = new List<int> { 0 };
            foreach (byte[] part in parts)
            {
                boundaries.Add(boundaries[boundaries.Count - 1] + part.Length);
            }

            for (int cut = 0; cut <= buffer.Length; cut++)
            {
                var reader = new TlvReader(buffer, 0, cut, 0);
                int read = 0;
                while (reader.TryRead(out _))
                {
                    read++;
                }

                int whole = boundaries.Count(b => b > 0 && b <= cut);
                Assert.Equal(whole, read);
                if (boundaries.Contains(cut))
                {
                    Assert.Null(reader.Error);
                    Assert.True(reader.AtEnd);
                }
                else
                {
                    Assert.NotNull(reader.Error);
                    Assert.Equal(boundaries[whole], reader.Error!.Offset);
                    Assert.False(string.IsNullOrEmpty(reader.Error.Reason));
                }
            }
        }

        [Fact]
        public void ReadAllThrowsTheReadersErrorAtTheFirstMalformedRecord()
        {
            byte[] buffer = Concat(TlvWriter.Encode(TlvType.KeepAlive, new byte[3]), new byte[] { 0, 6, 0, 9, 1 });

            var e = Assert.Throws<TlvFormatException>(() => TlvReader.ReadAll(buffer));

            Assert.Equal(7, e.Offset);
            Assert.Contains("offset 7", e.Message);
        }

        [Fact]
        public void ReadingAnInnerRegionReportsOuterOffsetsAndNeverLooksOutside()
        {
            byte[] inner = TlvWriter.Encode(TlvType.RelayedMessage, new byte[] { 5, 5 });
            byte[] buffer = Concat(new byte[] { 0xFF, 0xFF, 0xFF }, inner, new byte[] { 0, 1, 0, 0 });

            var reader = new TlvReader(buffer, 3, inner.Length, 100);

            Assert.True(reader.TryRead(out TlvRecord? record));
            Assert.Equal(100, record!.Offset);
            Assert.False(reader.TryRead(out _));
            Assert.True(reader.AtEnd);
        }

        [Fact]
        public void ASingleRecordDatagramRefusesEmptinessAndTrailingBytes()
        {
            byte[] one = TlvWriter.Encode(TlvType.KeepAlive, new byte[0]);

            Assert.True(TlvReader.TryReadSingle(one, out TlvRecord? record, out _));
            Assert.Equal(TlvType.KeepAlive, record!.Type);

            Assert.False(TlvReader.TryReadSingle(new byte[0], out _, out TlvFormatException? empty));
            Assert.Equal(0, empty!.Offset);

            Assert.False(TlvReader.TryReadSingle(Concat(one, new byte[] { 0 }), out _, out TlvFormatException? trailing));
            Assert.Equal(4, trailing!.Offset);
            Assert.Contains("follow", trailing.Reason);
        }

        [Property(MaxTest = 5000)]
        public bool RandomBuffersNeverThrowAndConsumeExactlyWhatTheyRead(byte[] buffer)
        {
            var reader = new TlvReader(buffer);
            int consumed = 0;
            while (reader.TryRead(out TlvRecord? record))
            {
                if (record!.Offset != consumed)
                {
                    return false;
                }

                consumed += record.EncodedLength;
            }

            return reader.Error is null ? consumed == buffer.Length : reader.Error.Offset == consumed && consumed < buffer.Length;
        }

        [Fact]
        public void SeededRandomBuffersWithPlausibleHeadersNeverThrow()
        {
            // FsCheck's byte arrays rarely form valid headers; these mostly do, so the record path is exercised too.
            var random = new Random(20261124);
            for (int i = 0; i < 5000; i++)
            {
                var buffer = new byte[random.Next(0, 64)];
                random.NextBytes(buffer);
                for (int at = 2; at + 1 < buffer.Length; at += 6)
                {
                    buffer[at] = 0;
                    buffer[at + 1] = (byte)random.Next(0, 8);
                }

                var reader = new TlvReader(buffer);
                while (reader.TryRead(out _))
                {
                }

                Assert.True(reader.AtEnd || reader.Error is not null);
            }
        }

        [Property(MaxTest = 500)]
        public bool AnySequenceOfRecordsRoundTrips(ushort[] types, NonNegativeInt seed)
        {
            var random = new Random(seed.Get);
            var records = types.Select(t =>
            {
                var value = new byte[random.Next(0, 300)];
                random.NextBytes(value);
                return new TlvRecord((TlvType)t, value);
            }).ToList();

            var back = TlvReader.ReadAll(TlvWriter.Concat(records));

            return back.Count == records.Count
                && back.Zip(records, (a, b) => a.Type == b.Type && a.Value.SequenceEqual(b.Value)).All(x => x);
        }

        private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    }
}
