using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Protocol;
using McastCrypto.Relay;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>The Secure or Classic relay in the relay's child process: an McastRelay with its defaults, its channel counted.</summary>
    internal sealed class McastChildRelay : IChildRelay
    {
        private readonly McastRelay relay;
        private readonly CountingChannel counted;

        public McastChildRelay(McastProtocol protocol, MulticastOptions network)
        {
            CountingChannel? counting = null;
            relay = McastRelay.Start(new McastRelayOptions
            {
                Name = "bench-relay",
                Protocol = protocol,
                Network = network,
                ChannelDecorator = inner => counting = new CountingChannel(inner),
            });
            counted = counting ?? throw new InvalidOperationException("The relay did not open its channel through the decorator.");
        }

        public string ReadyInfo => relay.KeyFingerprint;

        public RelayStats Stats(TimeSpan processorTime)
        {
            IReadOnlyDictionary<string, long> drops = relay.Drops;
            long queueDrops = new[] { "ReceiveQueueFull", "SendQueueFull" }.Sum(k => drops.TryGetValue(k, out long v) ? v : 0);
            return new RelayStats(processorTime, counted.BytesSent, counted.DatagramsSent, relay.DatagramsIn, relay.KernelDrops ?? -1, queueDrops, relay.RepairsSent);
        }

        public void Dispose() => relay.Stop();
    }
}
