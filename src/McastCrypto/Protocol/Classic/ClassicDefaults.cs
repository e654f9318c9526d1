using System;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>
    /// The defaults of <see cref="ClassicMemberOptions"/> and <see cref="ClassicRelayOptions"/>, written
    /// once: the values docs/protocol.md gives and the limits this project adds to them.
    /// </summary>
    public static class ClassicDefaults
    {
        /// <summary>Datagrams a second a Classic member or relay sends past a burst of 256: 2,000 (each relayed block costs every member an RSA private-key operation).</summary>
        public const int SendRate = 2000;

        /// <summary>How often a member sends a keep-alive (TLV 9): 5 s, the page's value.</summary>
        public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(5);

        /// <summary>The page's FRAGMENT_SIZE: 256 payload bytes per FragmentedData datagram.</summary>
        public const int FragmentSize = 256;

        /// <summary>How long a member waits for the relay's key or its own join notice before asking again: 1 s.</summary>
        public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

        /// <summary>The longest message, in UTF-8 bytes, a member sends and a relay relays: 64 KiB.</summary>
        public const int MaxMessageBytes = 64 * 1024;

        /// <summary>How long the relay keeps a silent member: 3 keep-alive intervals, 15 s.</summary>
        public static readonly TimeSpan ClientTimeout = TimeSpan.FromTicks(KeepAliveInterval.Ticks * 3);

        /// <summary>The most members a relay keeps: 1024.</summary>
        public const int MaxClients = 1024;

        /// <summary>The most key answers (TLV 5) a relay sends per second: 20.</summary>
        public const int MaxKeyAnswersPerSecond = 20;

        /// <summary>
        /// The most public keys (TLV 4) a relay imports per second: 10. An import costs 20 ms (RSA-2048)
        /// to 110 ms (RSA-4096) on BouncyCastle; 10 a second keeps a flood of keys well under one core.
        /// </summary>
        public const int RelayMaxKeyImportsPerSecond = 10;

        /// <summary>
        /// The most relay keys (TLV 5) a member imports per second: 2. A member imports a key only
        /// before it has one, or after its relay was lost; a joined member compares bytes instead.
        /// </summary>
        public const int MemberMaxKeyImportsPerSecond = 2;
    }
}
