using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using McastCrypto.Bench.Report;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Bench
{
    /// <summary>
    /// The PowerShell pipeline against C#, on loopback: a Secure relay and a sender in this process
    /// send N messages of 1 KiB (<see cref="SendLoop"/>) to one reading session, first a session of
    /// this process read with <see cref="McastSession.Receive"/> (waiting with
    /// <see cref="McastSession.WaitForArrivals"/>, as the cmdlet does), then a session of a child
    /// PowerShell ('dotnet pwsh', the repository's local tool, running PipelineReader.ps1 with the
    /// staged module out/McastCrypto) read with <c>Receive-McastMessage -Wait -Count | Measure-Object</c>.
    /// Each side is timed twice, by a clock in the reading process:
    /// <list type="bullet">
    /// <item>while the messages are sent: from the first message in hand to the last record taken
    /// (counted by Measure-Object on the PowerShell side); messages/s is the records after the first
    /// over that time. This is the figure <c>pipeline.&lt;side&gt;.messagesPerSecond</c>; where the
    /// reader keeps up, it is the sender's and the relay's rate, not the reader's.</item>
    /// <item>from a full inbox: N more messages are sent and have all arrived in the session before
    /// the clock starts; it stops when the last record was taken. The reader's own cost
    /// (<c>pipeline.&lt;side&gt;.backlog.messagesPerSecond</c>).</item>
    /// </list>
    /// The child's start-up is not measured; it runs alongside this process on the same cores. It is
    /// killed, by its process id, if it outlives its time.
    /// </summary>
    internal static class PipelineSection
    {
        private const int MessageBytes = 1024;

        public static void Run(BenchRun run)
        {
            int count = run.Quick ? 1000 : 20000;
            TimeSpan limit = TimeSpan.FromSeconds(run.Quick ? 30 : 90);
            BenchTable table = run.Report.AddTable(
                "pipeline",
                $"Secure: {count:N0} messages of 1 KiB read by one session: C# against the PowerShell pipeline (loopback)",
                "reader", "records", "ms", "messages/s", "gaps", "sent");

            MulticastOptions network = LoopbackGroup.NewNetwork();
            var sessions = new List<McastSession>();
            McastRelay relay = McastRelay.Start(new McastRelayOptions { Name = "bench-pipeline", Network = network, HandshakesPerSourcePerSecond = 16 });
            try
            {
                McastSession sender = McastSession.Open(LoopbackGroup.Session(relay, network, "sender"), CancellationToken.None);
                sessions.Add(sender);
                byte[] payload = new byte[MessageBytes];
                new Random(6).NextBytes(payload);

                run.Progress($"C#: {count:N0} messages through McastSession.Receive");
                CSharp(run, table, relay, network, sender, payload, count, limit);

                run.Progress($"PowerShell: {count:N0} messages through Receive-McastMessage -Wait | Measure-Object (dotnet pwsh)");
                PowerShell(run, table, relay, network, sender, payload, count, limit);
            }
            finally
            {
                relay.Stop();
                sessions.ForEach(s => s.Dispose());
            }
        }

        private static void CSharp(BenchRun run, BenchTable table, McastRelay relay, MulticastOptions network, McastSession sender, byte[] payload, int count, TimeSpan limit)
        {
            using McastSession reader = McastSession.Open(LoopbackGroup.Session(relay, network, "bench-reader"), CancellationToken.None);
            reader.Receive();
            var after = new Dictionary<McastSession, long> { [reader] = 0 };

            // 1. Streamed: the clock starts once the first message is in hand.
            long gapsBefore = reader.Gaps;
            SendLoop.Result sent = default;
            var sending = new Thread(() => sent = SendLoop.Run(sender, payload, n => n < count, limit)) { IsBackground = true, Name = "bench-sender" };
            sending.Start();
            var deadline = Stopwatch.StartNew();
            int first = 0;
            while (first == 0 && deadline.Elapsed < limit)
            {
                McastSession.WaitForArrivals(after, TimeSpan.FromMilliseconds(250), CancellationToken.None);
                first = Take(reader, after, 1);
            }

            var clock = Stopwatch.StartNew();
            int records = 0;
            while (first > 0 && records < count - 1 && deadline.Elapsed < limit)
            {
                McastSession.WaitForArrivals(after, TimeSpan.FromMilliseconds(250), CancellationToken.None);
                records += Take(reader, after, count - 1 - records);
            }

            double seconds = clock.Elapsed.TotalSeconds;
            sending.Join(limit);
            Add(run, table, "C#: McastSession.Receive, while the messages are sent", "csharp", first + records, seconds, records / seconds, reader.Gaps - gapsBefore, sent.Sent, count);

            // 2. Backlog: every message is in the session before the clock starts.
            gapsBefore = reader.Gaps;
            long target = reader.MessagesReceived + count;
            sent = SendLoop.Run(sender, payload, n => n < count, limit);
            deadline.Restart();
            while (reader.MessagesReceived < target && deadline.Elapsed < limit)
            {
                Thread.Sleep(5);
            }

            clock.Restart();
            records = 0;
            while (records < count && deadline.Elapsed < limit + limit)
            {
                McastSession.WaitForArrivals(after, TimeSpan.FromMilliseconds(250), CancellationToken.None);
                records += Take(reader, after, count - records);
            }

            seconds = clock.Elapsed.TotalSeconds;
            Add(run, table, "C#: McastSession.Receive, from a full inbox", "csharp.backlog", records, seconds, records / seconds, reader.Gaps - gapsBefore, sent.Sent, count);
        }

        /// <summary>Takes up to <paramref name="max"/> records as Receive-McastMessage does, moving <paramref name="after"/> on; returns how many.</summary>
        private static int Take(McastSession reader, Dictionary<McastSession, long> after, int max)
        {
            IReadOnlyList<McastMessage> taken = reader.Receive(after[reader], keep: false, max);
            if (taken.Count > 0)
            {
                after[reader] = taken[taken.Count - 1].Sequence;
            }

            return taken.Count;
        }

        private static void PowerShell(BenchRun run, BenchTable table, McastRelay relay, MulticastOptions network, McastSession sender, byte[] payload, int count, TimeSpan limit)
        {
            string? root = FindRepository();
            string? module = root is null ? null : Path.Combine(root, "out", "McastCrypto", "McastCrypto.psd1");
            string? script = root is null ? null : Path.Combine(root, "src", "McastCrypto.Bench", "PipelineReader.ps1");
            if (root is null || !File.Exists(module) || !File.Exists(script))
            {
                table.AddRow("PowerShell: Receive-McastMessage -Wait | Measure-Object", null, null, null, null, null);
                run.Report.Notes.Add($"Pipeline: the PowerShell side did not run: {(root is null ? "the repository (build.ps1 beside McastCrypto.psd1) was not found above " + AppContext.BaseDirectory : "the staged module " + module + " is missing (build.ps1 -Task Build stages it; -Task Bench builds first)")}.");
                return;
            }

            string staged = Path.Combine(root, "out", "McastCrypto", "lib", "net8.0", "McastCrypto.dll");
            run.Report.Notes.Add(
                $"Pipeline: the PowerShell side imported the module staged in out/McastCrypto (its net8.0 McastCrypto.dll written {(File.Exists(staged) ? File.GetLastWriteTimeUtc(staged).ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) : "nowhere: missing")}); "
                + "build.ps1 -Task Bench stages it from the same sources just before the run, a bare 'dotnet run' of the benchmarks does not.");

            var lines = new BlockingCollection<string>();
            var errors = new ConcurrentQueue<string>();
            var start = new ProcessStartInfo("dotnet")
            {
                WorkingDirectory = root,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string argument in new[]
            {
                "pwsh", "-NoLogo", "-NoProfile", "-NonInteractive", "-File", script,
                "-ModulePath", module!,
                "-Group", network.Group.ToString(),
                "-Port", network.Port.ToString(CultureInfo.InvariantCulture),
                "-RelayFingerprint", relay.KeyFingerprint,
                "-Count", count.ToString(CultureInfo.InvariantCulture),
                "-TimeoutSeconds", limit.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            })
            {
                start.ArgumentList.Add(argument);
            }

            Process? child = null;
            try
            {
                child = Process.Start(start) ?? throw new InvalidOperationException("dotnet pwsh did not start.");
                child.StandardInput.Close();
                child.OutputDataReceived += (_, e) =>
                {
                    if (e.Data is not null)
                    {
                        lines.Add(e.Data);
                    }
                };
                child.ErrorDataReceived += (_, e) =>
                {
                    if (!string.IsNullOrWhiteSpace(e.Data) && errors.Count < 20)
                    {
                        errors.Enqueue(e.Data);
                    }
                };
                child.BeginOutputReadLine();
                child.BeginErrorReadLine();

                var deadline = Stopwatch.StartNew();
                if (!WaitForLine(lines, child, l => l == "ready", TimeSpan.FromSeconds(60), out _))
                {
                    Failed(run, table, "PowerShell did not join within 60 s of its start", errors);
                    return;
                }

                run.Progress($"PowerShell joined {deadline.Elapsed.TotalSeconds:0.0} s after its start");
                SendLoop.Result sent = SendLoop.Run(sender, payload, n => n < count, limit);
                if (!Result(run, table, lines, child, errors, "stream", "Receive-McastMessage -Wait | Measure-Object, while the messages are sent", "powershell", sent.Sent, count, limit))
                {
                    return;
                }

                if (!WaitForLine(lines, child, l => l == "ready-backlog", TimeSpan.FromSeconds(15), out _))
                {
                    Failed(run, table, "PowerShell did not start its second phase", errors);
                    return;
                }

                sent = SendLoop.Run(sender, payload, n => n < count, limit);
                Result(run, table, lines, child, errors, "backlog", "Receive-McastMessage -Wait | Measure-Object, from a full inbox", "powershell.backlog", sent.Sent, count, limit);
                child.WaitForExit(10000);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception || e is JsonException || e is KeyNotFoundException || e is InvalidOperationException)
            {
                Failed(run, table, e.Message, errors);
            }
            finally
            {
                if (child is not null)
                {
                    if (!child.HasExited)
                    {
                        // Only the process this section started, by its id, with what it started.
                        child.Kill(entireProcessTree: true);
                        child.WaitForExit(5000);
                    }

                    child.Dispose();
                }
            }
        }

        /// <summary>Reads the child's JSON line for <paramref name="phase"/> and adds its row; false (with a note) when none came.</summary>
        private static bool Result(BenchRun run, BenchTable table, BlockingCollection<string> lines, Process child, ConcurrentQueue<string> errors, string phase, string what, string key, long sent, int count, TimeSpan limit)
        {
            if (!WaitForLine(lines, child, l => l.StartsWith("{", StringComparison.Ordinal), limit + limit + TimeSpan.FromSeconds(15), out string? json))
            {
                Failed(run, table, $"PowerShell reported no result for its {phase} phase in time", errors);
                return false;
            }

            using JsonDocument result = JsonDocument.Parse(json!);
            JsonElement r = result.RootElement;
            if (r.GetProperty("phase").GetString() != phase)
            {
                Failed(run, table, $"PowerShell reported its {r.GetProperty("phase").GetString()} phase where {phase} was due", errors);
                return false;
            }

            Add(
                run,
                table,
                $"PowerShell {r.GetProperty("version").GetString()}: {what}",
                key,
                r.GetProperty("records").GetInt32(),
                r.GetProperty("seconds").GetDouble(),
                r.GetProperty("perSecond").GetDouble(),
                r.GetProperty("gaps").GetInt64(),
                sent,
                count);
            return true;
        }

        private static bool WaitForLine(BlockingCollection<string> lines, Process child, Func<string, bool> match, TimeSpan limit, out string? line)
        {
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < limit)
            {
                if (lines.TryTake(out string? next, TimeSpan.FromMilliseconds(100)))
                {
                    if (match(next))
                    {
                        line = next;
                        return true;
                    }

                    continue;
                }

                if (child.HasExited && lines.Count == 0)
                {
                    break;
                }
            }

            line = null;
            return false;
        }

        private static void Failed(BenchRun run, BenchTable table, string why, ConcurrentQueue<string> errors)
        {
            table.AddRow("PowerShell: Receive-McastMessage -Wait | Measure-Object", null, null, null, null, null);
            string said = errors.IsEmpty ? "" : " It wrote: " + string.Join(" / ", errors.Take(5));
            run.Report.Notes.Add($"Pipeline: the PowerShell side failed: {why}.{said}");
        }

        private static void Add(BenchRun run, BenchTable table, string label, string key, int records, double seconds, double rate, long gaps, long sent, int count)
        {
            table.AddRow(label, records, seconds * 1000, rate, gaps, sent);
            run.Report.Figure($"pipeline.{key}.messagesPerSecond", rate);
            if (records < count || gaps > 0 || sent < count)
            {
                run.Report.Notes.Add($"Pipeline ({key}): {records} of {count} records read, {sent} sent, {gaps} gaps: the run was cut short or lost messages.");
            }
        }

        /// <summary>The repository this benchmark was built from: the first folder above it with build.ps1 and McastCrypto.psd1.</summary>
        private static string? FindRepository()
        {
            for (DirectoryInfo? dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "build.ps1")) && File.Exists(Path.Combine(dir.FullName, "McastCrypto.psd1")))
                {
                    return dir.FullName;
                }
            }

            return null;
        }
    }
}
