using System;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Relay
{
    /// <summary>
    /// Everything <see cref="McastRelay.Start"/> needs. The protocol's own settings are nullable:
    /// left null, the protocol's default applies (each default is written once, in the protocol's options).
    /// </summary>
    public sealed class McastRelayOptions
    {
        public string? Name { get; set; }

        public McastProtocol Protocol { get; set; } = McastProtocol.Secure;

        public MulticastOptions Network { get; set; } = new MulticastOptions();

        /// <summary>A member silent this long is forgotten and its leave announced; null for the protocol's default.</summary>
        public TimeSpan? ClientTimeout { get; set; }

        /// <summary>The most members served; null for the protocol's default.</summary>
        public int? MaxClients { get; set; }

        /// <summary>
        /// A file holding the relay's private key, so that a restarted relay keeps its key (and its
        /// fingerprint); made, readable by its owner alone, when missing. Null: a new key that lives
        /// as long as the relay.
        /// </summary>
        public string? IdentityPath { get; set; }

        /// <summary>Secure: a file of the member key fingerprints the relay admits (one per line); null admits any key.</summary>
        public string? AuthorizedKeysPath { get; set; }

        /// <summary>Secure: how often the group key changes even when nobody comes or goes; null for the protocol's default.</summary>
        public TimeSpan? RekeyInterval { get; set; }

        /// <summary>Secure: the most group datagrams kept to repair what members missed; null for the protocol's default (8,192).</summary>
        public int? RetransmitBufferSize { get; set; }

        /// <summary>The longest message a member may send through the relay, in bytes; null for the protocol's default (Secure: 64 MiB).</summary>
        public int? MaxMessageBytes { get; set; }

        /// <summary>
        /// Secure: the largest datagram the relay sends, in bytes, TLV header included, and the limit
        /// it tells its members in the Welcome; null for the protocol's default (1,400).
        /// </summary>
        public int? MaxDatagramBytes { get; set; }

        /// <summary>
        /// Outgoing datagrams per second past a burst (see <see cref="Hosting.SendPacer"/>); null for
        /// the protocol's own rate: Classic 2,000 (its members spend a private-key operation per
        /// block), Secure 10,000 (a signature check per datagram, and a send window of 256 fragments
        /// must leave well within the first retransmission time-out).
        /// </summary>
        public int? SendRate { get; set; }

        /// <summary>The rate that applies: <see cref="SendRate"/>, or the protocol's own.</summary>
        public int EffectiveSendRate => SendRate ?? (Protocol == McastProtocol.Classic ? McastCrypto.Protocol.Classic.ClassicDefaults.SendRate : McastCrypto.Protocol.Secure.SecureDefaults.SendRate);

        /// <summary>
        /// Secure: the NATS server (<c>nats://host:port</c>, no credentials) through which this relay joins
        /// the relays of the same group at other sites; null for a relay of one site.
        /// </summary>
        public string? FederationUrl { get; set; }

        /// <summary>Federation: this relay's site name, as the other sites' members see it (1 to 64 UTF-8 bytes).</summary>
        public string? Site { get; set; }

        /// <summary>
        /// Federation: a file of the relay fingerprints (one per line, as -AuthorizedKeysPath's) this relay
        /// federates with. Required: without it anyone who reaches the NATS server could join the group.
        /// </summary>
        public string? AuthorizedRelaysPath { get; set; }

        /// <summary>Federation: the first tokens of every NATS subject; null for <c>mcastcrypto</c>.</summary>
        public string? FederationSubject { get; set; }

        /// <summary>Federation: the most published envelopes kept to repair other relays' losses; null for the default (4,096).</summary>
        public int? FederationBufferSize { get; set; }

        /// <summary>Federation: the user name and password the NATS server asks for (its <c>authorization</c> block); null for none. Never shown.</summary>
        public System.Net.NetworkCredential? FederationCredential { get; set; }

        /// <summary>Whether the relay is federated (<see cref="FederationUrl"/> is set).</summary>
        public bool IsFederated => FederationUrl is not null;

        /// <summary>Opens the federation bus; null for NATS (<see cref="FederationBusLoader"/>). Set by tests (an in-memory bus).</summary>
        internal Func<string, Transport.IFederationBus>? FederationBusFactory { get; set; }

        /// <summary>The most recent events kept for <see cref="McastRelay.TakeEvents"/>.</summary>
        public int EventLimit { get; set; } = 10000;

        /// <summary>
        /// Secure: the most Hellos a second the relay checks from one source address; null for the
        /// protocol's default (5). Internal, for the benchmarks: their members all share 127.0.0.1,
        /// where members on as many hosts would each have a budget of their own.
        /// </summary>
        internal int? HandshakesPerSourcePerSecond { get; set; }

        /// <summary>Wraps the channel the relay opens, for tests.</summary>
        public Func<IDatagramChannel, IDatagramChannel>? ChannelDecorator { get; set; }

        /// <summary>Checks the settings that are the relay's own; the protocol checks its own.</summary>
        public void Validate()
        {
            if (Network is null)
            {
                throw new ArgumentException("The network settings must be given.", nameof(Network));
            }

            Network.Validate();
            if (EffectiveSendRate < 1 || EventLimit < 1)
            {
                throw new ArgumentException("The send rate and event limit must be positive.");
            }
        }
    }
}
