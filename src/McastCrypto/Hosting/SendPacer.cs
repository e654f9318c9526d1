using System;
using System.Diagnostics;
using System.Threading;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// A token bucket for outgoing datagrams: bursts up to <see cref="Burst"/> go at once, longer
    /// runs at <see cref="PerSecond"/>. A receiver's socket buffer holds only a few hundred
    /// datagrams and a Classic member spends a private-key operation on each relayed block, so a
    /// relay that fans a long message out at full speed would overrun its members. Not thread-safe:
    /// one sender (a <see cref="ProtocolRunner{TEvent}"/>'s) uses it.
    /// </summary>
    public sealed class SendPacer
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private double tokens;
        private double lastRefill;

        public SendPacer(int perSecond, int burst)
        {
            if (perSecond < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(perSecond));
            }

            if (burst < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(burst));
            }

            PerSecond = perSecond;
            Burst = burst;
            tokens = burst;
        }

        public int PerSecond { get; }

        public int Burst { get; }

        /// <summary>Waits (bounded by the rate) until one datagram may go, or until <paramref name="token"/> is cancelled.</summary>
        public void Take(CancellationToken token)
        {
            while (true)
            {
                double now = clock.Elapsed.TotalSeconds;
                tokens = Math.Min(Burst, tokens + (now - lastRefill) * PerSecond);
                lastRefill = now;
                if (tokens >= 1)
                {
                    tokens -= 1;
                    return;
                }

                int waitMs = Math.Max(1, (int)Math.Ceiling((1 - tokens) * 1000.0 / PerSecond));
                if (token.WaitHandle.WaitOne(waitMs))
                {
                    token.ThrowIfCancellationRequested();
                }
            }
        }
    }
}
