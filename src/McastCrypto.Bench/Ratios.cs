using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>
    /// The ratios the report is read against (issue 11's goals), from the figures the sections
    /// recorded. A figure a section did not measure (a section left out with --only) gives n/a.
    /// </summary>
    internal static class Ratios
    {
        private static string Size(int bytes) => bytes >= 1024 ? (bytes / 1024) + " KiB" : bytes + " B";

        public static void Add(BenchReport report)
        {
            // Each section adds its ratios here as it lands; a ratio whose figures are missing reads n/a.
            foreach (int size in new[] { 1024, 64 })
            {
                report.Ratio(
                    $"Secure/Classic messages/s, N = 16, {Size(size)}",
                    $"throughput.Secure.n16.{size}.messagesPerSecond",
                    $"throughput.Classic.n16.{size}.messagesPerSecond",
                    "at least 1,000: Secure at least 1,000 times Classic's messages/s at N = 16");
                report.Ratio(
                    $"Secure/TlsFanout messages/s, N = 16, {Size(size)}",
                    $"throughput.Secure.n16.{size}.messagesPerSecond",
                    $"throughput.TlsFanout.n16.{size}.messagesPerSecond",
                    "above 1: Secure ahead of TlsFanout in messages/s at N = 16");
            }

            report.Ratio(
                "Secure/Plain messages/s, N = 4, 1 KiB",
                "throughput.Secure.n4.1024.messagesPerSecond",
                "throughput.Plain.n4.1024.messagesPerSecond",
                "at least 0.5: the cryptography and the reliability cost less than the sockets");
            foreach (int size in new[] { 1024, 64 })
            {
                report.Ratio(
                    $"relay bytes/message Secure/TlsFanout, N = 16, {Size(size)}",
                    $"throughput.Secure.n16.{size}.relayBytesPerMessage",
                    $"throughput.TlsFanout.n16.{size}.relayBytesPerMessage",
                    "below 1: Secure ahead of TlsFanout in relay bytes per message at N = 16");
            }

            report.Ratio("Secure messages/s at 10% loss / at 0% (1 KiB, 4 members)", "repair.loss10.messagesPerSecond", "repair.loss0.messagesPerSecond", "none set (what repair costs)");
            report.Ratio("PowerShell pipeline / C# messages/s, while sent (1 KiB)", "pipeline.powershell.messagesPerSecond", "pipeline.csharp.messagesPerSecond", "none set (near 1: the pipeline keeps up)");
            report.Ratio("PowerShell pipeline / C# messages/s, from a full inbox (1 KiB)", "pipeline.powershell.backlog.messagesPerSecond", "pipeline.csharp.backlog.messagesPerSecond", "none set (the pipeline's own cost)");
        }
    }
}
