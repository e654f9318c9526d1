using System;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The closed loop's settings per system, written once for both end-to-end sections. The window
    /// (messages sent and not yet delivered to every member) is large enough to keep each system busy
    /// and small enough that none is pushed into a loss it would not have in real use: the receive
    /// buffers (4 MiB asked for; net.core.rmem_max caps it) hold every datagram a window can put in
    /// flight, and Secure's window stays within its send window of 256 fragments (16 messages of
    /// 16 KiB are 208 fragments). Classic's members spend an RSA private-key operation on every
    /// copy the relay sends (their own and the others', which fail), so it gets two messages in flight
    /// (four to a single member): one being decrypted by the members while the next goes through the relay.
    /// </summary>
    internal static class EndToEndSettings
    {
        /// <summary>The order the systems are measured and shown in.</summary>
        public static readonly BenchSystem[] Systems = { BenchSystem.Secure, BenchSystem.Classic, BenchSystem.Plain, BenchSystem.TlsFanout };

        public static int Window(BenchSystem system, int members, int size)
        {
            if (system == BenchSystem.Classic)
            {
                return members <= 1 ? 4 : 2;
            }

            return size <= 64 ? 256 : size <= 1024 ? 128 : 16;
        }

        /// <summary>
        /// How long the sender waits for a message to reach every member before it frees the message's
        /// place in the window (the message still counts if it arrives later): past Secure's repair
        /// time-out (5 s), at once for Plain (nothing repairs it).
        /// </summary>
        public static TimeSpan AbandonAfter(BenchSystem system) => system switch
        {
            BenchSystem.Plain => TimeSpan.FromMilliseconds(500),
            BenchSystem.Classic => TimeSpan.FromSeconds(10),
            _ => TimeSpan.FromSeconds(6),
        };

        /// <summary>The drain ends when nothing arrived for this long...</summary>
        public static TimeSpan DrainQuiet(BenchSystem system) =>
            system == BenchSystem.Classic ? TimeSpan.FromSeconds(2) : TimeSpan.FromMilliseconds(500);

        /// <summary>...or at the latest after this long (past Secure's repair time-out).</summary>
        public static TimeSpan DrainCap(BenchSystem system, bool quick) =>
            system == BenchSystem.Classic ? TimeSpan.FromSeconds(quick ? 3 : 10) : TimeSpan.FromSeconds(6);
    }
}
