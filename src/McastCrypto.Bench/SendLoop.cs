using System;
using System.Diagnostics;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Session;

namespace McastCrypto.Bench
{
    /// <summary>
    /// A sender as a script's loop would be: one thread calling Send without waiting for the relay's
    /// acknowledgement (under Secure each call returns once its datagrams are queued, and waits by
    /// itself while the send buffer of 1,024 messages is full), pausing 1 ms while
    /// <see cref="Outstanding"/> messages are unacknowledged, and again if Send refuses all the same
    /// (counted: it refuses only after a minute with no acknowledgement).
    /// </summary>
    internal static class SendLoop
    {
        public const int Outstanding = 768;

        /// <summary>Sends <paramref name="payload"/> until <paramref name="more"/> says stop (given the count sent) or the time limit passes.</summary>
        public static Result Run(McastSession sender, byte[] payload, Func<long, bool> more, TimeSpan limit)
        {
            long sent = 0;
            long full = 0;
            var clock = Stopwatch.StartNew();
            while (more(sent) && clock.Elapsed < limit)
            {
                if (sender.MessagesOutstanding >= Outstanding)
                {
                    Thread.Sleep(1);
                    continue;
                }

                try
                {
                    sender.Send(MessageContent.FromData(payload), wait: false, CancellationToken.None);
                    sent++;
                }
                catch (InvalidOperationException) when (sender.State == MemberState.Connected)
                {
                    // Refused all the same (the session lost its relay, or a minute without an outcome).
                    full++;
                    Thread.Sleep(1);
                }
            }

            return new Result(sent, full, clock.Elapsed);
        }

        internal readonly struct Result
        {
            public Result(long sent, long bufferFull, TimeSpan elapsed)
            {
                Sent = sent;
                BufferFull = bufferFull;
                Elapsed = elapsed;
            }

            public long Sent { get; }

            /// <summary>Sends refused because the send buffer was full (each retried after 1 ms).</summary>
            public long BufferFull { get; }

            public TimeSpan Elapsed { get; }
        }
    }
}
