using System;
using System.Collections.Generic;
using System.Globalization;
using McastCrypto.Bench.EndToEnd;
using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>
    /// End-to-end throughput, four systems in the same harness (<see cref="BenchSystem"/>): one
    /// sender and N receiving members in this process, the relay in a child process of its own (the
    /// bench executable run as <c>relay</c>), all on loopback.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Each cell (system, N, message size) is a closed loop: the sender keeps at most a window of
    /// messages sent and not yet delivered to every member (<see cref="EndToEndSettings.Window"/>; the
    /// table shows it). After a warm-up, the measured part runs for a fixed time; the clock starts
    /// before the first send of the measured part and stops when the last send of it returns.
    /// </para>
    /// <para>
    /// messages/s: messages that became complete (the last member reported it) while the clock ran,
    /// divided by its time; MB/s: that times the message size (10^6 bytes). Relay CPU per message: the
    /// relay process's TotalProcessorTime (all its threads, user and system), read by the process itself
    /// at the start and the end of the measured part, divided by the same count; relay bytes per
    /// message: bytes the relay sent over the same part (UDP payloads to the group, counted by a
    /// channel decorator; for TlsFanout the TLS records written to the member connections, counted
    /// under the SslStreams). Lost: messages sent during the measured part that some member still
    /// lacked after a drain (until all arrived, or nothing arrived for a while, or a cap). Relay CPU %
    /// and bench CPU % (this process: the sender and the members) are over the measured part, in
    /// percent of one core (2 cores: 200% at most): they say which side was the limit. Kernel drops:
    /// datagrams the kernel dropped at any socket of the cell (members', sender's, relay's; the notes
    /// say where), which a closed loop should keep at 0.
    /// </para>
    /// </remarks>
    internal static class ThroughputSection
    {
        public static void Run(BenchRun run)
        {
            string? load = MachineLoad.Describe();
            int[] memberCounts = run.Quick ? new[] { 4, 16 } : new[] { 1, 4, 16 };
            int[] sizes = run.Quick ? new[] { 1024 } : new[] { 64, 1024, 16384 };
            TimeSpan warmup = TimeSpan.FromSeconds(0.5);
            TimeSpan measure = TimeSpan.FromSeconds(run.Quick ? 0.75 : 3);
            BenchTable table = run.Report.AddTable(
                "throughput",
                string.Format(CultureInfo.InvariantCulture, "End to end: one sender, one relay (its own process), N members, loopback; closed loop, {0} s a cell after {1} s of warm-up", measure.TotalSeconds, warmup.TotalSeconds),
                "system",
                "N",
                "bytes",
                "window",
                "messages/s",
                "MB/s",
                "relay µs/message",
                "relay bytes/message",
                "relay datagrams out/in per message",
                "lost",
                "relay CPU %",
                "bench CPU %",
                "kernel drops, all sockets");

            foreach (BenchSystem system in EndToEndSettings.Systems)
            {
                foreach (int members in memberCounts)
                {
                    string rigName = system + " n" + members;
                    var opening = System.Diagnostics.Stopwatch.StartNew();
                    SystemRig rig;
                    try
                    {
                        rig = SystemRig.Open(system, members);
                        run.Progress(string.Format(CultureInfo.InvariantCulture, "throughput: {0} (set up in {1:0.0} s)", rigName, opening.Elapsed.TotalSeconds));
                    }
                    catch (Exception e)
                    {
                        run.Report.Notes.Add($"Throughput {rigName}: could not be set up ({e.GetType().Name}: {e.Message}); its cells are empty.");
                        foreach (int size in sizes)
                        {
                            table.AddRow(system.ToString(), members, size, null, null, null, null, null, null, null, null, null, null);
                        }

                        continue;
                    }

                    using (rig)
                    {
                        foreach (int size in sizes)
                        {
                            Cell(run, table, rig, size, warmup, measure);
                        }

                        if (rig.Troubles() is string troubles)
                        {
                            run.Report.Notes.Add($"Throughput {rigName}, all its cells: {troubles}.");
                        }

                        if (rig.Tracker.StaleArrivals > 0)
                        {
                            run.Report.Notes.Add($"Throughput {rigName}: {rig.Tracker.StaleArrivals} deliveries of messages no longer tracked were ignored.");
                        }
                    }
                }
            }

            if (MachineLoad.Note("Throughput", load, Environment.ProcessorCount) is string note)
            {
                run.Report.Notes.Add(note);
            }
        }

        private static void Cell(BenchRun run, BenchTable table, SystemRig rig, int size, TimeSpan warmup, TimeSpan measure)
        {
            BenchSystem system = rig.System;
            int window = EndToEndSettings.Window(system, rig.Members, size);
            string name = $"{system} n{rig.Members} {size} B";
            CellResult r;
            try
            {
                r = rig.RunClosedLoop(size, window, warmup, measure, EndToEndSettings.AbandonAfter(system), EndToEndSettings.DrainQuiet(system), EndToEndSettings.DrainCap(system, run.Quick));
            }
            catch (Exception e)
            {
                run.Report.Notes.Add($"Throughput {name}: failed ({e.GetType().Name}: {e.Message}); the cell is empty.");
                table.AddRow(system.ToString(), rig.Members, size, window, null, null, null, null, null, null, null, null, null);
                return;
            }

            run.Progress(string.Format(CultureInfo.InvariantCulture, "  {0}: {1:0.#} messages/s, lost {2}, relay CPU {3:0}%, bench CPU {4:0}%", name, r.MessagesPerSecond, r.Lost, r.RelayCpuPercent, r.BenchCpuPercent));
            table.AddRow(
                system.ToString(),
                rig.Members,
                size,
                window,
                r.MessagesPerSecond,
                r.MegabytesPerSecond,
                r.RelayCpuMicrosecondsPerMessage,
                r.RelayBytesPerMessage,
                r.RelayDatagramsPerMessage,
                r.Lost,
                r.RelayCpuPercent,
                r.BenchCpuPercent,
                r.MemberKernelDrops + r.RelayKernelDrops);

            string key = $"throughput.{system}.n{rig.Members}.{size}.";
            run.Report.Figure(key + "messagesPerSecond", r.MessagesPerSecond);
            run.Report.Figure(key + "megabytesPerSecond", r.MegabytesPerSecond);
            run.Report.Figure(key + "lost", r.Lost);
            if (r.RelayCpuMicrosecondsPerMessage is double cpu)
            {
                run.Report.Figure(key + "relayCpuMicrosecondsPerMessage", cpu);
            }

            if (r.RelayBytesPerMessage is double bytes)
            {
                run.Report.Figure(key + "relayBytesPerMessage", bytes);
            }

            foreach (string note in Notes(r))
            {
                run.Report.Notes.Add($"Throughput {name}: {note}.");
            }
        }

        /// <summary>What a reader must know about a cell besides its row.</summary>
        internal static IEnumerable<string> Notes(CellResult r)
        {
            if (r.Completed == 0)
            {
                yield return string.Format(
                    CultureInfo.InvariantCulture,
                    "no message reached every member within the {0:0.#} s measured: 0 messages/s, no per-message costs ({1})",
                    r.Seconds,
                    r.Sent == 0 ? "nothing could be sent in it: the window was full of warm-up messages still on their way" : r.Sent + " sent in it");
            }

            if (r.Lost > 0)
            {
                yield return $"{r.Lost} of {r.Sent} messages sent never reached every member" + (r.DrainCutShort ? " (the drain was cut short while deliveries still came: some were late, not lost)" : string.Empty);
            }
            else if (r.DrainCutShort)
            {
                yield return "the drain was cut short while deliveries still came";
            }

            if (r.Abandoned > 0)
            {
                yield return $"the sender stopped waiting for {r.Abandoned} messages to keep its window moving";
            }

            if (r.Refused > 0)
            {
                yield return $"the sender's session refused {r.Refused} messages (its send buffer was full)";
            }

            if (r.RelayKernelDrops + r.RelayQueueDrops > 0)
            {
                yield return $"the relay dropped {r.RelayKernelDrops} datagrams at its socket and {r.RelayQueueDrops} in its queues";
            }

            if (r.RelayRepairs > 0)
            {
                yield return $"the relay repaired {r.RelayRepairs} datagrams";
            }
        }
    }
}
