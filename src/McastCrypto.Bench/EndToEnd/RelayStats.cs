using System;
using System.Globalization;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>What the relay's child process reports of itself at one moment.</summary>
    internal sealed class RelayStats
    {
        public RelayStats(TimeSpan processorTime, long bytesSent, long datagramsSent, long datagramsReceived, long kernelDrops, long queueDrops, long repairsSent)
        {
            ProcessorTime = processorTime;
            BytesSent = bytesSent;
            DatagramsSent = datagramsSent;
            DatagramsReceived = datagramsReceived;
            KernelDrops = kernelDrops;
            QueueDrops = queueDrops;
            RepairsSent = repairsSent;
        }

        /// <summary>The relay process's CPU time (user and system), all its threads.</summary>
        public TimeSpan ProcessorTime { get; }

        /// <summary>Bytes the relay sent: UDP payloads to the group, or TLS records to its members.</summary>
        public long BytesSent { get; }

        /// <summary>Datagrams sent (UDP), or writes (TLS).</summary>
        public long DatagramsSent { get; }

        /// <summary>Datagrams the relay received (UDP: everything sent to the group, its own included), or messages read from the sender (TLS).</summary>
        public long DatagramsReceived { get; }

        /// <summary>Datagrams the kernel dropped at the relay's receive socket (-1 where there is none).</summary>
        public long KernelDrops { get; }

        /// <summary>Datagrams the relay's own queues dropped (Secure, Classic: ReceiveQueueFull and SendQueueFull).</summary>
        public long QueueDrops { get; }

        /// <summary>Secure: group datagrams sent again because a member asked.</summary>
        public long RepairsSent { get; }

        public string ToLine() => string.Join(
            " ",
            "stats",
            ProcessorTime.Ticks.ToString(CultureInfo.InvariantCulture),
            BytesSent.ToString(CultureInfo.InvariantCulture),
            DatagramsSent.ToString(CultureInfo.InvariantCulture),
            DatagramsReceived.ToString(CultureInfo.InvariantCulture),
            KernelDrops.ToString(CultureInfo.InvariantCulture),
            QueueDrops.ToString(CultureInfo.InvariantCulture),
            RepairsSent.ToString(CultureInfo.InvariantCulture));

        public static RelayStats Parse(string line)
        {
            string[] parts = line.Split(' ');
            if (parts.Length != 8 || parts[0] != "stats")
            {
                throw new FormatException("The relay process answered '" + line + "' instead of its stats.");
            }

            long Part(int i) => long.Parse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture);
            return new RelayStats(TimeSpan.FromTicks(Part(1)), Part(2), Part(3), Part(4), Part(5), Part(6), Part(7));
        }
    }
}
