using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>The settings of a relay's federation link (docs/protocol.md, "Federation").</summary>
    public sealed class FederationOptions
    {
        /// <summary>The default subject prefix.</summary>
        public const string DefaultSubjectPrefix = "mcastcrypto";

        /// <summary>The largest bus message NATS takes by default (max_payload, 1 MiB): the ceiling of <see cref="MaxEnvelopeBytes"/>.</summary>
        public const int MaxBusMessageBytes = 1024 * 1024;

        private static readonly Regex PrefixShape = new Regex("^[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*\\z", RegexOptions.CultureInvariant);

        /// <summary>This relay's site name, as other sites' members see it: 1 to 64 UTF-8 bytes, no control characters.</summary>
        public string Site { get; set; } = string.Empty;

        /// <summary>The first tokens of every subject (NATS token characters: letters, digits, '_' and '-', tokens joined by '.'), at most 64 characters. Bound into every signature and key.</summary>
        public string SubjectPrefix { get; set; } = DefaultSubjectPrefix;

        /// <summary>The fingerprints (SHA256:base64) of the relays this one federates with; any other relay is ignored (UnauthorizedRelay).</summary>
        public ICollection<string> AuthorizedRelays { get; set; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>The relay's largest datagram (D): every peer must have the same, since fragments cross sites unchanged.</summary>
        public int MaxDatagramBytes { get; set; } = SecureDefaults.MaxDatagramBytes;

        /// <summary>The most envelopes this relay keeps to answer repair requests (1 to 1,048,576).</summary>
        public int RetransmitBufferSize { get; set; } = 4096;

        /// <summary>The most bytes of envelopes kept to answer repair requests (at least one largest envelope).</summary>
        public long RetransmitBufferBytes { get; set; } = 64L * 1024 * 1024;

        /// <summary>How far ahead of the next expected F another relay's envelopes are held (1 to 65,536); further is HoldLimit (repaired later).</summary>
        public int HoldEnvelopes { get; set; } = 1024;

        /// <summary>The most bytes of plaintext held out of order per peer; past it HoldLimit.</summary>
        public long HoldBytes { get; set; } = 16L * 1024 * 1024;

        /// <summary>The largest envelope published, in bytes (at least D + 1,024, at most 1 MiB). Any relay takes messages up to 1 MiB, whatever its own setting.</summary>
        public int MaxEnvelopeBytes { get; set; } = 256 * 1024;

        /// <summary>How often the relay announces itself (and its latest F).</summary>
        public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>How often the relay publishes its whole roster (and the progress of members that sent lately).</summary>
        public TimeSpan RosterInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The first wait before a repair or key request is asked again; doubles up to a quarter of <see cref="RepairTimeout"/>.</summary>
        public TimeSpan RepairRetry { get; set; } = TimeSpan.FromMilliseconds(250);

        /// <summary>How long, counted only while the bus is connected, a missing envelope is waited for before it is given up.</summary>
        public TimeSpan RepairTimeout { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>A relay not heard (no announce) this long, counted only while the bus is connected, is forgotten and its members leave (TimedOut).</summary>
        public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(30);

        /// <summary>The most repair or key requests handled per peer per second; past it RequestRateLimited.</summary>
        public int RequestsPerSecond { get; set; } = 20;

        /// <summary>The most envelopes sent again per peer per second; past it RepairRateLimited (the peer asks again).</summary>
        public int RepairEnvelopesPerSecond { get; set; } = 8192;

        /// <summary>The source of random bytes (boot id, publish key, ephemeral scalar). Null: the system's generator. Set only for tests.</summary>
        public Func<int, byte[]>? Random { get; set; }

        /// <summary>Checks the settings; ArgumentException names the bad one.</summary>
        public void Validate()
        {
            ValidateSite(Site);
            ValidateSubjectPrefix(SubjectPrefix);
            if (AuthorizedRelays is null)
            {
                throw new ArgumentException("The authorized relays are a set of fingerprints (it may be empty).", nameof(AuthorizedRelays));
            }

            foreach (string fingerprint in AuthorizedRelays)
            {
                if (!FingerprintText.IsValid(fingerprint))
                {
                    throw new ArgumentException("'" + fingerprint + "' is not a relay fingerprint (SHA256: and 43 base64 characters).", nameof(AuthorizedRelays));
                }
            }

            SecureMemberOptions.ValidateDatagram(MaxDatagramBytes);
            if (RetransmitBufferSize < 1 || RetransmitBufferSize > 1048576)
            {
                throw new ArgumentException("The federation retransmit buffer holds 1 to 1,048,576 envelopes.", nameof(RetransmitBufferSize));
            }

            if (MaxEnvelopeBytes < MaxDatagramBytes + 1024 || MaxEnvelopeBytes > MaxBusMessageBytes)
            {
                throw new ArgumentException("The largest envelope must be from MaxDatagramBytes + 1,024 to 1,048,576 bytes.", nameof(MaxEnvelopeBytes));
            }

            if (RetransmitBufferBytes < MaxEnvelopeBytes)
            {
                throw new ArgumentException("The federation retransmit buffer must have room for at least one largest envelope (MaxEnvelopeBytes).", nameof(RetransmitBufferBytes));
            }

            if (HoldEnvelopes < 1 || HoldEnvelopes > 65536)
            {
                throw new ArgumentException("The hold window is 1 to 65,536 envelopes.", nameof(HoldEnvelopes));
            }

            if (HoldBytes < MaxEnvelopeBytes)
            {
                throw new ArgumentException("The hold must have room for at least one largest envelope (MaxEnvelopeBytes).", nameof(HoldBytes));
            }

            Positive(AnnounceInterval, nameof(AnnounceInterval));
            Positive(RosterInterval, nameof(RosterInterval));
            Positive(RepairRetry, nameof(RepairRetry));
            Positive(RepairTimeout, nameof(RepairTimeout));
            if (PeerTimeout <= AnnounceInterval + AnnounceInterval)
            {
                throw new ArgumentException("The peer time-out must be longer than two announce intervals.", nameof(PeerTimeout));
            }

            if (RequestsPerSecond < 1 || RepairEnvelopesPerSecond < 1)
            {
                throw new ArgumentException("The request and repair budgets must allow at least one a second.", nameof(RequestsPerSecond));
            }
        }

        /// <summary>Checks a site name: 1 to 64 UTF-8 bytes, no control characters.</summary>
        public static void ValidateSite(string? site)
        {
            if (string.IsNullOrEmpty(site))
            {
                throw new ArgumentException("A federated relay needs a site name (1 to 64 UTF-8 bytes).", nameof(Site));
            }

            foreach (char c in site!)
            {
                if (char.IsControl(c))
                {
                    throw new ArgumentException("The site name has a control character.", nameof(Site));
                }
            }

            int bytes;
            try
            {
                bytes = new UTF8Encoding(false, true).GetByteCount(site);
            }
            catch (ArgumentException)
            {
                throw new ArgumentException("The site name is not valid Unicode text.", nameof(Site));
            }

            if (bytes > 64)
            {
                throw new ArgumentException("The site name has " + bytes + " UTF-8 bytes; the most is 64.", nameof(Site));
            }
        }

        /// <summary>Checks a subject prefix: NATS tokens of letters, digits, '_' and '-', joined by '.', at most 64 characters.</summary>
        public static void ValidateSubjectPrefix(string? prefix)
        {
            if (prefix is null || prefix.Length > 64 || !PrefixShape.IsMatch(prefix))
            {
                throw new ArgumentException(
                    "'" + prefix + "' is not a subject prefix: 1 to 64 characters, tokens of letters, digits, '_' and '-' joined by '.' (no wildcards, no spaces).",
                    nameof(SubjectPrefix));
            }
        }

        private static void Positive(TimeSpan value, string name)
        {
            if (value <= TimeSpan.Zero)
            {
                throw new ArgumentException(name + " must be positive.", name);
            }
        }
    }
}
