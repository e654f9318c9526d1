using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BenchmarkDotNet.Loggers;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// BenchmarkDotNet's console, reduced: its errors, and one progress line per benchmark (its name
    /// and the seconds since the first), on stderr (the markdown report owns stdout). Everything else
    /// it says (environment, statistics, its own summary) goes only to its log file.
    /// </summary>
    internal sealed class StderrLogger : ILogger
    {
        private const string BenchmarkPrefix = "// Benchmark: ";

        // Logged as an error when a configuration has no exporter: this one means to have none.
        private const string NoExporters = "//    * No exporters defined";
        private readonly StringBuilder line = new StringBuilder();
        private readonly Dictionary<string, string> names;
        private readonly Stopwatch watch = new Stopwatch();
        private LogKind lineKind;

        /// <param name="names">The short name of each benchmark by the display text BenchmarkDotNet logs for it.</param>
        public StderrLogger(Dictionary<string, string> names)
        {
            this.names = names;
        }

        public string Id => nameof(StderrLogger);

        public int Priority => 0;

        /// <summary>How many benchmarks have started.</summary>
        public int Started { get; private set; }

        /// <summary>How many benchmarks there are, for the progress lines.</summary>
        public int Total => names.Count;

        public void Write(LogKind logKind, string text)
        {
            if (line.Length == 0)
            {
                lineKind = logKind;
            }

            line.Append(text);
        }

        public void WriteLine() => EndLine();

        public void WriteLine(LogKind logKind, string text)
        {
            Write(logKind, text);
            EndLine();
        }

        public void Flush() => Console.Error.Flush();

        private void EndLine()
        {
            string text = line.ToString();
            line.Clear();
            if (text.StartsWith(BenchmarkPrefix, StringComparison.Ordinal))
            {
                watch.Start();
                Started++;
                string display = text.Substring(BenchmarkPrefix.Length);
                Console.Error.WriteLine(string.Format(
                    CultureInfo.InvariantCulture,
                    "  micro {0}/{1} at {2:0.0} s: {3}",
                    Started,
                    Total,
                    watch.Elapsed.TotalSeconds,
                    names.TryGetValue(display, out string? name) ? name : display));
            }
            else if (lineKind == LogKind.Error && text.Length > 0 && !text.StartsWith(NoExporters, StringComparison.Ordinal))
            {
                Console.Error.WriteLine("  micro error: " + text);
            }
        }
    }
}
