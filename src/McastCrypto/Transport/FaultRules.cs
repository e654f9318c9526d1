using System;
using System.Globalization;

namespace McastCrypto.Transport
{
    /// <summary>
    /// What a <see cref="FaultInjectingChannel"/> does to datagrams. Rates are probabilities from 0 to
    /// 1 per datagram. The channel reads these values for every datagram, so a test may change them
    /// while it runs.
    /// </summary>
    public sealed class FaultRules
    {
        private double dropRate;
        private double duplicateRate;
        private double reorderRate;
        private TimeSpan maxDelay;

        /// <summary>The probability that a datagram is lost.</summary>
        public double DropRate
        {
            get => dropRate;
            set => dropRate = CheckRate(value, nameof(DropRate));
        }

        /// <summary>The probability that a datagram is delivered twice.</summary>
        public double DuplicateRate
        {
            get => duplicateRate;
            set => duplicateRate = CheckRate(value, nameof(DuplicateRate));
        }

        /// <summary>
        /// The probability that a datagram is held back and delivered right after the next one
        /// (at most one is held at a time).
        /// </summary>
        public double ReorderRate
        {
            get => reorderRate;
            set => reorderRate = CheckRate(value, nameof(ReorderRate));
        }

        /// <summary>
        /// Each datagram is delivered after a delay drawn uniformly from zero to this; zero (the
        /// default) delivers at once.
        /// </summary>
        public TimeSpan MaxDelay
        {
            get => maxDelay;
            set
            {
                if (value < TimeSpan.Zero)
                {
                    throw new ArgumentOutOfRangeException(nameof(MaxDelay), value, "The maximum delay cannot be negative.");
                }

                maxDelay = value;
            }
        }

        /// <summary>Whether the faults apply to what the channel sends. Default true.</summary>
        public bool ApplyToSend { get; set; } = true;

        /// <summary>Whether the faults apply to what the channel receives. Default false.</summary>
        public bool ApplyToReceive { get; set; }

        private static double CheckRate(double value, string name)
        {
            if (double.IsNaN(value) || value < 0 || value > 1)
            {
                throw new ArgumentOutOfRangeException(
                    name,
                    value,
                    string.Format(CultureInfo.InvariantCulture, "{0} is a probability from 0 to 1, not {1}.", name, value));
            }

            return value;
        }
    }
}
