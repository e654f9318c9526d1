using System;
using McastCrypto.Bench.Report;

namespace McastCrypto.Bench
{
    /// <summary>What every section of the benchmarks gets: the report to add to, and whether the run is the quick one.</summary>
    internal sealed class BenchRun
    {
        public BenchRun(BenchReport report, bool quick)
        {
            Report = report;
            Quick = quick;
        }

        public BenchReport Report { get; }

        /// <summary>True for <c>build.ps1 -Task Bench -Quick</c>: a reduced grid, the whole run under a minute.</summary>
        public bool Quick { get; }

        /// <summary>A progress line on the console (stderr, so a redirected markdown report stays clean).</summary>
        public void Progress(string message) => Console.Error.WriteLine("  " + message);
    }
}
