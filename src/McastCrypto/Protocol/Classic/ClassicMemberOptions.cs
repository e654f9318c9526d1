using System;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>The settings of a Classic member (docs/protocol.md gives the defaults).</summary>
    public sealed class ClassicMemberOptions
    {
        /// <summary>How often a keep-alive (TLV 9) goes to the relay.</summary>
        public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(5);

        /// <summary>The largest chunk of the encrypted payload in one FragmentedData datagram.</summary>
        public int FragmentSize { get; set; } = 256;

        /// <summary>How long to wait for the relay's key, or for the relay's notice of the own join, before asking again.</summary>
        public TimeSpan RetryInterval { get; set; } = TimeSpan.FromSeconds(1);

        /// <summary>The longest message, in UTF-8 bytes.</summary>
        public int MaxMessageBytes { get; set; } = 64 * 1024;

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
        }
    }
}
