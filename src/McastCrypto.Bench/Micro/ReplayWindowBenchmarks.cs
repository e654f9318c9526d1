using System;
using BenchmarkDotNet.Attributes;
using McastCrypto.Protocol;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// The anti-replay window a Secure relay keeps per member (ReplayWindow, 1,024 numbers): the check
    /// before the AEAD opens a datagram and the update after it did, for the next number in order; and
    /// the check that refuses a number already accepted (a replayed datagram, refused before any
    /// cryptography). The refused number is 100 below the highest, inside the window, so the bitmap
    /// is read (a number too old to tell is refused sooner).
    /// </summary>
    public class ReplayWindowBenchmarks
    {
        private ReplayWindow inOrder = null!;
        private ReplayWindow replayed = null!;
        private ulong next;
        private ulong replay;
        private long notAccepted;

        [GlobalSetup]
        public void Setup()
        {
            inOrder = new ReplayWindow(ReplayWindow.DefaultSize);
            replayed = new ReplayWindow(ReplayWindow.DefaultSize);
            for (ulong s = 1; s <= 5000; s++)
            {
                replayed.Update(s);
            }

            replay = 4900;
            next = 1;
            notAccepted = 0;
            if (replayed.Check(replay))
            {
                throw new InvalidOperationException("ReplayWindowBenchmarks setup: the window does not refuse the replayed number.");
            }
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            if (notAccepted != 0)
            {
                MicroState.Problem($"Replay window: {notAccepted:N0} of {next - 1:N0} numbers offered in order were not accepted.");
            }
        }

        [Benchmark(Description = "Replay window: check and accept the next sequence number")]
        public bool ReplayAcceptInOrder()
        {
            ulong sequence = next++;
            bool accepted = inOrder.Check(sequence) && inOrder.Update(sequence);
            if (!accepted)
            {
                notAccepted++;
            }

            return accepted;
        }

        [Benchmark(Description = "Replay window: refuse a replayed sequence number")]
        public bool ReplayRefuse() => replayed.Check(replay);
    }
}
