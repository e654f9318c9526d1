using System;
using System.Diagnostics;

namespace McastCrypto.Bench
{
    /// <summary>
    /// Times an operation: a warm-up, then rounds of a calibrated number of calls, reporting the
    /// median time per call. A plain Stopwatch harness: the operations measured here take micro- to
    /// milliseconds, where this is accurate enough to compare, and it needs nothing to install.
    /// </summary>
    internal static class Measure
    {
        public static Result Run(string name, string unit, Action operation, double targetRoundSeconds = 0.2, int rounds = 5)
        {
            operation();
            int calls = 1;
            var watch = Stopwatch.StartNew();
            while (true)
            {
                watch.Restart();
                for (int i = 0; i < calls; i++)
                {
                    operation();
                }

                if (watch.Elapsed.TotalSeconds >= targetRoundSeconds / 4 || calls >= 1 << 24)
                {
                    break;
                }

                calls *= 2;
            }

            calls = Math.Max(1, (int)(calls * (targetRoundSeconds / Math.Max(watch.Elapsed.TotalSeconds, 1e-6))));
            var perCall = new double[rounds];
            for (int r = 0; r < rounds; r++)
            {
                watch.Restart();
                for (int i = 0; i < calls; i++)
                {
                    operation();
                }

                perCall[r] = watch.Elapsed.TotalMilliseconds * 1000 / calls;
            }

            Array.Sort(perCall);
            return new Result(name, unit, perCall[rounds / 2], perCall[0], perCall[rounds - 1], calls * rounds);
        }

        internal sealed class Result
        {
            public Result(string name, string unit, double medianMicroseconds, double minMicroseconds, double maxMicroseconds, long calls)
            {
                Name = name;
                Unit = unit;
                MedianMicroseconds = medianMicroseconds;
                MinMicroseconds = minMicroseconds;
                MaxMicroseconds = maxMicroseconds;
                Calls = calls;
            }

            public string Name { get; }

            public string Unit { get; }

            public double MedianMicroseconds { get; }

            public double MinMicroseconds { get; }

            public double MaxMicroseconds { get; }

            public long Calls { get; }
        }
    }
}
