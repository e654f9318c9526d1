using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>
    /// The benchmarks, run by <c>build.ps1 -Task Bench</c>: every section in one process, one after
    /// the other, so the figures come from the same machine in the same state. Prints a markdown
    /// report and writes it as JSON.
    /// Arguments: <c>--quick</c> (a reduced grid), <c>--output &lt;file.json&gt;</c> (default
    /// out/bench.json; the markdown is written beside it as .md), <c>--only a,b</c> (sections by name).
    /// </summary>
    internal static class Program
    {
        /// <summary>The sections in the order they run; the ratios come last.</summary>
        private static readonly (string Name, Action<BenchRun> Run)[] Sections =
        {
            ("throughput", ThroughputSection.Run),
            ("latency", LatencySection.Run),
            ("membership", MembershipSection.Run),
            ("repair", RepairSection.Run),
            ("micro", MicroSection.Run),
            ("pipeline", PipelineSection.Run),
        };

        private static int Main(string[] args)
        {
            if (args.Length > 0 && args[0] == EndToEnd.RelayProcess.Role)
            {
                // A relay's child process of the end-to-end sections (see RelayProcess).
                return EndToEnd.RelayProcess.Run(args);
            }

            bool quick = false;
            string output = Path.Combine("out", "bench.json");
            HashSet<string>? only = null;
            for (int i = 0; i < args.Length; i++)
            {
                switch (args[i])
                {
                    case "--quick":
                        quick = true;
                        break;
                    case "--output" when i + 1 < args.Length:
                        output = args[++i];
                        break;
                    case "--only" when i + 1 < args.Length:
                        only = new HashSet<string>(args[++i].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), StringComparer.OrdinalIgnoreCase);
                        break;
                    default:
                        Console.Error.WriteLine($"Unknown argument '{args[i]}'. Use --quick, --output <file.json>, --only <section,...> ({string.Join(", ", Sections.Select(s => s.Name))}).");
                        return 2;
                }
            }

            if (only is not null && only.FirstOrDefault(name => !Sections.Any(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))) is string unknown)
            {
                Console.Error.WriteLine($"No section '{unknown}'; the sections are {string.Join(", ", Sections.Select(s => s.Name))}.");
                return 2;
            }

            var report = new BenchReport(quick);
            var run = new BenchRun(report, quick);
            Console.Error.WriteLine($"McastCrypto benchmarks{(quick ? " (quick)" : "")} on {report.Machine.Summary}");
            var total = Stopwatch.StartNew();
            foreach ((string name, Action<BenchRun> section) in Sections)
            {
                if (only is not null && !only.Contains(name))
                {
                    continue;
                }

                Console.Error.WriteLine($"== {name}");
                var watch = Stopwatch.StartNew();
                section(run);
                Console.Error.WriteLine($"   {name}: {watch.Elapsed.TotalSeconds:0.0} s");
            }

            Ratios.Add(report);
            report.FinishedAt = DateTimeOffset.UtcNow;
            Console.Error.WriteLine($"All sections: {total.Elapsed.TotalSeconds:0.0} s");

            string markdown = report.ToMarkdown();
            Console.WriteLine();
            Console.WriteLine(markdown);
            string json = Path.GetFullPath(output);
            Directory.CreateDirectory(Path.GetDirectoryName(json)!);
            File.WriteAllText(json, report.ToJson());
            File.WriteAllText(Path.ChangeExtension(json, ".md"), markdown);
            Console.WriteLine("Written to " + json + " and " + Path.ChangeExtension(json, ".md"));
            return 0;
        }
    }
}
