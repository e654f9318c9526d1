using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;
using McastCrypto.Bench.Report;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;

namespace McastCrypto.Bench
{
    /// <summary>
    /// CPU costs without sockets: TLV framing, RSA-OAEP per backend, and the Classic relay's cost
    /// per message as the group grows (the protocol's O(members) weakness, measured).
    /// </summary>
    internal static class MicroSection
    {
        public static void Run(BenchRun run)
        {
            var results = new List<Measure.Result>();
            double round = run.Quick ? 0.05 : 0.2;
            int rounds = run.Quick ? 3 : 5;
            byte[] datagram = TlvWriter.Encode(TlvType.SenderInfo, new byte[] { 127, 0, 0, 1, 0x13, 0x8F }, TlvWriter.Encode(TlvType.RelayedMessage, new byte[256]));
            results.Add(Measure.Run("TLV: read a SenderInfo datagram (266 bytes) and its inner record", "datagram", () =>
            {
                TlvReader.TryReadSingle(datagram, out TlvRecord? record, out _);
                ClassicCodec.DecodeSenderInfo(record!);
            }, round, rounds));
            var blocks = Enumerable.Range(0, 6).Select(_ => new TlvRecord(TlvType.EncryptedBlock, new byte[256])).ToList();
            results.Add(Measure.Run("TLV: write 6 EncryptedBlock records (1560 bytes)", "payload", () => TlvWriter.Concat(blocks), round, rounds));

            using RsaPrivateKey bcl = RsaOaep.Generate();
            using RsaPrivateKey other = RsaOaep.Generate();
            byte[] plain = new byte[190];
            byte[] cipher = bcl.PublicKey.Encrypt(plain);
            results.Add(Measure.Run("RSA-OAEP-2048 encrypt 190 bytes (BCL)", "block", () => bcl.PublicKey.Encrypt(plain), round, rounds));
            results.Add(Measure.Run("RSA-OAEP-2048 decrypt (BCL)", "block", () => bcl.TryDecrypt(cipher, out _), round, rounds));
            results.Add(Measure.Run("RSA-OAEP-2048 decrypt of another member's copy, refused (BCL)", "block", () => other.TryDecrypt(cipher, out _), round, rounds));

            using RsaPrivateKey bouncy = BouncyCastleRsaOaep.Generate(2048);
            byte[] bouncyCipher = bouncy.PublicKey.Encrypt(plain);
            results.Add(Measure.Run("RSA-OAEP-2048 encrypt 190 bytes (BouncyCastle, the netstandard2.0 build)", "block", () => bouncy.PublicKey.Encrypt(plain), round * 1.5, 3));
            results.Add(Measure.Run("RSA-OAEP-2048 decrypt (BouncyCastle, the netstandard2.0 build)", "block", () => bouncy.TryDecrypt(bouncyCipher, out _), round * 1.5, 3));

            foreach (int members in run.Quick ? new[] { 2, 8 } : new[] { 2, 8, 32 })
            {
                results.Add(RelayFanOut(members, 1000, round * 2.5, 3));
            }

            BenchTable table = run.Report.AddTable("micro", "CPU cost per operation (no sockets)", "operation", "per", "median µs", "min µs", "max µs");
            foreach (Measure.Result r in results)
            {
                table.AddRow(r.Name, r.Unit, r.MedianMicroseconds, r.MinMicroseconds, r.MaxMicroseconds);
            }
        }

        /// <summary>The relay's work for one 1000-byte message in a group of <paramref name="members"/>.</summary>
        private static Measure.Result RelayFanOut(int members, int textBytes, double round, int rounds)
        {
            using RsaPrivateKey relayKey = RsaOaep.Generate();
            var relay = new ClassicRelay(new IPEndPoint(IPAddress.Loopback, 1), relayKey, new ClassicRelayOptions { MaxKeyAnswersPerSecond = 1000, MaxKeyImportsPerSecond = 1000 });
            var now = DateTimeOffset.UtcNow;
            var output = new ProtocolOutput<RelayEvent>();
            var memberKeys = new List<RsaPrivateKey>();
            for (int i = 0; i < members; i++)
            {
                var key = i < 2 ? RsaOaep.Generate() : memberKeys[i % 2];
                memberKeys.Add(key);
                relay.Receive(TlvWriter.Encode(TlvType.RegisterPublicKey, Encoding.ASCII.GetBytes(key.PublicKey.ToPem())), new IPEndPoint(IPAddress.Loopback, 100 + i), now, output);
            }

            var sender = new IPEndPoint(IPAddress.Loopback, 100);
            byte[] text = Encoding.UTF8.GetBytes(new string('m', textBytes));

            // The member's encryption is not the relay's work: encrypt once, and replay the same
            // fragments (the relay releases a message id once the message is complete).
            List<byte[]> fragments = ClassicMessages.Encode(text, relayKey.PublicKey, 1, 256);
            return Measure.Run(
                string.Format(CultureInfo.InvariantCulture, "Classic relay: one {0}-byte message to a group of {1} (reassemble, decrypt, re-encrypt per member)", textBytes, members),
                "message",
                () =>
                {
                    output.Clear();
                    foreach (byte[] fragment in fragments)
                    {
                        relay.Receive(fragment, sender, now, output);
                    }
                },
                round,
                rounds);
        }
    }
}
