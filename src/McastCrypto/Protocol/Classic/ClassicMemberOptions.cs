using System;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>The settings of a Classic member (the defaults are in <see cref="ClassicDefaults"/>).</summary>
    public sealed class ClassicMemberOptions
    {
        /// <summary>How often a keep-alive (TLV 9) goes to the relay.</summary>
        public TimeSpan KeepAliveInterval { get; set; } = ClassicDefaults.KeepAliveInterval;

        /// <summary>The largest chunk of the encrypted payload in one FragmentedData datagram.</summary>
        public int FragmentSize { get; set; } = ClassicDefaults.FragmentSize;

        /// <summary>How long to wait for the relay's key, or for the relay's notice of the own join, before asking again.</summary>
        public TimeSpan RetryInterval { get; set; } = ClassicDefaults.RetryInterval;

        /// <summary>The longest message, in UTF-8 bytes.</summary>
        public int MaxMessageBytes { get; set; } = ClassicDefaults.MaxMessageBytes;

        /// <summary>
        /// The most relay keys (TLV 5) imported per second, while the member has no relay key yet or its
        /// relay was lost; keys past it are dropped and counted KeyImportRateLimited. A joined member
        /// never imports one: it compares the bytes with the key it joined with.
        /// </summary>
        public int MaxKeyImportsPerSecond { get; set; } = ClassicDefaults.MemberMaxKeyImportsPerSecond;

        /// <summary>
        /// Whether a member whose relay was lost (silent for three keep-alive intervals) joins a relay
        /// that answers with another key. False (the default): the member ends in
        /// <see cref="MemberState.Failed"/> with <see cref="MemberFailureReason.RelayKeyChanged"/>. True:
        /// it joins the new relay and keeps its key from then on. Either way a relay that is not lost is
        /// never replaced: another key is dropped and counted RelayKeyChanged.
        /// </summary>
        public bool AllowRelayKeyChange { get; set; }

        /// <summary>Checks the settings; ArgumentException names the bad one.</summary>
        public void Validate()
        {
            if (KeepAliveInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("The keep-alive interval must be positive.", nameof(KeepAliveInterval));
            }

            if (FragmentSize < 16 || FragmentSize > 60000)
            {
                throw new ArgumentException("The fragment size must be 16 to 60000 bytes; it is " + FragmentSize + ".", nameof(FragmentSize));
            }

            if (RetryInterval <= TimeSpan.Zero)
            {
                throw new ArgumentException("The retry interval must be positive.", nameof(RetryInterval));
            }

            if (MaxMessageBytes < 1)
            {
                throw new ArgumentException("The largest message must be at least 1 byte.", nameof(MaxMessageBytes));
            }

            if (MaxKeyImportsPerSecond < 1)
            {
                throw new ArgumentException("The member must import at least one relay key a second.", nameof(MaxKeyImportsPerSecond));
            }
        }
    }
}
