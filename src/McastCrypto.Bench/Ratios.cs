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
            report.Ratio("PowerShell pipeline / C# messages/s, while sent (1 KiB)", "pipeline.powershell.messagesPerSecond", "pipeline.csharp.messagesPerSecond", "none set (near 1: the pipeline keeps up)");
            report.Ratio("PowerShell pipeline / C# messages/s, from a full inbox (1 KiB)", "pipeline.powershell.backlog.messagesPerSecond", "pipeline.csharp.backlog.messagesPerSecond", "none set (the pipeline's own cost)");
        }
    }
}
