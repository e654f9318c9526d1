using System;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>The settings of a Classic relay (the defaults are in <see cref="ClassicDefaults"/>).</summary>
    public sealed class ClassicRelayOptions
    {
        /// <summary>A member silent this long is forgotten and its leave announced (3 keep-alive intervals).</summary>
        public TimeSpan ClientTimeout { get; set; } = ClassicDefaults.ClientTimeout;

        /// <summary>The most members the relay keeps; registrations past it are dropped and counted.</summary>
        public int MaxClients { get; set; } = ClassicDefaults.MaxClients;

        /// <summary>The most key answers (TLV 5) per second; requests past it are dropped and counted.</summary>
        public int MaxKeyAnswersPerSecond { get; set; } = ClassicDefaults.MaxKeyAnswersPerSecond;

        /// <summary>
        /// The most member keys (TLV 4) imported per second; registrations past it are dropped and counted
        /// KeyImportRateLimited. A registration repeated with the same bytes, and one the member limit
        /// refuses, costs no import.
        /// </summary>
        public int MaxKeyImportsPerSecond { get; set; } = ClassicDefaults.RelayMaxKeyImportsPerSecond;

        /// <summary>
        /// The longest message the relay relays, in UTF-8 bytes: the limit a member enforces on what it
        /// sends. A message whose ciphertext must be longer than this much text takes is refused at its
        /// first fragment that shows it; one that decrypts to more is refused before it is relayed.
        /// Both are counted MessageTooLarge.
        /// </summary>
        public int MaxMessageBytes { get; set; } = ClassicDefaults.MaxMessageBytes;

        /// <summary>The limits of the relay's reassembly of fragmented messages.</summary>
        public ReassemblyLimits Reassembly { get; set; } = new ReassemblyLimits();

        /// <summary>Checks the settings; ArgumentException names the bad one.</summary>
        public void Validate()
        {
            if (ClientTimeout <= TimeSpan.Zero)
            {
                throw new ArgumentException("The client time-out must be positive.", nameof(ClientTimeout));
            }

            if (MaxClients < 1)
            {
                throw new ArgumentException("The relay must take at least one member.", nameof(MaxClients));
            }

            if (MaxKeyAnswersPerSecond < 1)
            {
                throw new ArgumentException("The relay must answer at least one key request a second.", nameof(MaxKeyAnswersPerSecond));
            }

            if (MaxKeyImportsPerSecond < 1)
            {
                throw new ArgumentException("The relay must import at least one key a second.", nameof(MaxKeyImportsPerSecond));
            }

            if (MaxMessageBytes < 1)
            {
                throw new ArgumentException("The largest message must be at least 1 byte.", nameof(MaxMessageBytes));
            }

            if (Reassembly is null || Reassembly.Timeout <= TimeSpan.Zero || Reassembly.MaxFragmentsPerMessage < 1)
            {
                throw new ArgumentException("The reassembly limits must be set and positive.", nameof(Reassembly));
            }
        }
    }
}
