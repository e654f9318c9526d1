using System;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// The time a protocol runs on: values that read as times of day but never jump, backwards or
    /// forwards, when someone sets the system clock. Protocol timers (keep-alives, time-outs, retries)
    /// compare these values; see <see cref="MonotonicClock"/>.
    /// </summary>
    public interface IMonotonicClock
    {
        /// <summary>The current time; never earlier than a value read before.</summary>
        DateTimeOffset Now { get; }
    }
}
