using System;

namespace McastCrypto.Protocol
{
    /// <summary>The hard limits of a <see cref="Reassembly{TSource}"/>: hostile floods cost counters, not memory.</summary>
    public sealed class ReassemblyLimits
    {
        /// <summary>Most fragments one message may have.</summary>
        public int MaxFragmentsPerMessage { get; set; } = 4096;

        /// <summary>Most incomplete messages one source may have at once.</summary>
        public int MaxMessagesPerSource { get; set; } = 16;

        /// <summary>Most buffered bytes one source may have at once.</summary>
        public long MaxBytesPerSource { get; set; } = 1024 * 1024;

        /// <summary>Most buffered bytes of all sources together.</summary>
        public long MaxBytesTotal { get; set; } = 16 * 1024 * 1024;

        /// <summary>How long an incomplete message is kept after its first fragment.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
    }
}
