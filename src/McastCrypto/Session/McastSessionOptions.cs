using System;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Session
{
    /// <summary>Everything <see cref="McastSession.Open(McastSessionOptions, System.Threading.CancellationToken)"/> needs.</summary>
    public sealed class McastSessionOptions
    {
        public string? Name { get; set; }

        public McastProtocol Protocol { get; set; } = McastProtocol.Classic;

        public MulticastOptions Network { get; set; } = new MulticastOptions();

        public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>How long the handshake may take: the relay's key and its notice of the join.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

        public int FragmentSize { get; set; } = 256;

        /// <summary>The most received messages kept until taken; past it the oldest are dropped and counted.</summary>
        public int InboxLimit { get; set; } = 100000;

        /// <summary>The most members remembered for Get-McastPeer.</summary>
        public int PeerLimit { get; set; } = 4096;

        /// <summary>Outgoing datagrams per second past a burst (see <see cref="Hosting.SendPacer"/>).</summary>
        public int SendRate { get; set; } = 2000;

        /// <summary>Wraps the channel the session opens, for tests (for example a FaultInjectingChannel).</summary>
        public Func<IDatagramChannel, IDatagramChannel>? ChannelDecorator { get; set; }

        public void Validate()
        {
            Network.Validate();
            if (KeepAliveInterval < TimeSpan.FromMilliseconds(100) || KeepAliveInterval > TimeSpan.FromHours(1))
            {
                throw new ArgumentException("The keep-alive interval must be between 0.1 s and 1 hour; it is " + KeepAliveInterval + ".", nameof(KeepAliveInterval));
            }

            if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
            {
                throw new ArgumentException("The time-out must be positive and at most 1 hour; it is " + Timeout + ".", nameof(Timeout));
            }

            if (InboxLimit < 1 || PeerLimit < 1 || SendRate < 1)
            {
                throw new ArgumentException("The inbox limit, peer limit and send rate must be positive.");
            }
        }
    }
}
