using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;

namespace McastCrypto.Bench.Micro
{
    /// <summary>TLV framing of Classic datagrams, read and written (no cryptography).</summary>
    public class TlvBenchmarks
    {
        private byte[] senderInfo = null!;
        private List<TlvRecord> blocks = null!;

        [GlobalSetup]
        public void Setup()
        {
            senderInfo = TlvWriter.Encode(TlvType.SenderInfo, new byte[] { 127, 0, 0, 1, 0x13, 0x8F }, TlvWriter.Encode(TlvType.RelayedMessage, new byte[256]));
            blocks = Enumerable.Range(0, 6).Select(_ => new TlvRecord(TlvType.EncryptedBlock, new byte[256])).ToList();
        }

        /// <summary>What a Classic member does with each relayed datagram before any decryption.</summary>
        [Benchmark(Description = "TLV: read a Classic SenderInfo datagram (270 bytes) and its inner record")]
        public object TlvRead()
        {
            TlvReader.TryReadSingle(senderInfo, out TlvRecord? record, out _);
            return ClassicCodec.DecodeSenderInfo(record!);
        }

        /// <summary>What a Classic sender does to frame one fragment's RSA blocks.</summary>
        [Benchmark(Description = "TLV: write 6 Classic EncryptedBlock records (1,560 bytes)")]
        public byte[] TlvWrite() => TlvWriter.Concat(blocks);
    }
}
