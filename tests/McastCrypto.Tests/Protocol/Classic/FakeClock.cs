using System;

namespace McastCrypto.Tests.Protocol.Classic
{
    internal sealed class FakeClock
    {
        public DateTimeOffset Now { get; private set; } = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        public DateTimeOffset Advance(TimeSpan by) => Now += by;

        public DateTimeOffset Advance(double seconds) => Advance(TimeSpan.FromSeconds(seconds));
    }
}
