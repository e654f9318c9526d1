using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace McastCrypto.Bench.Report
{
    /// <summary>The machine a run measured: processor, cores, memory, operating system, runtime.</summary>
    internal sealed class MachineInfo
    {
        private MachineInfo(string processor, int cores, long memoryBytes, string os, string runtime, long? receiveBufferMax)
        {
            Processor = processor;
            Cores = cores;
            MemoryBytes = memoryBytes;
            OperatingSystem = os;
            Runtime = runtime;
            KernelReceiveBufferMax = receiveBufferMax;
        }

        public string Processor { get; }

        public int Cores { get; }

        public long MemoryBytes { get; }

        public string OperatingSystem { get; }

        public string Runtime { get; }

        /// <summary>net.core.rmem_max on Linux: the largest socket receive buffer a process may get.</summary>
        public long? KernelReceiveBufferMax { get; }

        public string Summary =>
            $"{Processor}, {Cores} cores, {MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB, {OperatingSystem}, {Runtime}" +
            (KernelReceiveBufferMax is long max ? $", net.core.rmem_max {max / 1024} KiB" : "");

        public static MachineInfo Describe()
        {
            string processor = RuntimeInformation.ProcessArchitecture.ToString();
            try
            {
                if (File.Exists("/proc/cpuinfo"))
                {
                    string? model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
                    if (model is not null)
                    {
                        processor = model.Substring(model.IndexOf(':') + 1).Trim();
                    }
                }
            }
            catch (IOException)
            {
            }

            long? rmemMax = null;
            try
            {
                if (File.Exists("/proc/sys/net/core/rmem_max") && long.TryParse(File.ReadAllText("/proc/sys/net/core/rmem_max").Trim(), out long value))
                {
                    rmemMax = value;
                }
            }
            catch (IOException)
            {
            }

            return new MachineInfo(
                processor,
                Environment.ProcessorCount,
                GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
                RuntimeInformation.OSDescription,
                RuntimeInformation.FrameworkDescription,
                rmemMax);
        }
    }
}
