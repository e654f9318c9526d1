using System;
using System.Collections.Generic;
using System.Net;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// The relay's Hello budgets: at most so many a second in all and so many a second per source
    /// address, in windows of one second of protocol time (the first call after a window ends opens
    /// the next). A source is counted only when the total allows it, so the table holds at most the
    /// total budget's entries, and it is emptied with every window.
    /// </summary>
    internal sealed class HandshakeBudget
    {
        private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

        private readonly int perSecond;
        private readonly int perSource;
        private readonly Dictionary<IPAddress, int> bySource = new Dictionary<IPAddress, int>();
        private DateTimeOffset windowStart = DateTimeOffset.MinValue;
        private int spent;

        public HandshakeBudget(int perSecond, int perSource)
        {
            this.perSecond = perSecond;
            this.perSource = perSource;
        }

        /// <summary>Sources with a count in this window (for tests: bounded by the total budget).</summary>
        internal int SourcesTracked => bySource.Count;

        /// <summary>Spends one Hello for <paramref name="source"/> and returns true, or returns false when a budget is spent.</summary>
        public bool TrySpend(IPAddress source, DateTimeOffset now)
        {
            if (now - windowStart >= Window)
            {
                windowStart = now;
                spent = 0;
                bySource.Clear();
            }

            if (spent >= perSecond)
            {
                return false;
            }

            bySource.TryGetValue(source, out int used);
            if (used >= perSource)
            {
                return false;
            }

            bySource[source] = used + 1;
            spent++;
            return true;
        }
    }
}
