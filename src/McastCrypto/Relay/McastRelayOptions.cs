using System;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Relay
{
    /// <summary>Everything <see cref="McastRelay.Start"/> needs.</summary>
    public sealed class McastRelayOptions
    {
        public string? Name { get; set; }

        public McastProtocol Protocol { get; set; } = McastProtocol.Classic;

        public MulticastOptions Network { get; set; } = new MulticastOptions();

        /// <summary>A member silent this long is forgotten and its leave announced.</summary>
        public TimeSpan ClientTimeout { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>The most members served.</summary>
        public int MaxClients { get; set; } = 1024;

        /// <summary>Outgoing datagrams per second past a burst (see <see cref="Hosting.SendPacer"/>).</summary>
        public int SendRate { get; set; } = 2000;

        /// <summary>The most recent events kept for <see cref="McastRelay.TakeEvents"/>.</summary>
        public int EventLimit { get; set; } = 10000;

        /// <summary>Wraps the channel the relay opens, for tests.</summary>
        public Func<IDatagramChannel, IDatagramChannel>? ChannelDecorator { get; set; }

        public void Validate()
        {
            Network.Validate();
            if (ClientTimeout < TimeSpan.FromMilliseconds(100) || ClientTimeout > TimeSpan.FromDays(1))
            {
                throw new ArgumentException("The client time-out must be between 0.1 s and 1 day; it is " + ClientTimeout + ".", nameof(ClientTimeout));
            }

            if (MaxClients < 1 || SendRate < 1 || EventLimit < 1)
            {
                throw new ArgumentException("The member limit, send rate and event limit must be positive.");
            }
        }
    }
}
