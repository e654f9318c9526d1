using System;
using System.Diagnostics;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// A clock whose <see cref="Now"/> is the wall time read once, at creation, plus the time a
    /// <see cref="Stopwatch"/> has measured since. Intervals between its values are real elapsed
    /// time whatever happens to the system clock (NTP steps, a user changing the time, a daylight
    /// saving change), so protocol timers neither fire early nor stall.
    /// </summary>
    /// <remarks>
    /// The wall clock only anchors the values so that what users see (when a message arrived, when
    /// the relay was last heard) reads as a time of day. If the system clock is set after creation
    /// those stamps drift from it by the same amount; nothing a protocol decides depends on that.
    /// </remarks>
    public sealed class MonotonicClock : IMonotonicClock
    {
        private readonly DateTimeOffset origin;
        private readonly Stopwatch elapsed;

        /// <summary>Starts a clock at the current wall time (UTC).</summary>
        public MonotonicClock()
        {
            origin = DateTimeOffset.UtcNow;
            elapsed = Stopwatch.StartNew();
        }

        /// <summary>The wall time read at creation (UTC).</summary>
        public DateTimeOffset Origin => origin;

        /// <inheritdoc />
        public DateTimeOffset Now => origin + elapsed.Elapsed;
    }
}
