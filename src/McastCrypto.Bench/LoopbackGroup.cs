using System;
using System.Net;
using McastCrypto.Protocol;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Bench
{
    /// <summary>
    /// Where the benchmarks' relays and sessions meet: a random group in 239.255.0.0/16 and a random
    /// port on the loopback interface (127.0.0.1), never another; sessions pinned to their relay's
    /// key, so nothing is written to the user's known relays.
    /// </summary>
    internal static class LoopbackGroup
    {
        private static readonly Random Random = new Random();

        /// <summary>A new random group and port on 127.0.0.1.</summary>
        public static MulticastOptions NewNetwork()
        {
            lock (Random)
            {
                return new MulticastOptions
                {
                    Group = IPAddress.Parse("239.255." + Random.Next(0, 256) + "." + Random.Next(1, 255)),
                    Port = Random.Next(20000, 60000),
                    Interface = MulticastOptions.LoopbackInterfaceName,
                };
            }
        }

        /// <summary>
        /// Options for a session of <paramref name="relay"/>'s group: Secure pinned to the relay's key
        /// (TrustOnFirstUse off); Classic has nothing to pin (and refuses both settings).
        /// </summary>
        public static McastSessionOptions Session(McastRelay relay, MulticastOptions network, string name)
        {
            var options = new McastSessionOptions
            {
                Name = name,
                Protocol = relay.Protocol,
                Network = network.Clone(),
                Timeout = TimeSpan.FromSeconds(30),
            };
            if (relay.Protocol == McastProtocol.Secure)
            {
                options.RelayFingerprint = relay.KeyFingerprint;
                options.TrustOnFirstUse = false;
            }

            return options;
        }
    }
}
