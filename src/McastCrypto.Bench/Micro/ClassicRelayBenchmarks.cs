using System;
using System.Collections.Generic;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// The Classic relay's work for one 1,000-byte message in a group of <see cref="Members"/>: its
    /// fragments received (ClassicRelay.Receive), reassembled, each RSA block decrypted with the
    /// relay's key, and the message encrypted again for every member: the protocol's O(members) cost.
    /// The member's own encryption is not the relay's work: the message is encrypted once in the
    /// setup and the same fragments are given again each time (the relay forgets a message id once
    /// the message is complete). Two member keys are shared round the group: encryption costs the
    /// same whichever key it uses.
    /// </summary>
    public class ClassicRelayBenchmarks
    {
        /// <summary>The text's length.</summary>
        public const int TextBytes = 1000;

        private readonly ProtocolOutput<RelayEvent> output = new ProtocolOutput<RelayEvent>();
        private ClassicRelay relay = null!;
        private List<byte[]> fragments = null!;
        private IPEndPoint sender = null!;
        private DateTimeOffset now;
        private long relayedBefore;
        private long runs;

        /// <summary>The group sizes: 2, 8 and 32 members (the quick run leaves 32 out).</summary>
        public static IEnumerable<int> GroupSizes => MicroState.Quick ? new[] { 2, 8 } : new[] { 2, 8, 32 };

        [ParamsSource(nameof(GroupSizes))]
        public int Members { get; set; }

        [GlobalSetup]
        public void Setup()
        {
            RsaPrivateKey relayKey = MicroState.BclRsa(0);
            relay = new ClassicRelay(new IPEndPoint(IPAddress.Loopback, 1), relayKey, new ClassicRelayOptions { MaxKeyAnswersPerSecond = 1000, MaxKeyImportsPerSecond = 1000 });
            now = DateTimeOffset.UtcNow;
            for (int i = 0; i < Members; i++)
            {
                RsaPrivateKey key = MicroState.BclRsa(1 + (i % 2));
                relay.Receive(TlvWriter.Encode(TlvType.RegisterPublicKey, Encoding.ASCII.GetBytes(key.PublicKey.ToPem())), new IPEndPoint(IPAddress.Loopback, 100 + i), now, output);
            }

            if (relay.Members.Count != Members)
            {
                throw new InvalidOperationException($"ClassicRelayBenchmarks setup: {relay.Members.Count} members registered, not {Members}.");
            }

            sender = new IPEndPoint(IPAddress.Loopback, 100);
            fragments = ClassicMessages.Encode(Encoding.UTF8.GetBytes(new string('m', TextBytes)), relayKey.PublicKey, 1, 256);
            ClassicRelay1000Bytes();
            int first = output.Datagrams.Count;
            ClassicRelay1000Bytes();
            if (first == 0 || output.Datagrams.Count != first || relay.MessagesRelayed != 2 || relay.Drops.Total != 0)
            {
                throw new InvalidOperationException($"ClassicRelayBenchmarks setup: the message was not relayed twice the same way ({first} then {output.Datagrams.Count} datagrams, {relay.MessagesRelayed} relayed, drops: {relay.Drops}).");
            }

            relayedBefore = relay.MessagesRelayed;
            runs = 0;
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            long relayed = relay.MessagesRelayed - relayedBefore;
            if (relayed != runs || relay.Drops.Total != 0)
            {
                MicroState.Problem($"Classic relay, {Members} members: {relayed:N0} of {runs:N0} messages relayed (drops: {relay.Drops}).");
            }
        }

        [Benchmark(Description = "Classic relay: one 1,000-byte message (reassemble, decrypt, encrypt again per member)")]
        public int ClassicRelay1000Bytes()
        {
            runs++;
            output.Clear();
            foreach (byte[] fragment in fragments)
            {
                relay.Receive(fragment, sender, now, output);
            }

            return output.Datagrams.Count;
        }
    }
}
