using System;
using System.Collections.Generic;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// The relay's Hello budgets: at most so many a second in all and so many a second per source
    /// address, in windows of one second of protocol time (the first call after a window ends opens
    /// the next). A source is counted only when the total allows it, so the table holds at most the
    /// total budget's entries, and it is emptied with every window.
    /// </summary>
    /// <remarks>
    /// An IPv6 source is counted by its whole address (an IPv4-mapped one as its IPv4 address), not
    /// by its /64: multicast members share their link, and on one link they share one /64, so a /64
    /// budget would be one budget for every member of the LAN and a joining crowd would lock itself
    /// out. A host can make up many addresses in its /64, as it can forge IPv4 sources on its link;
    /// the total budget is what holds against a flood from anywhere.
    /// </remarks>
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

            IPAddress key = AddressText.Normalize(source);
            bySource.TryGetValue(key, out int used);
            if (used >= perSource)
            {
                return false;
            }

            bySource[key] = used + 1;
            spent++;
            return true;
        }
    }
}
