using System;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>The settings of a Secure member (the defaults are in <see cref="SecureDefaults"/>).</summary>
    public sealed class SecureMemberOptions
    {
        /// <summary>The group's multicast address, IPv4 (224.0.0.0/4) or IPv6 (ff00::/8): bound into every signature, so it must be the one the relay uses.</summary>
        public IPAddress Group { get; set; } = IPAddress.Parse("224.1.1.1");

        /// <summary>The group's UDP port: bound into every signature.</summary>
        public int Port { get; set; } = 5007;

        /// <summary>The name the group shows for this member: at most 64 UTF-8 bytes, no control characters.</summary>
        public string DisplayName { get; set; } = string.Empty;

        /// <summary>
        /// Decides whether to trust a relay key the first time one answers (a pin, trust on first use,
        /// a known-relays file). Null: trust on first use, remembered only by this member.
        /// </summary>
        public IRelayTrust? RelayTrust { get; set; }

        /// <summary>The largest datagram this member sends, in bytes: fragments are cut to min(the relay's, this) - 129.</summary>
        public int MaxDatagramBytes { get; set; } = SecureDefaults.MaxDatagramBytes;

        /// <summary>The longest message, in bytes of content, this member sends and takes: 1 to 2^31 - 1, default 64 MiB.</summary>
        public int MaxMessageBytes { get; set; } = SecureDefaults.MaxMessageBytes;

        /// <summary>How often a KeepAlive goes to the relay; three of these without a verified relay datagram make the relay lost.</summary>
        public TimeSpan KeepAliveInterval { get; set; } = SecureDefaults.KeepAliveInterval;

        /// <summary>How often the Hello (until a Welcome) and the Join (until the member's own Joined) are repeated.</summary>
        public TimeSpan RetryInterval { get; set; } = SecureDefaults.RetryInterval;

        /// <summary>How long, after the first Welcome from a relay it does not trust, the member waits for one it does before failing.</summary>
        public TimeSpan UntrustedRelayTimeout { get; set; } = SecureDefaults.UntrustedRelayTimeout;

        /// <summary>How long the previous epoch's key still opens datagrams after a new one is installed.</summary>
        public TimeSpan EpochGrace { get; set; } = SecureDefaults.EpochGrace;

        /// <summary>
        /// The most Welcome signatures checked per second while the member waits for its Welcome: anyone
        /// who heard its Hello can send Welcomes with its nonce, and past this they are dropped
        /// (WelcomeRateLimited) before any public-key work.
        /// </summary>
        public int WelcomeChecksPerSecond { get; set; } = SecureDefaults.WelcomeChecksPerSecond;

        /// <summary>The size of the replay windows, in sequence numbers (a multiple of 64).</summary>
        public int ReplayWindowSize { get; set; } = SecureDefaults.ReplayWindowSize;

        /// <summary>How many relay sequence numbers the member tracks from the lowest it misses; further behind, the oldest are given up.</summary>
        public int ReceiveWindow { get; set; } = SecureDefaults.ReceiveWindow;

        /// <summary>The most group datagrams held while the member waits for the numbers below them.</summary>
        public int HoldLimit { get; set; } = SecureDefaults.HoldLimit;

        /// <summary>The most bytes of held datagrams.</summary>
        public long HoldBytes { get; set; } = SecureDefaults.HoldBytes;

        /// <summary>The longest random wait between noticing a missing number and asking the relay for it (a Nack).</summary>
        public TimeSpan NackDelay { get; set; } = SecureDefaults.NackDelay;

        /// <summary>How long after asking the member asks again; the wait doubles per ask, up to <see cref="NackRetryMax"/>.</summary>
        public TimeSpan NackRetry { get; set; } = SecureDefaults.NackRetry;

        /// <summary>The longest wait between two asks for one number.</summary>
        public TimeSpan NackRetryMax { get; set; } = SecureDefaults.NackRetryMax;

        /// <summary>How long after it was noticed a missing number is given up (and what it carried reported as a Gap).</summary>
        public TimeSpan RepairTimeout { get; set; } = SecureDefaults.RepairTimeout;

        /// <summary>The most of this member's fragments sent and not yet acknowledged by the relay.</summary>
        public int SendWindow { get; set; } = SecureDefaults.SendWindow;

        /// <summary>The most messages queued or waiting for the relay's acknowledgement; past it Send throws.</summary>
        public int SendBufferMessages { get; set; } = SecureDefaults.SendBufferMessages;

        /// <summary>The most bytes of messages queued or waiting for the relay's acknowledgement (one message alone is always taken).</summary>
        public long SendBufferBytes { get; set; } = SecureDefaults.SendBufferBytes;

        /// <summary>The retransmission time-out before the first round-trip sample.</summary>
        public TimeSpan InitialRetransmit { get; set; } = SecureDefaults.InitialRetransmit;

        /// <summary>The shortest retransmission time-out.</summary>
        public TimeSpan MinRetransmit { get; set; } = SecureDefaults.MinRetransmit;

        /// <summary>The longest retransmission time-out, back-off included.</summary>
        public TimeSpan MaxRetransmit { get; set; } = SecureDefaults.MaxRetransmit;

        /// <summary>How long a fragment may wait for the relay's acknowledgement after its first sending; then it and every later message fail and the member joins again.</summary>
        public TimeSpan AckTimeout { get; set; } = SecureDefaults.AckTimeout;

        /// <summary>The most bytes of other members' messages being assembled, all senders together.</summary>
        public long ReassemblyBytes { get; set; } = SecureDefaults.ReassemblyBytes;

        /// <summary>
        /// The source of random bytes (nonces, message ids, and, when set, the ephemeral keys' scalars).
        /// Null: the system's cryptographic generator, and ephemeral keys from the platform. Set only
        /// for known-answer tests.
        /// </summary>
        public Func<int, byte[]>? Random { get; set; }

        /// <summary>Checks the settings; ArgumentException names the bad one.</summary>
        public void Validate()
        {
            ValidateGroup(Group, Port);
            SecureCodec.EncodeName(DisplayName ?? throw new ArgumentException("The display name cannot be null.", nameof(DisplayName)));
            ValidateDatagram(MaxDatagramBytes);
            if (MaxMessageBytes < 1)
            {
                throw new ArgumentException("The largest message must be 1 to 2,147,483,647 bytes.", nameof(MaxMessageBytes));
            }

            if (KeepAliveInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("The keep-alive interval must be positive.", nameof(KeepAliveInterval));
            }

            if (RetryInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("The retry interval must be positive.", nameof(RetryInterval));
            }

            if (UntrustedRelayTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("The untrusted-relay time-out must be positive.", nameof(UntrustedRelayTimeout));
            }

            if (EpochGrace < TimeSpan.Zero)
            {
                throw new ArgumentException("The epoch grace cannot be negative.", nameof(EpochGrace));
            }

            if (WelcomeChecksPerSecond < 1)
            {
                throw new ArgumentException("The Welcome checks per second must be at least 1.", nameof(WelcomeChecksPerSecond));
            }

            ValidateWindow(ReplayWindowSize);
            ValidateReliability();
        }

        private void ValidateReliability()
        {
            if (ReceiveWindow < 64 || ReceiveWindow > 1 << 20)
            {
                throw new ArgumentException("The receive window must be 64 to 1,048,576 numbers.", nameof(ReceiveWindow));
            }

            if (HoldLimit < 1 || HoldBytes < 1)
            {
                throw new ArgumentException("The hold buffer must take at least one datagram and one byte.", HoldLimit < 1 ? nameof(HoldLimit) : nameof(HoldBytes));
            }

            if (NackDelay < TimeSpan.Zero)
            {
                throw new ArgumentException("The Nack delay cannot be negative.", nameof(NackDelay));
            }

            if (NackRetry <= TimeSpan.Zero || NackRetryMax < NackRetry)
            {
                throw new ArgumentException("The Nack retry must be positive and at most NackRetryMax.", NackRetry <= TimeSpan.Zero ? nameof(NackRetry) : nameof(NackRetryMax));
            }

            if (RepairTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("The repair time-out must be positive.", nameof(RepairTimeout));
            }

            if (SendWindow < 1)
            {
                throw new ArgumentException("The send window must be at least 1 fragment.", nameof(SendWindow));
            }

            if (SendBufferMessages < 1 || SendBufferBytes < 1)
            {
                throw new ArgumentException("The send buffer must take at least one message and one byte.", SendBufferMessages < 1 ? nameof(SendBufferMessages) : nameof(SendBufferBytes));
            }

            if (MinRetransmit <= TimeSpan.Zero || InitialRetransmit < MinRetransmit || MaxRetransmit < InitialRetransmit)
            {
                throw new ArgumentException("The retransmission time-outs must be positive, with MinRetransmit <= InitialRetransmit <= MaxRetransmit.", nameof(InitialRetransmit));
            }

            if (AckTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("The acknowledgement time-out must be positive.", nameof(AckTimeout));
            }

            if (ReassemblyBytes < 1)
            {
                throw new ArgumentException("The reassembly limit must be at least 1 byte.", nameof(ReassemblyBytes));
            }
        }

        internal static void ValidateGroup(IPAddress? group, int port)
        {
            if (!MulticastOptions.IsMulticastGroup(group))
            {
                throw new ArgumentException("The group must be a multicast address: IPv4 224.0.0.0/4 or IPv6 ff00::/8.", nameof(Group));
            }

            if (port < 1 || port > 65535)
            {
                throw new ArgumentException("The port must be 1 to 65535.", nameof(Port));
            }
        }

        internal static void ValidateDatagram(int maxDatagramBytes)
        {
            if (maxDatagramBytes < SecureDefaults.MinDatagramBytes || maxDatagramBytes > SecureDefaults.MaxDatagramLimit)
            {
                throw new ArgumentException("The largest datagram must be 576 to 65,507 bytes.", nameof(MaxDatagramBytes));
            }
        }

        internal static void ValidateWindow(int size)
        {
            if (size < 64 || size > 65536 || size % 64 != 0)
            {
                throw new ArgumentException("The replay window must be a multiple of 64 from 64 to 65,536.", nameof(ReplayWindowSize));
            }
        }
    }
}
