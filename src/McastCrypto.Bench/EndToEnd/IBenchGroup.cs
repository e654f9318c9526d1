using System;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The bench process's side of one system: a sender and N receiving members, reporting each
    /// message a member has to a <see cref="DeliveryTracker"/>.
    /// </summary>
    internal interface IBenchGroup : IDisposable
    {
        /// <summary>
        /// Sends message <paramref name="sequence"/> of <paramref name="size"/> bytes, stamped with
        /// the Stopwatch now, as the system's sender does (blocking as it blocks). False when the
        /// system refused it because its send buffer is full (Secure, offered more than it carries).
        /// </summary>
        bool Send(long sequence, int size);

        /// <summary>Datagrams the kernel dropped at the members' and the sender's receive sockets, in all (0 for TCP).</summary>
        long KernelDrops { get; }

        /// <summary>What the members themselves report as lost or dropped, for the notes; null when nothing.</summary>
        string? Troubles();
    }
}
