using System;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// The defaults and fixed sizes of the Secure protocol (docs/protocol.md, "Secure"), written once:
    /// <see cref="SecureMemberOptions"/> and <see cref="SecureRelayOptions"/> start from these.
    /// </summary>
    public static class SecureDefaults
    {
        /// <summary>Datagrams a second a Secure member or relay sends past a burst of 256: 10,000 (each costs every member one signature check, about 80 µs).</summary>
        public const int SendRate = 10000;

        /// <summary>The largest datagram either side sends, in bytes (TLV header included): 1,400, so nothing relies on IP fragmentation.</summary>
        public const int MaxDatagramBytes = 1400;

        /// <summary>The smallest value <see cref="MaxDatagramBytes"/> may be set to: 576, the datagram every IPv4 host must take.</summary>
        public const int MinDatagramBytes = 576;

        /// <summary>The largest value <see cref="MaxDatagramBytes"/> may be set to: 65,507, the largest UDP payload over IPv4.</summary>
        public const int MaxDatagramLimit = 65507;

        /// <summary>The longest message, in bytes of content, a member sends and takes and the relay forwards: 64 MiB (67,108,864).</summary>
        public const int MaxMessageBytes = 64 * 1024 * 1024;

        /// <summary>The longest display name, in bytes of UTF-8: 64.</summary>
        public const int MaxNameBytes = 64;

        /// <summary>How often a member sends a KeepAlive, and the relay a Heartbeat: 5 s.</summary>
        public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(5);

        /// <summary>How long the relay keeps a silent member: 3 keep-alive intervals, 15 s.</summary>
        public static readonly TimeSpan ClientTimeout = TimeSpan.FromTicks(KeepAliveInterval.Ticks * 3);

        /// <summary>How many keep-alive intervals without a verified relay datagram make the relay lost: 3.</summary>
        public const int RelaySilenceIntervals = 3;

        /// <summary>How often a member repeats its Hello (until a Welcome) and its Join (until its own Joined): 1 s.</summary>
        public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

        /// <summary>
        /// How long a member that heard only Welcomes from relays it does not trust keeps waiting for one
        /// it does, counted from the first such Welcome, before it fails (RelayNotTrusted or RelayKeyChanged): 2 s.
        /// </summary>
        public static readonly TimeSpan UntrustedRelayTimeout = TimeSpan.FromSeconds(2);

        /// <summary>How often the relay starts a new epoch when membership does not change: 10 minutes.</summary>
        public static readonly TimeSpan RekeyInterval = TimeSpan.FromMinutes(10);

        /// <summary>How long a member keeps the previous epoch's key after installing a new one: 2 s.</summary>
        public static readonly TimeSpan EpochGrace = TimeSpan.FromSeconds(2);

        /// <summary>How many sequence numbers each replay window tells apart: 1,024.</summary>
        public const int ReplayWindowSize = ReplayWindow.DefaultSize;

        /// <summary>The most Hellos from one source address the relay checks per second: 5.</summary>
        public const int HandshakesPerSourcePerSecond = 5;

        /// <summary>The most Hellos the relay checks per second in all: 100.</summary>
        public const int HandshakesPerSecond = 100;

        /// <summary>
        /// The most Welcome signatures a member checks per second while it waits for its Welcome: 20.
        /// Everyone hears the member's nonce, so anyone can send it Welcomes that need a check; the
        /// relay answers each repeated Hello (every second) with its stored Welcome again, so the
        /// genuine one finds a later second's budget.
        /// </summary>
        public const int WelcomeChecksPerSecond = 20;

        /// <summary>The most signed refusals the relay sends per second: 10.</summary>
        public const int RefusalsPerSecond = 10;

        /// <summary>The most handshakes waiting for their Join: 256.</summary>
        public const int MaxPendingHandshakes = 256;

        /// <summary>How long a handshake waits for its Join: 10 s.</summary>
        public static readonly TimeSpan PendingHandshakeTimeout = TimeSpan.FromSeconds(10);

        /// <summary>How long the relay remembers the nonce of a Hello it checked, after its handshake ended (the member's stay excluded): 60 s.</summary>
        public static readonly TimeSpan HelloMemory = TimeSpan.FromSeconds(60);

        /// <summary>The least time between two sends of one stored Welcome, answering a repeated Hello: 0.5 s.</summary>
        public static readonly TimeSpan WelcomeResendInterval = TimeSpan.FromMilliseconds(500);

        /// <summary>
        /// The least time between two answers to one member's KeyRequest or repeated Join (a Rekey
        /// datagram for it alone), and between two KeyRequests of a member: 1 s.
        /// </summary>
        public static readonly TimeSpan KeyAnswerInterval = TimeSpan.FromSeconds(1);

        /// <summary>The most members a relay keeps: 1,024.</summary>
        public const int MaxClients = 1024;

        /// <summary>The most members of other sites a federated relay shows to its own: 1,024.</summary>
        public const int MaxRemoteMembers = 1024;

        /// <summary>The most incomplete messages per member the relay tracks to report them relayed: 64.</summary>
        public const int MaxTrackedMessagesPerMember = 64;

        /// <summary>The most members a member remembers (from Joined and Roster records): 4,096.</summary>
        public const int MaxKnownMembers = 4096;

        /// <summary>
        /// What a fragment costs on its way through the relay besides its payload: TLV header 4,
        /// GroupSealed header 13, record header 3, Data body header 29, tag 16, signature 64 = 129 bytes.
        /// A fragment carries at most min(D, own MaxDatagramBytes) - 129 bytes (1,271 for 1,400).
        /// </summary>
        public const int FragmentOverhead = 129;

        // ------------------------------------------------------------------ member: reliable delivery

        /// <summary>How many relay sequence numbers a member tracks from the lowest it misses: 8,192.</summary>
        public const int ReceiveWindow = 8192;

        /// <summary>The most group datagrams a member holds while it waits for the numbers below them: 8,192.</summary>
        public const int HoldLimit = 8192;

        /// <summary>The most bytes of held datagrams: 16 MiB.</summary>
        public const long HoldBytes = 16L * 1024 * 1024;

        /// <summary>The longest random wait before a member asks for a number it misses: 2 ms.</summary>
        public static readonly TimeSpan NackDelay = TimeSpan.FromMilliseconds(2);

        /// <summary>How long a member waits after asking before it asks again (doubling per ask): first 10 ms.</summary>
        public static readonly TimeSpan NackRetry = TimeSpan.FromMilliseconds(10);

        /// <summary>The longest wait between two asks for one number: 1 s.</summary>
        public static readonly TimeSpan NackRetryMax = TimeSpan.FromSeconds(1);

        /// <summary>How long after a member noticed a missing number it gives it up: 5 s.</summary>
        public static readonly TimeSpan RepairTimeout = TimeSpan.FromSeconds(5);

        /// <summary>The most fragments a member has sent and the relay not yet acknowledged: 256.</summary>
        public const int SendWindow = 256;

        /// <summary>The most messages queued or waiting for the relay's acknowledgement: 1,024.</summary>
        public const int SendBufferMessages = 1024;

        /// <summary>The most bytes of messages queued or waiting for the relay's acknowledgement: 256 MiB.</summary>
        public const long SendBufferBytes = 256L * 1024 * 1024;

        /// <summary>The retransmission time-out before the first round-trip sample: 100 ms.</summary>
        public static readonly TimeSpan InitialRetransmit = TimeSpan.FromMilliseconds(100);

        /// <summary>The shortest retransmission time-out: 10 ms.</summary>
        public static readonly TimeSpan MinRetransmit = TimeSpan.FromMilliseconds(10);

        /// <summary>The longest retransmission time-out, back-off included: 1 s.</summary>
        public static readonly TimeSpan MaxRetransmit = TimeSpan.FromSeconds(1);

        /// <summary>How long a fragment may wait for the relay's acknowledgement after its first sending: 10 s.</summary>
        public static readonly TimeSpan AckTimeout = TimeSpan.FromSeconds(10);

        /// <summary>
        /// The most signatures of Rekeys without an entry for it a member checks per second: 200. Such a
        /// Rekey only moves the member's stream on, and anyone can send one: past the budget its number
        /// stays missing and is asked for again.
        /// </summary>
        public const int ForeignRekeyChecksPerSecond = 200;

        /// <summary>
        /// The most Rekeys naming no member it knows a member sets aside until a Joined names one: 64 (the
        /// Rekey of a join can hold the joining member's entry alone, and comes before its Joined).
        /// </summary>
        public const int UnannouncedRekeys = 64;

        /// <summary>The most bytes of messages being assembled, all senders together: 256 MiB.</summary>
        public const long ReassemblyBytes = 256L * 1024 * 1024;

        /// <summary>The most fragments a message of the default largest size may have: ceil(67,108,864 / (576 - 129)) = 150,132, cut for the smallest datagram.</summary>
        public const int MaxFragments = (MaxMessageBytes + (MinDatagramBytes - FragmentOverhead) - 1) / (MinDatagramBytes - FragmentOverhead);

        // ------------------------------------------------------------------ relay: reliable delivery

        /// <summary>The most group datagrams (GroupSealed and Rekey) the relay keeps to repair: 8,192.</summary>
        public const int RetransmitBufferSize = 8192;

        /// <summary>The most bytes of group datagrams the relay keeps to repair: 16 MiB.</summary>
        public const int RetransmitBufferBytes = 16 * 1024 * 1024;

        /// <summary>How far ahead of a member's next expected Q the relay holds its fragments that came early: 256 fragments.</summary>
        public const int MemberWindow = 256;

        /// <summary>The most bytes of early fragments the relay holds for all its members together: 32 MiB.</summary>
        public const int RelayHoldBytes = 32 * 1024 * 1024;

        /// <summary>The most Nacks the relay handles per member per second: 200.</summary>
        public const int NacksPerSecond = 200;

        /// <summary>
        /// The most datagrams the relay sends again per member per second: 4,096. A member's Nacks cost
        /// the whole group bandwidth (repairs are multicast), so one member, even an admitted one that
        /// lies, can make the relay repeat at most this much a second.
        /// </summary>
        public const int RepairsPerSecond = 4096;

        /// <summary>The most sequence numbers the relay looks at in one Nack: 1,024 (the rest of the Nack is ignored).</summary>
        public const int MaxRepairsPerNack = 1024;

        /// <summary>How long after repairing a datagram the relay does not repair it again, nor report the same number unavailable again: 5 ms.</summary>
        public static readonly TimeSpan RepairHoldoff = TimeSpan.FromMilliseconds(5);

        /// <summary>The first tail heartbeat, after this much quiet once the relay sent a group datagram; then 20, 40, ... ms up to the heartbeat interval: 10 ms.</summary>
        public static readonly TimeSpan TailHeartbeat = TimeSpan.FromMilliseconds(10);

        /// <summary>The least time between two Acks to one member that do not move its next Q (answers to a duplicate or an early fragment): 10 ms.</summary>
        public static readonly TimeSpan DuplicateAckInterval = TimeSpan.FromMilliseconds(10);
    }
}
