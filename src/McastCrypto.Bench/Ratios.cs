using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>
    /// The ratios the report is read against (issue 11's goals), from the figures the sections
    /// recorded. A figure a section did not measure (a section left out with --only) gives n/a.
    /// </summary>
    internal static class Ratios
    {
        public static void Add(BenchReport report)
        {
            // Each section adds its ratios here as it lands; a ratio whose figures are missing reads n/a.
            report.Ratio("Secure messages/s at 10% loss / at 0% (1 KiB, 4 members)", "repair.loss10.messagesPerSecond", "repair.loss0.messagesPerSecond", "none set (what repair costs)");
        }
    }
}
