using System;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// At most a number of costly operations (key imports, key answers) per second of protocol time:
    /// the first call after a window of one second has passed opens a new window. Pure: the time comes
    /// in with each call.
    /// </summary>
    internal sealed class PerSecondBudget
    {
        private static readonly TimeSpan Window = TimeSpan.FromSeconds(1);

        private readonly int perSecond;
        private DateTimeOffset windowStart = DateTimeOffset.MinValue;
        private int spent;

        public PerSecondBudget(int perSecond)
        {
            if (perSecond < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(perSecond), perSecond, "A budget allows at least one operation a second.");
            }

            this.perSecond = perSecond;
        }

        /// <summary>Spends one operation and returns true, or returns false when this second's are spent.</summary>
        /// <summary>What is left of this second's budget at <paramref name="now"/> (a new second starts a new budget).</summary>
        public int Remaining(DateTimeOffset now)
        {
            Roll(now);
            return perSecond - spent;
        }

        /// <summary>Spends <paramref name="count"/> of what <see cref="Remaining"/> said is left.</summary>
        public void Spend(int count)
        {
            spent = Math.Min(perSecond, spent + Math.Max(0, count));
        }

        private void Roll(DateTimeOffset now)
        {
            if (now - windowStart >= Window)
            {
                windowStart = now;
                spent = 0;
            }
        }

        public bool TrySpend(DateTimeOffset now)
        {
            if (now - windowStart >= Window)
            {
                windowStart = now;
                spent = 0;
            }

            if (spent >= perSecond)
            {
                return false;
            }

            spent++;
            return true;
        }
    }
}
