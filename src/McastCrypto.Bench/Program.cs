using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;

namespace McastCrypto.Bench
{
    /// <summary>
    /// The benchmarks: TLV framing, RSA-OAEP per backend, and the Classic relay's cost per message
    /// as the group grows (the protocol's O(members) weakness, measured). No sockets: the numbers
    /// are the CPU cost of the protocol, the part the project controls.
    /// </summary>
    internal static class Program
    {
        private static int Main(string[] args)
        {
            string output = args.Length > 0 ? args[0] : Path.Combine("out", "bench.json");
            var results = new List<Measure.Result>();
            Console.WriteLine($"McastCrypto benchmarks on .NET {Environment.Version}, {Environment.ProcessorCount} cores");

            byte[] datagram = TlvWriter.Encode(TlvType.SenderInfo, new byte[] { 127, 0, 0, 1, 0x13, 0x8F }, TlvWriter.Encode(TlvType.RelayedMessage, new byte[256]));
            results.Add(Measure.Run("TLV: read a SenderInfo datagram (266 bytes) and its inner record", "datagram", () =>
            {
                TlvReader.TryReadSingle(datagram, out TlvRecord? record, out _);
                ClassicCodec.DecodeSenderInfo(record!);
            }));
            var blocks = Enumerable.Range(0, 6).Select(_ => new TlvRecord(TlvType.EncryptedBlock, new byte[256])).ToList();
            results.Add(Measure.Run("TLV: write 6 EncryptedBlock records (1560 bytes)", "payload", () => TlvWriter.Concat(blocks)));

            using RsaPrivateKey bcl = RsaOaep.Generate();
            using RsaPrivateKey other = RsaOaep.Generate();
            byte[] plain = new byte[190];
            byte[] cipher = bcl.PublicKey.Encrypt(plain);
            results.Add(Measure.Run("RSA-OAEP-2048 encrypt 190 bytes (BCL)", "block", () => bcl.PublicKey.Encrypt(plain)));
            results.Add(Measure.Run("RSA-OAEP-2048 decrypt (BCL)", "block", () => bcl.TryDecrypt(cipher, out _)));
            results.Add(Measure.Run("RSA-OAEP-2048 decrypt of another member's copy, refused (BCL)", "block", () => other.TryDecrypt(cipher, out _)));

            using RsaPrivateKey bouncy = BouncyCastleRsaOaep.Generate(2048);
            byte[] bouncyCipher = bouncy.PublicKey.Encrypt(plain);
            results.Add(Measure.Run("RSA-OAEP-2048 encrypt 190 bytes (BouncyCastle, the netstandard2.0 build)", "block", () => bouncy.PublicKey.Encrypt(plain), 0.3, 3));
            results.Add(Measure.Run("RSA-OAEP-2048 decrypt (BouncyCastle, the netstandard2.0 build)", "block", () => bouncy.TryDecrypt(bouncyCipher, out _), 0.3, 3));

            foreach (int members in new[] { 2, 8, 32 })
            {
                results.Add(RelayFanOut(members, 1000));
            }

            // Secure on loopback: from a lost datagram to its repair (the goal is under 5 ms).
            (List<double> stream, List<double> tail) = RepairLatency.Run(losses: 100);
            results.Add(Latency("Secure repair of one lost group datagram within a stream (loopback, real sockets)", stream));
            results.Add(Latency("Secure repair of a lost last datagram, noticed from the tail heartbeat (loopback)", tail));

            Console.WriteLine();
            Console.WriteLine($"{"benchmark",-78} {"median",12} {"min",12} {"max",12}");
            foreach (Measure.Result r in results)
            {
                Console.WriteLine($"{r.Name,-78} {Format(r.MedianMicroseconds),12} {Format(r.MinMicroseconds),12} {Format(r.MaxMicroseconds),12}  per {r.Unit}");
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            File.WriteAllText(output, Json(results));
            Console.WriteLine();
            Console.WriteLine("Written to " + output);
            return 0;
        }

        /// <summary>Latencies in milliseconds as a result (median, min, max in microseconds), one call per loss.</summary>
        private static Measure.Result Latency(string name, List<double> milliseconds)
        {
            if (milliseconds.Count == 0)
            {
                return new Measure.Result(name + " (no loss repaired)", "loss", double.NaN, double.NaN, double.NaN, 0);
            }

            List<double> sorted = milliseconds.OrderBy(m => m).ToList();
            return new Measure.Result(name, "loss", sorted[sorted.Count / 2] * 1000, sorted[0] * 1000, sorted[sorted.Count - 1] * 1000, sorted.Count);
        }

        /// <summary>The relay's work for one 1000-byte message in a group of <paramref name="members"/>.</summary>
        private static Measure.Result RelayFanOut(int members, int textBytes)
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
            int datagrams = 0;
            Measure.Result result = Measure.Run(
                string.Format(CultureInfo.InvariantCulture, "Classic relay: one {0}-byte message to a group of {1} (reassemble, decrypt, re-encrypt per member)", textBytes, members),
                "message",
                () =>
                {
                    output.Clear();
                    foreach (byte[] fragment in fragments)
                    {
                        relay.Receive(fragment, sender, now, output);
                    }

                    datagrams = output.Datagrams.Count;
                },
                0.5,
                3);
            Console.WriteLine($"  group of {members}: {datagrams} datagrams out per message");
            return result;
        }

        private static string Format(double microseconds) =>
            microseconds >= 1000 ? (microseconds / 1000).ToString("0.00", CultureInfo.InvariantCulture) + " ms" : microseconds.ToString("0.0", CultureInfo.InvariantCulture) + " µs";

        private static string Json(IEnumerable<Measure.Result> results)
        {
            var json = new StringBuilder("[\n");
            json.Append(string.Join(",\n", results.Select(r => string.Format(
                CultureInfo.InvariantCulture,
                "  {{ \"name\": \"{0}\", \"unit\": \"{1}\", \"medianMicroseconds\": {2:0.###}, \"minMicroseconds\": {3:0.###}, \"maxMicroseconds\": {4:0.###}, \"calls\": {5} }}",
                r.Name.Replace("\"", "\\\""),
                r.Unit,
                r.MedianMicroseconds,
                r.MinMicroseconds,
                r.MaxMicroseconds,
                r.Calls))));
            json.Append("\n]\n");
            return json.ToString();
        }
    }
}
