using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Mathematics;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using McastCrypto.Bench.Micro;
using McastCrypto.Bench.Report;
using Perfolizer.Horology;
using Perfolizer.Mathematics.Common;

namespace McastCrypto.Bench
{
    /// <summary>
    /// <para>
    /// Time per operation without sockets, measured by BenchmarkDotNet (the classes in Micro/):
    /// TLV framing, one Secure datagram sealed and opened on each side, the primitives alone,
    /// reassembly of a 64 KiB message, the replay window, RSA-OAEP per backend, and the Classic
    /// relay's cost per message as the group grows (its O(members) weakness).
    /// </para>
    /// <para>
    /// BenchmarkDotNet runs them in this process (InProcessEmitToolchain: nothing is rebuilt), on
    /// the calling thread: for each benchmark a pilot stage picks how many calls fill an iteration,
    /// then warm-up iterations, then the measured iterations, each timed by its Stopwatch around that
    /// many calls, minus the cost of an empty call (its overhead stage; the quick run leaves that
    /// out, and the full collection it forces before each iteration). Mean is the mean time per
    /// call of the measured iterations (upper outliers removed, its default); error is half the 99.9%
    /// confidence interval of that mean; allocated is the managed bytes allocated per call (its
    /// MemoryDiagnoser, counted in one more iteration of the same calls). The clock is the wall
    /// clock on one thread: time another process holds the core counts too, so a note says when
    /// the load average passed the number of cores.
    /// </para>
    /// <para>
    /// Figures: <c>micro.&lt;name&gt;.nanoseconds</c> and <c>micro.&lt;name&gt;.allocatedBytes</c>,
    /// the name being the benchmark method's in camel case (with N and the group size for the Classic
    /// relay). BenchmarkDotNet's log goes to a temporary folder, removed after a clean run.
    /// </para>
    /// </summary>
    internal static class MicroSection
    {
        /// <summary>The benchmark classes, in the order their rows appear.</summary>
        private static readonly Type[] Benchmarks =
        {
            typeof(TlvBenchmarks),
            typeof(SecureDatagramBenchmarks),
            typeof(PrimitiveBenchmarks),
            typeof(ReassemblyBenchmarks),
            typeof(ReplayWindowBenchmarks),
            typeof(RsaOaepBenchmarks),
            typeof(ClassicRelayBenchmarks),
        };

        public static void Run(BenchRun run)
        {
            MicroState.Quick = run.Quick;
            MicroState.TakeProblems();
            double? loadBefore = LoadAverage();
            string artifacts = Path.Combine(Path.GetTempPath(), "McastCrypto.Bench", "micro-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
            var names = new Dictionary<string, string>();
            var logger = new StderrLogger(names);
            IConfig config = Config(run.Quick, artifacts, logger);
            BenchmarkRunInfo[] infos = Benchmarks.Select(type => BenchmarkConverter.TypeToBenchmarks(type, config)).ToArray();
            foreach (BenchmarkCase benchmark in infos.SelectMany(info => info.BenchmarksCases))
            {
                names[benchmark.DisplayInfo] = FigureName(benchmark);
            }

            Summary[] summaries = BenchmarkRunner.Run(infos);

            BenchTable table = run.Report.AddTable("micro", "Time per operation on one thread, no sockets (BenchmarkDotNet, in process)", "operation", "mean ns", "error ns", "stddev ns", "allocated B/op");
            bool clean = true;
            foreach (BenchmarkReport report in summaries.SelectMany(s => s.Reports).OrderBy(Order))
            {
                BenchmarkCase benchmark = report.BenchmarkCase;
                string name = FigureName(benchmark);
                string operation = Operation(benchmark);
                Statistics? statistics = report.ResultStatistics;
                if (!report.Success || statistics is null)
                {
                    clean = false;
                    table.AddRow(operation, null, null, null, null);
                    run.Report.Notes.Add($"Micro {name}: BenchmarkDotNet reported no result (see its log in {artifacts}).");
                    continue;
                }

                double error = statistics.N > 1 ? statistics.GetConfidenceInterval(ConfidenceLevel.L999).Margin : double.NaN;
                long? allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmark);
                table.AddRow(operation, statistics.Mean, error, statistics.StandardDeviation, allocated);
                run.Report.Figure($"micro.{name}.nanoseconds", statistics.Mean);
                if (allocated is long bytes)
                {
                    run.Report.Figure($"micro.{name}.allocatedBytes", bytes);
                }
            }

            int expected = logger.Total;
            int got = summaries.Sum(s => s.Reports.Length);
            if (got != expected)
            {
                clean = false;
                run.Report.Notes.Add($"Micro: {got} of {expected} benchmarks reported (see BenchmarkDotNet's log in {artifacts}).");
            }

            foreach (string problem in MicroState.TakeProblems())
            {
                clean = false;
                run.Report.Notes.Add("Micro: " + problem);
            }

            foreach (Summary summary in summaries.Where(s => s.HasCriticalValidationErrors))
            {
                clean = false;
                run.Report.Notes.Add($"Micro: BenchmarkDotNet refused to run {summary.Title}: {string.Join("; ", summary.ValidationErrors.Where(e => e.IsCritical).Select(e => e.Message))}");
            }

            Shape shape = run.Quick ? Quick : Full;
            run.Report.Notes.Add(string.Format(
                CultureInfo.InvariantCulture,
                "Micro: mean time per call over {0} measured iterations of about {1} ms each (after {2} warm-up), one thread, in process; error is half the 99.9% confidence interval of the mean.{3}",
                shape.Iterations,
                shape.IterationMilliseconds,
                shape.Warmups,
                run.Quick ? " Quick figures are rough (too few iterations for a steady mean, no empty-call subtraction, no forced collection between iterations): compare full runs only." : ""));

            // Wall-clock time per call counts the time other processes held the core: say so when they did.
            double load = Math.Max(loadBefore ?? 0, LoadAverage() ?? 0);
            if (load > Environment.ProcessorCount)
            {
                run.Report.Notes.Add(string.Format(
                    CultureInfo.InvariantCulture,
                    "Micro: the load average reached {0:0.0} on {1} cores during the section: other processes competed for the processor, so these times are longer than on an idle machine.",
                    load,
                    Environment.ProcessorCount));
            }

            if (clean)
            {
                TryDelete(artifacts);
            }
            else
            {
                run.Progress("micro: BenchmarkDotNet's log is kept in " + artifacts);
            }
        }

        /// <summary>The quick run's job: the whole section in well under 10 s on 2 idle cores.</summary>
        private static readonly Shape Quick = new Shape("quick", 1, 3, 15);

        /// <summary>The full run's job: the whole section in under a minute on 2 idle cores.</summary>
        private static readonly Shape Full = new Shape("full", 3, 10, 100);

        /// <summary>
        /// The job: in process (its engine's output goes to the log file only), a fixed number of
        /// iterations of a fixed length, allocations counted.
        /// </summary>
        private static IConfig Config(bool quick, string artifacts, StderrLogger logger)
        {
            Shape shape = quick ? Quick : Full;
            Job job = Job.Default
                .WithId(shape.Name)
                .WithLaunchCount(1)
                .WithWarmupCount(shape.Warmups)
                .WithIterationCount(shape.Iterations)
                .WithIterationTime(TimeInterval.FromMilliseconds(shape.IterationMilliseconds))
                .WithToolchain(InProcessEmitToolchain.Instance);
            if (quick)
            {
                // The empty-call measurement and the forced collections before each iteration cost
                // more than the quick run's iterations themselves: left out, at a nanosecond or two
                // on the shortest operations and collections counted wherever they fall.
                job = job.WithEvaluateOverhead(false).WithGcForce(false);
            }
            return ManualConfig.CreateEmpty()
                .AddJob(job)
                .AddDiagnoser(MemoryDiagnoser.Default)
                .AddColumnProvider(DefaultColumnProviders.Instance)
                .AddLogger(logger)
                .WithArtifactsPath(artifacts)
                .WithOptions(ConfigOptions.JoinSummary);
        }

        /// <summary>Rows in the order of <see cref="Benchmarks"/>, then of the methods in their class, then by group size.</summary>
        private static (int, int, int) Order(BenchmarkReport report)
        {
            BenchmarkCase benchmark = report.BenchmarkCase;
            return (Array.IndexOf(Benchmarks, benchmark.Descriptor.Type), benchmark.Descriptor.MethodIndex, GroupSize(benchmark) ?? 0);
        }

        /// <summary>The method's name in camel case, with N and the group size for the Classic relay: <c>classicRelay1000BytesN8</c>.</summary>
        private static string FigureName(BenchmarkCase benchmark)
        {
            string method = benchmark.Descriptor.WorkloadMethod.Name;
            string name = char.ToLowerInvariant(method[0]) + method.Substring(1);
            return GroupSize(benchmark) is int members ? name + "N" + members.ToString(CultureInfo.InvariantCulture) : name;
        }

        /// <summary>The benchmark's description, with the group size for the Classic relay.</summary>
        private static string Operation(BenchmarkCase benchmark)
        {
            MethodInfo method = benchmark.Descriptor.WorkloadMethod;
            string description = method.GetCustomAttribute<BenchmarkAttribute>()?.Description ?? method.Name;
            return GroupSize(benchmark) is int members
                ? description + string.Format(CultureInfo.InvariantCulture, ", {0} members", members)
                : description;
        }

        private static int? GroupSize(BenchmarkCase benchmark) =>
            benchmark.Parameters[nameof(ClassicRelayBenchmarks.Members)] is int members ? members : (int?)null;

        /// <summary>How long and how often each benchmark is measured.</summary>
        private sealed class Shape
        {
            public Shape(string name, int warmups, int iterations, int iterationMilliseconds)
            {
                Name = name;
                Warmups = warmups;
                Iterations = iterations;
                IterationMilliseconds = iterationMilliseconds;
            }

            public string Name { get; }

            public int Warmups { get; }

            public int Iterations { get; }

            public int IterationMilliseconds { get; }
        }

        /// <summary>The 1-minute load average (Linux /proc/loadavg); null where there is none.</summary>
        private static double? LoadAverage()
        {
            try
            {
                if (File.Exists("/proc/loadavg"))
                {
                    string first = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                    return double.TryParse(first, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;
                }
            }
            catch (IOException)
            {
            }

            return null;
        }

        private static void TryDelete(string folder)
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (IOException)
            {
                // A leftover log in the temporary folder is no reason to fail the run.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
