using System;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>A relay as the relay's child process runs it: what the parent needs to reach it, and its counters.</summary>
    internal interface IChildRelay : IDisposable
    {
        /// <summary>What members need to reach and trust it (a fingerprint, a port and certificate hash), one word or more, no line break.</summary>
        string ReadyInfo { get; }

        /// <summary>The counters now, with the process's CPU time given.</summary>
        RelayStats Stats(TimeSpan processorTime);
    }
}
