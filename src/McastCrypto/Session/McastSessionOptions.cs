using System;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Session
{
    /// <summary>
    /// Everything <see cref="McastSession.Open(McastSessionOptions, System.Threading.CancellationToken)"/> needs.
    /// The protocol's own settings are nullable: left null, the protocol's default applies (each
    /// default is written once, in the protocol's options).
    /// </summary>
    public sealed class McastSessionOptions
    {
        public string? Name { get; set; }

        public McastProtocol Protocol { get; set; } = McastProtocol.Secure;

        public MulticastOptions Network { get; set; } = new MulticastOptions();

        /// <summary>How often the member tells the relay it is there; null for the protocol's default.</summary>
        public TimeSpan? KeepAliveInterval { get; set; }

        /// <summary>The largest chunk of encrypted payload in one datagram; null for the protocol's default.</summary>
        public int? FragmentSize { get; set; }

        /// <summary>
        /// The longest message this session sends, in bytes (a text's in UTF-8, a file's bytes and
        /// name); null for the protocol's default (Secure 64 MiB; Classic 64 KiB, which is also the
        /// most a Classic session may be given: its relays refuse more).
        /// </summary>
        public int? MaxMessageBytes { get; set; }

        /// <summary>
        /// Secure: the largest datagram this session sends, in bytes, TLV header included; null for
        /// the protocol's default (1,400). Its messages are cut to fit this and the relay's own limit.
        /// </summary>
        public int? MaxDatagramBytes { get; set; }

        /// <summary>
        /// Join a relay that answers with another key than the one this session joined with, after
        /// the first relay was lost. Off by default: a changed key ends the session (state Failed).
        /// </summary>
        public bool AllowRelayKeyChange { get; set; }

        /// <summary>Secure: a file with this member's identity key (New-McastIdentity makes one); null for a new key per session.</summary>
        public string? IdentityPath { get; set; }

        /// <summary>Secure: accept only the relay whose key has this fingerprint (SHA256:base64).</summary>
        public string? RelayFingerprint { get; set; }

        /// <summary>Secure: the file of remembered relays; null for <see cref="KnownRelays.DefaultPath"/>.</summary>
        public string? KnownRelaysPath { get; set; }

        /// <summary>Secure: trust and remember the first relay of a group that is not known yet (as SSH does). On by default.</summary>
        public bool TrustOnFirstUse { get; set; } = true;

        /// <summary>How long the join may take.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The most received messages kept until taken; past it the oldest are dropped and counted.</summary>
        public int InboxLimit { get; set; } = 100000;

        /// <summary>
        /// The most bytes of content the inbox holds (256 MiB); past it, or past <see cref="InboxLimit"/>,
        /// the oldest messages give way to one Gap record that says how many were dropped.
        /// </summary>
        public long InboxBytes { get; set; } = 256L * 1024 * 1024;

        /// <summary>The most members remembered for Get-McastPeer.</summary>
        public int PeerLimit { get; set; } = 4096;

        /// <summary>
        /// Outgoing datagrams per second past a burst (see <see cref="Hosting.SendPacer"/>); null for
        /// the protocol's own rate: Classic 2,000 (its members spend a private-key operation per
        /// block), Secure 10,000 (a signature check per datagram, and a send window of 256 fragments
        /// must leave well within the first retransmission time-out).
        /// </summary>
        public int? SendRate { get; set; }

        /// <summary>The rate that applies: <see cref="SendRate"/>, or the protocol's own.</summary>
        public int EffectiveSendRate => SendRate ?? (Protocol == McastProtocol.Classic ? McastCrypto.Protocol.Classic.ClassicDefaults.SendRate : McastCrypto.Protocol.Secure.SecureDefaults.SendRate);

        /// <summary>Wraps the channel the session opens, for tests (for example a FaultInjectingChannel).</summary>
        public Func<IDatagramChannel, IDatagramChannel>? ChannelDecorator { get; set; }

        /// <summary>Checks the settings that are the session's own; the protocol checks its own.</summary>
        public void Validate()
        {
            if (Network is null)
            {
                throw new ArgumentException("The network settings must be given.", nameof(Network));
            }

            Network.Validate();
            if (Timeout <= TimeSpan.Zero || Timeout > TimeSpan.FromHours(1))
            {
                throw new ArgumentException("The time-out must be positive and at most 1 hour; it is " + Timeout + ".", nameof(Timeout));
            }

            if (InboxLimit < 1 || InboxBytes < 1 || PeerLimit < 1 || EffectiveSendRate < 1)
            {
                throw new ArgumentException("The inbox limits, the peer limit and the send rate must be positive.");
            }
        }
    }
}
