using System;
using McastCrypto.Hosting;

namespace McastCrypto.Tests.Hosting
{
    /// <summary>A clock a test moves by hand; thread-safe.</summary>
    internal sealed class FakeMonotonicClock : IMonotonicClock
    {
        private readonly object gate = new object();
        private DateTimeOffset now = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        public DateTimeOffset Now
        {
            get
            {
                lock (gate)
                {
                    return now;
                }
            }
        }

        public DateTimeOffset Advance(TimeSpan by)
        {
            if (by < TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(by), "A monotonic clock does not go back.");
            }

            lock (gate)
            {
                return now += by;
            }
        }
    }
}
