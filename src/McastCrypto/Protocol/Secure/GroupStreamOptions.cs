using System;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>The settings of a <see cref="GroupStreamReceiver{T}"/>, taken from the member's options.</summary>
    internal sealed class GroupStreamOptions
    {
        /// <summary>How many numbers from the lowest missing one the member tracks: further ahead, the oldest missing are given up.</summary>
        public int ReceiveWindow { get; set; } = SecureDefaults.ReceiveWindow;

        /// <summary>The most datagrams held out of order.</summary>
        public int HoldLimit { get; set; } = SecureDefaults.HoldLimit;

        /// <summary>The most bytes held out of order.</summary>
        public long HoldBytes { get; set; } = SecureDefaults.HoldBytes;

        /// <summary>The longest random wait between noticing a missing number and asking for it.</summary>
        public TimeSpan NackDelay { get; set; } = SecureDefaults.NackDelay;

        /// <summary>The wait after the first ask before asking again; it doubles per ask.</summary>
        public TimeSpan NackRetry { get; set; } = SecureDefaults.NackRetry;

        /// <summary>The longest wait between two asks for one number.</summary>
        public TimeSpan NackRetryMax { get; set; } = SecureDefaults.NackRetryMax;

        /// <summary>How long after it was noticed a missing number is given up.</summary>
        public TimeSpan RepairTimeout { get; set; } = SecureDefaults.RepairTimeout;
    }
}
