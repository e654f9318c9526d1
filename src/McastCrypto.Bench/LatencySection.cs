using System;
using System.Globalization;
using McastCrypto.Bench.EndToEnd;
using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>
    /// End-to-end one-way latency, the four systems in the same harness as the throughput
    /// (<see cref="SystemRig"/>): 1 KiB messages to 4 members, offered at 1,000 messages a second
    /// (open loop: the sender sends what is due whatever arrives), for a fixed time after a warm-up.
    /// </summary>
    /// <remarks>
    /// The sender writes a Stopwatch timestamp into each message just before handing it to the system
    /// (McastSession.Send, the Plain socket, the TLS stream); each member reads the clock when it has
    /// the whole message (for Secure and Classic when its thread takes it from the session with
    /// Receive; for Classic once it has all the pieces). Same process, same clock. One latency per
    /// member per message; p50, p99 and p99.9 over all of them. Classic cannot carry 1,000 messages a
    /// second: it is offered half the rate it reached in a short closed loop (4 members, 1 KiB) with the
    /// same group just before (the table says how much). The rate figure is what was actually offered: messages sent in
    /// the measured part over its time. A message the sender's session refuses (Secure's send buffer of
    /// 1,024 messages full: the system does not carry the rate) is counted as refused, not offered,
    /// and not offered again.
    /// </remarks>
    internal static class LatencySection
    {
        private const int Members = 4;
        private const int Size = 1024;
        private const double Rate = 1000;

        public static void Run(BenchRun run)
        {
            string? load = MachineLoad.Describe();
            TimeSpan warmup = TimeSpan.FromSeconds(0.5);
            TimeSpan duration = TimeSpan.FromSeconds(run.Quick ? 0.6 : 10);
            BenchTable table = run.Report.AddTable(
                "latency",
                string.Format(CultureInfo.InvariantCulture, "One-way latency, {0} B to {1} members through the relay (its own process), loopback; {2} s paced after {3} s of warm-up", Size, Members, duration.TotalSeconds, warmup.TotalSeconds),
                "system",
                "offered messages/s",
                "rate chosen",
                "deliveries",
                "p50 ms",
                "p99 ms",
                "p99.9 ms",
                "max ms",
                "lost",
                "refused",
                "relay CPU %",
                "bench CPU %");

            foreach (BenchSystem system in EndToEndSettings.Systems)
            {
                var opening = System.Diagnostics.Stopwatch.StartNew();
                SystemRig rig;
                try
                {
                    rig = SystemRig.Open(system, Members);
                    run.Progress(string.Format(CultureInfo.InvariantCulture, "latency: {0} (set up in {1:0.0} s)", system, opening.Elapsed.TotalSeconds));
                }
                catch (Exception e)
                {
                    run.Report.Notes.Add($"Latency {system}: could not be set up ({e.GetType().Name}: {e.Message}).");
                    table.AddRow(system.ToString(), null, null, null, null, null, null, null, null, null, null, null);
                    continue;
                }

                using (rig)
                {
                    Measure(run, table, rig, warmup, duration);
                    if (rig.Troubles() is string troubles)
                    {
                        run.Report.Notes.Add($"Latency {system}: {troubles}.");
                    }
                }
            }

            if (MachineLoad.Note("Latency", load, Environment.ProcessorCount) is string note)
            {
                run.Report.Notes.Add(note);
            }
        }

        private static void Measure(BenchRun run, BenchTable table, SystemRig rig, TimeSpan warmup, TimeSpan duration)
        {
            BenchSystem system = rig.System;
            double rate = Rate;
            string chosen = "the goal's rate";
            try
            {
                if (system == BenchSystem.Classic)
                {
                    // What Classic sustains to 4 members now: a short closed loop with the same group
                    // just before (the machine's load moves; a figure from minutes ago can be twice this).
                    CellResult probe = rig.RunClosedLoop(
                        Size,
                        EndToEndSettings.Window(system, Members, Size),
                        warmup,
                        TimeSpan.FromSeconds(run.Quick ? 0.5 : 2),
                        EndToEndSettings.AbandonAfter(system),
                        EndToEndSettings.DrainQuiet(system),
                        EndToEndSettings.DrainCap(system, run.Quick));
                    double sustained = probe.MessagesPerSecond;
                    chosen = string.Format(CultureInfo.InvariantCulture, "half of the {0:0.#}/s of a closed loop just before", sustained);
                    rate = Math.Max(0.5, Math.Floor(sustained / 2 * 10) / 10);
                }

                CellResult r = rig.RunPaced(Size, rate, warmup, duration, EndToEndSettings.DrainQuiet(system), EndToEndSettings.DrainCap(system, run.Quick));
                double[] latencies = r.Latencies ?? Array.Empty<double>();
                Array.Sort(latencies);
                double offered = r.Sent / r.Seconds;
                double? p50 = Percentile(latencies, 0.50);
                double? p99 = Percentile(latencies, 0.99);
                double? p999 = Percentile(latencies, 0.999);
                double? max = latencies.Length == 0 ? null : latencies[latencies.Length - 1];
                run.Progress(string.Format(CultureInfo.InvariantCulture, "  {0}: {1:0.#}/s offered, p50 {2:0.###} ms, p99 {3:0.###} ms, lost {4}", system, offered, p50, p99, r.Lost));
                table.AddRow(system.ToString(), offered, chosen, (long)latencies.Length, p50, p99, p999, max, r.Lost, r.Refused, r.RelayCpuPercent, r.BenchCpuPercent);
                run.Report.Figure($"latency.{system}.rate", offered);
                if (p50 is double a && p99 is double b && p999 is double c)
                {
                    run.Report.Figure($"latency.{system}.p50Milliseconds", a);
                    run.Report.Figure($"latency.{system}.p99Milliseconds", b);
                    run.Report.Figure($"latency.{system}.p999Milliseconds", c);
                }

                if (latencies.Length == 0)
                {
                    run.Report.Notes.Add($"Latency {system}: no delivery in the measured part.");
                }
                else if (latencies.Length < 1000)
                {
                    run.Report.Notes.Add($"Latency {system}: p99.9 of {latencies.Length} deliveries is their maximum or next to it.");
                }

                if (r.Lost > 0)
                {
                    run.Report.Notes.Add($"Latency {system}: {r.Lost} of {r.Sent} messages never reached every member" + (r.DrainCutShort ? " (the drain was cut short while deliveries still came)" : string.Empty) + ".");
                }

                if (r.Refused > 0)
                {
                    run.Report.Notes.Add($"Latency {system}: {r.Refused} of the messages due were refused by the sender's session (its send buffer was full: the system did not carry the rate offered); they are not in the offered rate.");
                }

                if (r.Completed > 0 && r.Sent > 0 && system != BenchSystem.Classic && offered < Rate * 0.95)
                {
                    run.Report.Notes.Add(string.Format(CultureInfo.InvariantCulture, "Latency {0}: the sender offered only {1:0} messages/s of the {2:0} due (its sends blocked).", system, offered, Rate));
                }
            }
            catch (Exception e)
            {
                run.Report.Notes.Add($"Latency {system}: failed ({e.GetType().Name}: {e.Message}).");
                table.AddRow(system.ToString(), null, chosen, null, null, null, null, null, null, null, null, null);
            }
        }

        /// <summary>The value below which a fraction <paramref name="q"/> of the sorted values lie (nearest rank); null for none.</summary>
        private static double? Percentile(double[] sorted, double q)
        {
            if (sorted.Length == 0)
            {
                return null;
            }

            int rank = (int)Math.Ceiling(q * sorted.Length);
            return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
        }
    }
}
