using System;
using System.Net;
using System.Net.Sockets;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>The settings of a Secure member (the defaults are in <see cref="SecureDefaults"/>).</summary>
    public sealed class SecureMemberOptions
    {
        /// <summary>The group's IPv4 multicast address: bound into every signature, so it must be the one the relay uses.</summary>
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

        /// <summary>The limits of reassembly of other members' messages (its MaxFragmentsPerMessage is capped by the protocol's 143).</summary>
        public ReassemblyLimits Reassembly { get; set; } = new ReassemblyLimits();

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
            if (Reassembly is null || Reassembly.Timeout <= TimeSpan.Zero || Reassembly.MaxFragmentsPerMessage < 1)
            {
                throw new ArgumentException("The reassembly limits must be set and positive.", nameof(Reassembly));
            }
        }

        internal static void ValidateGroup(IPAddress? group, int port)
        {
            if (group is null || group.AddressFamily != AddressFamily.InterNetwork || (group.GetAddressBytes()[0] & 0xF0) != 0xE0)
            {
                throw new ArgumentException("The group must be an IPv4 multicast address (224.0.0.0/4).", nameof(Group));
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
