using System;
using System.Collections.Generic;
using System.Net;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>The settings of a Secure relay (the defaults are in <see cref="SecureDefaults"/>).</summary>
    public sealed class SecureRelayOptions
    {
        /// <summary>The group's multicast address, IPv4 (224.0.0.0/4) or IPv6 (ff00::/8): bound into every signature.</summary>
        public IPAddress Group { get; set; } = IPAddress.Parse("224.1.1.1");

        /// <summary>The group's UDP port: bound into every signature.</summary>
        public int Port { get; set; } = 5007;

        /// <summary>
        /// The fingerprints (SHA256:base64) of the member identity keys the relay admits; any other is
        /// refused with a signed refusal. Null: every key is admitted.
        /// </summary>
        public ICollection<string>? AuthorizedKeys { get; set; }

        /// <summary>The largest datagram the relay sends, in bytes; members learn it from the Welcome.</summary>
        public int MaxDatagramBytes { get; set; } = SecureDefaults.MaxDatagramBytes;

        /// <summary>The longest message a member may send, in bytes of content (1 to 2^31 - 1, default 64 MiB): fixes the most fragments a message may announce.</summary>
        public int MaxMessageBytes { get; set; } = SecureDefaults.MaxMessageBytes;

        /// <summary>How often the relay sends a Heartbeat while it has members; must be under three of the members' keep-alive intervals.</summary>
        public TimeSpan KeepAliveInterval { get; set; } = SecureDefaults.KeepAliveInterval;

        /// <summary>A member silent this long is removed, its leave announced (reason 2) and the group rekeyed.</summary>
        public TimeSpan ClientTimeout { get; set; } = SecureDefaults.ClientTimeout;

        /// <summary>How often a new epoch starts when membership does not change.</summary>
        public TimeSpan RekeyInterval { get; set; } = SecureDefaults.RekeyInterval;

        /// <summary>The most Hellos checked per second from one source address.</summary>
        public int HandshakesPerSourcePerSecond { get; set; } = SecureDefaults.HandshakesPerSourcePerSecond;

        /// <summary>The most Hellos checked per second in all.</summary>
        public int HandshakesPerSecond { get; set; } = SecureDefaults.HandshakesPerSecond;

        /// <summary>The most signed refusals per second.</summary>
        public int RefusalsPerSecond { get; set; } = SecureDefaults.RefusalsPerSecond;

        /// <summary>The most handshakes waiting for their Join.</summary>
        public int MaxPendingHandshakes { get; set; } = SecureDefaults.MaxPendingHandshakes;

        /// <summary>How long a handshake waits for its Join.</summary>
        public TimeSpan PendingHandshakeTimeout { get; set; } = SecureDefaults.PendingHandshakeTimeout;

        /// <summary>The most members.</summary>
        public int MaxClients { get; set; } = SecureDefaults.MaxClients;

        /// <summary>
        /// The most members of other sites a federated relay shows to its own (aliases); past it, a
        /// counted drop (TooManyRemoteMembers). Default 1,024.
        /// </summary>
        public int MaxRemoteMembers { get; set; } = SecureDefaults.MaxRemoteMembers;

        /// <summary>The size of the replay windows, in sequence numbers (a multiple of 64).</summary>

        public int ReplayWindowSize { get; set; } = SecureDefaults.ReplayWindowSize;

        /// <summary>The most group datagrams kept to repair what members missed (1 to 1,048,576); the oldest go first (RetransmitEvicted).</summary>
        public int RetransmitBufferSize { get; set; } = SecureDefaults.RetransmitBufferSize;

        /// <summary>The most bytes of group datagrams kept to repair, at least one largest datagram.</summary>
        public int RetransmitBufferBytes { get; set; } = SecureDefaults.RetransmitBufferBytes;

        /// <summary>How far ahead of its next expected Q a member's fragments are held (1 to 65,536); further is WindowExceeded.</summary>
        public int MemberWindow { get; set; } = SecureDefaults.MemberWindow;

        /// <summary>The most bytes of fragments held early, all members together (0 or more); past it HoldLimit.</summary>
        public int HoldBytes { get; set; } = SecureDefaults.RelayHoldBytes;

        /// <summary>The most Nacks handled per member per second; past it NackRateLimited.</summary>
        public int NacksPerSecond { get; set; } = SecureDefaults.NacksPerSecond;

        /// <summary>The most datagrams sent again per member per second (<see cref="SecureDefaults.RepairsPerSecond"/>); past it, RepairRateLimited.</summary>
        public int RepairsPerSecond { get; set; } = SecureDefaults.RepairsPerSecond;

        /// <summary>How long after a repair the same datagram is not sent again (RepairsSuppressed); zero or more, under a second.</summary>
        public TimeSpan RepairHoldoff { get; set; } = SecureDefaults.RepairHoldoff;

        /// <summary>The quiet after a group datagram before the first tail heartbeat (then doubling up to the heartbeat interval); positive, under the keep-alive interval.</summary>
        public TimeSpan TailHeartbeat { get; set; } = SecureDefaults.TailHeartbeat;

        /// <summary>
        /// The source of random bytes (nonces, member ids, group keys, and, when set, the ephemeral
        /// keys' scalars). Null: the system's cryptographic generator, and ephemeral keys from the
        /// platform. Set only for known-answer tests.
        /// </summary>
        public Func<int, byte[]>? Random { get; set; }

        /// <summary>Checks the settings; ArgumentException names the bad one.</summary>
        public void Validate()
        {
            SecureMemberOptions.ValidateGroup(Group, Port);
            SecureMemberOptions.ValidateDatagram(MaxDatagramBytes);
            if (MaxMessageBytes < 1)
            {
                throw new ArgumentException("The largest message must be 1 to 2,147,483,647 bytes.", nameof(MaxMessageBytes));
            }

            if (KeepAliveInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("The keep-alive interval must be positive.", nameof(KeepAliveInterval));
            }

            if (ClientTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("The client time-out must be positive.", nameof(ClientTimeout));
            }

            if (RekeyInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("The rekey interval must be positive.", nameof(RekeyInterval));
            }

            if (HandshakesPerSourcePerSecond < 1 || HandshakesPerSecond < 1 || RefusalsPerSecond < 1)
            {
                throw new ArgumentException("The handshake and refusal budgets must allow at least one a second.", nameof(HandshakesPerSecond));
            }

            if (MaxPendingHandshakes < 1)
            {
                throw new ArgumentException("The relay must allow at least one pending handshake.", nameof(MaxPendingHandshakes));
            }

            if (PendingHandshakeTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("The pending handshake time-out must be positive.", nameof(PendingHandshakeTimeout));
            }

            if (MaxClients < 1)
            {
                throw new ArgumentException("The relay must take at least one member.", nameof(MaxClients));
            }

            if (MaxRemoteMembers < 0)
            {
                throw new ArgumentException("The most members of other sites cannot be negative.", nameof(MaxRemoteMembers));
            }

            SecureMemberOptions.ValidateWindow(ReplayWindowSize);
            if (RetransmitBufferSize < 1 || RetransmitBufferSize > 1048576)
            {
                throw new ArgumentException("The retransmit buffer holds 1 to 1,048,576 datagrams.", nameof(RetransmitBufferSize));
            }

            if (RetransmitBufferBytes < MaxDatagramBytes)
            {
                throw new ArgumentException("The retransmit buffer must have room for at least one largest datagram (MaxDatagramBytes).", nameof(RetransmitBufferBytes));
            }

            if (MemberWindow < 1 || MemberWindow > 65536)
            {
                throw new ArgumentException("The member window must be 1 to 65,536 fragments.", nameof(MemberWindow));
            }

            if (HoldBytes < 0)
            {
                throw new ArgumentException("The bytes held for early fragments cannot be negative.", nameof(HoldBytes));
            }

            if (RepairsPerSecond < 1)
            {
                throw new ArgumentException("The repairs per second must be at least 1.", nameof(RepairsPerSecond));
            }

            if (NacksPerSecond < 1)
            {
                throw new ArgumentException("The Nacks per second must be at least 1.", nameof(NacksPerSecond));
            }

            if (RepairHoldoff < TimeSpan.Zero || RepairHoldoff >= TimeSpan.FromSeconds(1))
            {
                throw new ArgumentException("The repair hold-off must be zero or more and under a second.", nameof(RepairHoldoff));
            }

            if (TailHeartbeat <= TimeSpan.Zero || TailHeartbeat >= KeepAliveInterval)
            {
                throw new ArgumentException("The tail heartbeat must be positive and under the keep-alive interval.", nameof(TailHeartbeat));
            }
        }
    }
}
