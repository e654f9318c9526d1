using System.Collections.Generic;
using System.Linq;
using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>Secure on loopback: the time from a lost group datagram to its repair (the goal is under 5 ms).</summary>
    internal static class RepairSection
    {
        public static void Run(BenchRun run)
        {
            (List<double> stream, List<double> tail) = RepairLatency.Run(losses: run.Quick ? 20 : 100);
            BenchTable table = run.Report.AddTable("repair", "Secure: from one lost group datagram to its repair (loopback)", "where the loss is", "losses", "median ms", "min ms", "max ms");
            Add(run.Report, table, "within a stream (noticed from the next datagram)", "stream", stream);
            Add(run.Report, table, "the last datagram (noticed from the tail heartbeat)", "tail", tail);
        }

        private static void Add(BenchReport report, BenchTable table, string name, string key, List<double> milliseconds)
        {
            if (milliseconds.Count == 0)
            {
                table.AddRow(name, 0, null, null, null);
                report.Notes.Add($"Repair {key}: no loss was repaired in the time allowed.");
                return;
            }

            List<double> sorted = milliseconds.OrderBy(m => m).ToList();
            double median = sorted[sorted.Count / 2];
            table.AddRow(name, sorted.Count, median, sorted[0], sorted[sorted.Count - 1]);
            report.Figure($"repair.{key}.medianMilliseconds", median);
        }
    }
}
