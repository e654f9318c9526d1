using System.Collections.Generic;
using System.Linq;
using System.Net;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Classic
{
    /// <summary>Hand-built datagrams of docs/protocol.md, written without the code under test's encoders.</summary>
    internal static class Wire
    {
        public static byte[] Tlv(int type, params byte[][] parts)
        {
            byte[] value = parts.SelectMany(p => p).ToArray();
            return new[] { (byte)(type >> 8), (byte)type, (byte)(value.Length >> 8), (byte)value.Length }.Concat(value).ToArray();
        }

        public static byte[] Address(IPEndPoint endPoint) =>
            endPoint.Address.GetAddressBytes().Concat(new[] { (byte)(endPoint.Port >> 8), (byte)endPoint.Port }).ToArray();

        public static byte[] U16(int value) => new[] { (byte)(value >> 8), (byte)value };

        /// <summary>The fragments of one message, decoded and checked to be one complete, consistent set.</summary>
        public static (uint Id, byte[] Payload) Reassemble(IEnumerable<byte[]> datagrams)
        {
            var fragments = datagrams.Select(d => ClassicCodec.DecodeFragment(Assert.Single(TlvReader.ReadAll(d)))).ToList();
            Assert.NotEmpty(fragments);
            Assert.All(fragments, f => Assert.Equal(fragments[0].MessageIdValue, f.MessageIdValue));
            Assert.All(fragments, f => Assert.Equal(fragments.Count, f.Total));
            Assert.Equal(Enumerable.Range(0, fragments.Count), fragments.Select(f => f.Sequence));
            return (fragments[0].MessageIdValue, fragments.SelectMany(f => f.Chunk).ToArray());
        }
    }
}
