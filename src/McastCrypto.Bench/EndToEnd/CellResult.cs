using System.Globalization;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>What one cell measured: counts over the measured part, the relay's and the bench process's costs over it.</summary>
    internal sealed class CellResult
    {
        public CellResult(BenchSystem system, int members, int size, int window)
        {
            System = system;
            Members = members;
            Size = size;
            Window = window;
        }

        public BenchSystem System { get; }

        public int Members { get; }

        public int Size { get; }

        /// <summary>The closed loop's window in messages; 0 for a paced cell.</summary>
        public int Window { get; }

        /// <summary>The measured part's length: from its first send to the end of its last.</summary>
        public double Seconds { get; set; }

        /// <summary>Messages sent in the measured part.</summary>
        public long Sent { get; set; }

        /// <summary>Messages that became complete (every member has them) during the measured part.</summary>
        public long Completed { get; set; }

        /// <summary>Messages sent in the measured part that some member still lacked after the drain.</summary>
        public long Lost { get; set; }

        /// <summary>Messages the sender stopped waiting for during the measured part, to free its window.</summary>
        public long Abandoned { get; set; }

        /// <summary>Messages the system refused to send during the measured part (its send buffer full); not in <see cref="Sent"/>.</summary>
        public long Refused { get; set; }

        /// <summary>The drain ended at its cap while deliveries were still arriving.</summary>
        public bool DrainCutShort { get; set; }

        public double DrainSeconds { get; set; }

        public double RelayCpuSeconds { get; set; }

        public double BenchCpuSeconds { get; set; }

        public long RelayBytes { get; set; }

        public long RelayDatagrams { get; set; }

        public long RelayDatagramsReceived { get; set; }

        public long RelayKernelDrops { get; set; }

        public long RelayQueueDrops { get; set; }

        public long RelayRepairs { get; set; }

        public long MemberKernelDrops { get; set; }

        /// <summary>Paced cells: every delivery's one-way latency in milliseconds.</summary>
        public double[]? Latencies { get; set; }

        public double MessagesPerSecond => Completed / Seconds;

        /// <summary>Message bytes delivered to all members per second, in MB (10^6 bytes).</summary>
        public double MegabytesPerSecond => MessagesPerSecond * Size / 1e6;

        public double? RelayCpuMicrosecondsPerMessage => Completed == 0 ? null : RelayCpuSeconds * 1e6 / Completed;

        public double? RelayBytesPerMessage => Completed == 0 ? null : (double)RelayBytes / Completed;

        /// <summary>Datagrams (TLS: writes) the relay sent per message delivered, and datagrams (TLS: messages) it received: "out/in".</summary>
        public string? RelayDatagramsPerMessage => Completed == 0 ? null : string.Format(CultureInfo.InvariantCulture, "{0:0.##}/{1:0.##}", (double)RelayDatagrams / Completed, (double)RelayDatagramsReceived / Completed);

        /// <summary>The relay process's CPU over the measured part, in percent of one core.</summary>
        public double RelayCpuPercent => RelayCpuSeconds * 100 / Seconds;

        /// <summary>This process's CPU (sender and members) over the measured part, in percent of one core.</summary>
        public double BenchCpuPercent => BenchCpuSeconds * 100 / Seconds;
    }
}
