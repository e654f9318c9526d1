using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Transport
{
    /// <summary>
    /// Records every datagram sent to a group, in the background, up to a limit (past it, datagrams
    /// are counted in <see cref="Missed"/>). For looking at what a protocol puts on the wire: the demo's
    /// capture, tests, a user debugging a group on loopback.
    /// </summary>
    public sealed class GroupCapture : IDisposable
    {
        private readonly IDatagramChannel channel;
        private readonly List<Datagram> datagrams = new List<Datagram>();
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly Task loop;
        private readonly int limit;
        private long missed;

        public GroupCapture(MulticastOptions options, int limit = 100000)
            : this(new MulticastChannel(options), limit)
        {
        }

        public GroupCapture(IDatagramChannel channel, int limit = 100000)
        {
            this.channel = channel ?? throw new ArgumentNullException(nameof(channel));
            if (limit < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(limit));
            }

            this.limit = limit;
            loop = Task.Run(RecordAsync);
        }

        /// <summary>Datagrams not kept because the limit was reached.</summary>
        public long Missed => Interlocked.Read(ref missed);

        public int Count
        {
            get
            {
                lock (datagrams)
                {
                    return datagrams.Count;
                }
            }
        }

        /// <summary>A copy of what was recorded so far, in arrival order.</summary>
        public IReadOnlyList<Datagram> Datagrams()
        {
            lock (datagrams)
            {
                return datagrams.ToArray();
            }
        }

        /// <summary>Stops recording and closes the channel; what was recorded stays readable.</summary>
        public void Dispose()
        {
            stopping.Cancel();
            channel.Dispose();
            try
            {
                loop.Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
                // The loop ends on cancellation or disposal.
            }
        }

        private async Task RecordAsync()
        {
            while (!stopping.IsCancellationRequested)
            {
                Datagram datagram;
                try
                {
                    datagram = await channel.ReceiveAsync(stopping.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException)
                {
                    return;
                }
                catch (McastTransportException)
                {
                    Interlocked.Increment(ref missed);
                    continue;
                }

                lock (datagrams)
                {
                    if (datagrams.Count < limit)
                    {
                        datagrams.Add(datagram);
                        continue;
                    }
                }

                Interlocked.Increment(ref missed);
            }
        }
    }
}
