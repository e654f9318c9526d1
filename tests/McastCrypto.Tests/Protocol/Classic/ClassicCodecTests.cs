using System.Linq;
using System.Net;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Classic
{
    public class ClassicCodecTests
    {
        [Fact]
        public void SenderInfoDecodesAddressPortAndInnerRecordWithItsDatagramOffset()
        {
            // docs/protocol.md, TLV 10: TLV(10, inet_aton(ip) + pack('!H', port) + TLV(6, ciphertext))
            byte[] datagram = { 0, 10, 0, 12, 192, 168, 1, 7, 0xC3, 0x50, 0, 6, 0, 2, 0xAA, 0xBB };
            var outer = Assert.Single(TlvReader.ReadAll(datagram));

            var info = ClassicCodec.DecodeSenderInfo(outer);

            Assert.Equal(IPAddress.Parse("192.168.1.7"), info.Address);
            Assert.Equal(50000, info.Port);
            Assert.Equal(TlvType.RelayedMessage, info.Inner.Type);
            Assert.Equal(new byte[] { 0xAA, 0xBB }, info.Inner.Value);
            Assert.Equal(10, info.Inner.Offset);
        }

        [Fact]
        public void FragmentDecodesIdSequenceTotalAndChunk()
        {
            byte[] value = ClassicCodec.EncodeFragmentValue(0xDEADBEEF, 2, 3, new byte[] { 7, 8, 9 }, 1, 2);
            Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF, 0, 2, 0, 3, 8, 9 }, value);

            var fragment = ClassicCodec.DecodeFragment(new TlvRecord(TlvType.FragmentedData, value));

            Assert.Equal("deadbeef", fragment.MessageId);
            Assert.Equal(2, fragment.Sequence);
            Assert.Equal(3, fragment.Total);
            Assert.Equal(new byte[] { 8, 9 }, fragment.Chunk);
        }

        [Theory]
        [InlineData(new byte[] { 1, 2, 3, 4, 0, 0, 0 }, "header")]
        [InlineData(new byte[] { 1, 2, 3, 4, 0, 0, 0, 0 }, "0 fragments")]
        [InlineData(new byte[] { 1, 2, 3, 4, 0, 5, 0, 5 }, "sequence 5")]
        public void MalformedFragmentsAreRefusedWithAReason(byte[] value, string reason)
        {
            var e = Assert.Throws<TlvFormatException>(() => ClassicCodec.DecodeFragment(new TlvRecord(TlvType.FragmentedData, value, 20)));
            Assert.Equal(20, e.Offset);
            Assert.Contains(reason, e.Reason);
        }

        [Fact]
        public void PresenceNoticesCarryExactlySixBytes()
        {
            var endPoint = new IPEndPoint(IPAddress.Parse("10.0.0.2"), 5007);
            byte[] value = ClassicCodec.EncodeEndPoint(endPoint);
            Assert.Equal(new byte[] { 10, 0, 0, 2, 0x13, 0x8F }, value);

            var joined = ClassicCodec.DecodePresence(new TlvRecord(TlvType.ClientConnect, value));
            var left = ClassicCodec.DecodePresence(new TlvRecord(TlvType.ClientDisconnect, value));

            Assert.True(joined.Joined);
            Assert.False(left.Joined);
            Assert.Equal(endPoint, left.Member);
            Assert.Throws<TlvFormatException>(() => ClassicCodec.DecodePresence(new TlvRecord(TlvType.ClientConnect, value.Take(5).ToArray())));
            Assert.Throws<TlvFormatException>(() => ClassicCodec.DecodePresence(new TlvRecord(TlvType.ClientConnect, value.Concat(new byte[1]).ToArray())));
        }

        [Fact]
        public void SenderInfoWithoutAWholeInnerRecordIsRefused()
        {
            Assert.Throws<TlvFormatException>(() => ClassicCodec.DecodeSenderInfo(new TlvRecord(TlvType.SenderInfo, new byte[] { 1, 2, 3, 4, 5 })));
            Assert.Throws<TlvFormatException>(() => ClassicCodec.DecodeSenderInfo(new TlvRecord(TlvType.SenderInfo, new byte[] { 1, 2, 3, 4, 5, 6, 0, 6, 0, 9 })));
        }

        [Fact]
        public void UnstructuredTypesDecodeToNull() =>
            Assert.Null(ClassicCodec.Decode(new TlvRecord(TlvType.KeepAlive, new byte[0])));
    }
}
