using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>
    /// Secure on loopback: the time from a lost group datagram to its repair (the goal is under 5 ms;
    /// see <see cref="RepairLatency"/>), and messages/s of 1 KiB to 4 members while 0%, 1% and 10% of
    /// what the members receive is dropped (see <see cref="RepairThroughput"/>).
    /// </summary>
    internal static class RepairSection
    {
        private static readonly int[] Percents = { 0, 1, 10 };

        public static void Run(BenchRun run)
        {
            (List<double> stream, List<double> tail) = RepairLatency.Run(losses: run.Quick ? 10 : 100);
            BenchTable table = run.Report.AddTable("repair", "Secure: from one lost group datagram to its repair (loopback)", "where the loss is", "losses", "median ms", "min ms", "max ms");
            Add(run.Report, table, "within a stream (noticed from the next datagram)", "stream", stream);
            Add(run.Report, table, "the last datagram (noticed from the tail heartbeat)", "tail", tail);
            List<RepairThroughput.Level> levels = Throughput(run);

            BenchTable goals = run.Report.AddTable("repair-goals", "Goals read against (not asserted): repair", "goal", "measured", "met");
            if (stream.Count > 0)
            {
                double median = stream.OrderBy(m => m).ElementAt(stream.Count / 2);
                goals.AddRow("Repair of one loss under 5 ms (within a stream)", $"median {BenchReport.FormatNumber(median)} ms of {stream.Count}", median < 5 ? "yes" : "no");
            }
            else
            {
                goals.AddRow("Repair of one loss under 5 ms (within a stream)", "not measured", null);
            }

            goals.AddRow(
                "Nothing lost under injected loss (" + string.Join(", ", levels.Select(l => l.Percent + "%")) + ")",
                string.Join(", ", levels.Select(l => $"{l.Lost} lost and {l.Gaps} gaps at {l.Percent}%")),
                levels.All(l => l.Lost == 0 && l.Gaps == 0 && !l.CutShort) ? "yes" : "no");
        }

        private static List<RepairThroughput.Level> Throughput(BenchRun run)
        {
            const int receivers = 4;
            TimeSpan perLevel = TimeSpan.FromSeconds(run.Quick ? 0.6 : 3);
            List<RepairThroughput.Level> levels = RepairThroughput.Run(receivers, Percents, perLevel, TimeSpan.FromSeconds(10), run.Progress);
            BenchTable table = run.Report.AddTable(
                "repair-loss",
                $"Secure: 1 KiB messages from one sender to {receivers} members through the relay while each member drops a share of what it receives (loopback, {perLevel.TotalSeconds:0.#} s a level)",
                "dropped at random", "sent", "delivered to all", "messages/s", "lost", "gaps", "datagrams dropped", "Nacks sent", "relay repairs", "sender retransmissions", "seconds");
            foreach (RepairThroughput.Level level in levels)
            {
                table.AddRow(
                    level.Percent + "% of received",
                    level.Sent,
                    level.DeliveredToAll,
                    level.MessagesPerSecond,
                    level.Lost,
                    level.Gaps,
                    level.Dropped,
                    level.NacksSent,
                    level.RepairsSent,
                    level.SenderRetransmissions,
                    level.Seconds);
                run.Report.Figure($"repair.loss{level.Percent}.messagesPerSecond", level.MessagesPerSecond);
                run.Report.Figure($"repair.loss{level.Percent}.lost", level.Lost);
                if (level.CutShort || level.Lost > 0 || level.Gaps > 0 || level.SenderFailed > 0)
                {
                    run.Report.Notes.Add(
                        $"Repair at {level.Percent}% loss: {level.Lost} message copies of {level.Sent * level.Receivers} not delivered{(level.CutShort ? " within the 10 s drain limit" : "")}, "
                        + $"{level.Gaps} gaps reported, {level.GivenUp} datagrams given up, {level.RepairsUnavailable} repairs no longer in the relay's buffer, {level.SenderFailed} of the sender's messages failed.");
                }
            }

            run.Report.Notes.Add(
                "Repair under loss: the drop is on the receiving members' channels only, of every datagram they receive (data, repairs, Rekeys, heartbeats), each independently; the sender and the relay drop nothing, and no sent datagram (Nack, acknowledgement) is dropped. "
                + "Messages/s counts from the level's first send until the last member has every message; lost counts message copies missing at the end, all members together (Secure should lose none).");
            return levels;
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
