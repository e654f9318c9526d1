using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// A Secure member reassembling another member's 64 KiB message (bytes, content type 02) from its
    /// fragments as the relay forwards them in order: each fragment handed to SenderStreams.OnData
    /// with a new event list, as SecureMember.OnData does, until the whole message comes out decoded
    /// (SecureContent). The fragments are those of the default 1,400-byte datagram (1,271 bytes of
    /// payload, 52 fragments); they are built in the setup, already opened, so the cost is the
    /// reassembly alone. After each message the sender is forgotten, so the next run starts it again
    /// at its first fragment.
    /// </summary>
    public class ReassemblyBenchmarks
    {
        /// <summary>The message.</summary>
        public const int MessageBytes = 64 * 1024;

        private const uint SenderId = 0x5151;

        private readonly DropCounter drops = new DropCounter();
        private SenderStreams streams = null!;
        private SecureFragment[] fragments = null!;
        private byte[] message = null!;
        private ulong r;
        private long delivered;
        private long runs;

        [GlobalSetup]
        public void Setup()
        {
            message = RandomNumberGenerator.GetBytes(MessageBytes);
            int capacity = SecureCodec.FragmentCapacity(SecureDefaults.MaxDatagramBytes);
            int count = (MessageBytes + capacity - 1) / capacity;
            if (count != 52)
            {
                throw new InvalidOperationException($"ReassemblyBenchmarks setup: the message takes {count} fragments, not the 52 its description says.");
            }

            fragments = new SecureFragment[count];
            for (int i = 0; i < count; i++)
            {
                int offset = i * capacity;
                byte[] payload = new byte[Math.Min(capacity, MessageBytes - offset)];
                Buffer.BlockCopy(message, offset, payload, 0, payload.Length);
                fragments[i] = new SecureFragment(SenderId, (ulong)i, 1, i, count, SecureCodec.ContentData, payload);
            }

            streams = new SenderStreams(SecureDefaults.MaxMessageBytes, SecureDefaults.ReassemblyBytes, SecureDefaults.MaxKnownMembers, drops);
            MessageContent? first = Reassemble64KiB();
            if (first is null || !BigEndian.Equal(first.Bytes, message))
            {
                throw new InvalidOperationException("ReassemblyBenchmarks setup: the fragments did not reassemble into the message.");
            }

            delivered = 0;
            runs = 0;
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            if (delivered != runs || drops.Total != 0 || streams.Gaps != 0)
            {
                MicroState.Problem(string.Format(
                    CultureInfo.InvariantCulture,
                    "Reassembly: {0:N0} of {1:N0} runs delivered the message ({2} drops: {3}; {4} gaps).",
                    delivered,
                    runs,
                    drops.Total,
                    drops,
                    streams.Gaps));
            }
        }

        [Benchmark(Description = "Secure member: reassemble a 64 KiB message from its 52 fragments")]
        public MessageContent? Reassemble64KiB()
        {
            runs++;
            MessageContent? content = null;
            foreach (SecureFragment fragment in fragments)
            {
                var found = new List<SenderStreamEvent>();
                streams.OnData(++r, fragment, NoLoss, found);
                if (found.Count == 1 && found[0].Content is MessageContent whole)
                {
                    content = whole;
                }
            }

            streams.Forget(SenderId);
            if (content is not null)
            {
                delivered++;
            }

            return content;
        }

        private static string? NoLoss(ulong from, ulong to) => null;
    }
}
