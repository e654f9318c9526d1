using System;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The Plain relay in the relay's child process: one loop on a <see cref="MulticastChannel"/> (the
    /// sockets Secure uses) that sends each datagram a member sent to the relay to the group again,
    /// marked as the relay's. No cryptography, no reassembly, no repair: the floor of the fan-out.
    /// </summary>
    internal sealed class PlainChildRelay : IChildRelay
    {
        private readonly MulticastChannel channel;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly Task loop;
        private long bytesSent;
        private long datagramsSent;
        private long sendErrors;
        private long datagramsReceived;

        public PlainChildRelay(MulticastOptions network)
        {
            channel = new MulticastChannel(network);
            loop = Task.Run(RelayAsync);
        }

        public string ReadyInfo => "plain";

        public RelayStats Stats(TimeSpan processorTime) =>
            new RelayStats(processorTime, Interlocked.Read(ref bytesSent), Interlocked.Read(ref datagramsSent), Interlocked.Read(ref datagramsReceived), channel.KernelDrops ?? -1, Interlocked.Read(ref sendErrors), 0);

        public void Dispose()
        {
            stop.Cancel();
            channel.Dispose();
            try
            {
                loop.Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task RelayAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                Datagram datagram;
                try
                {
                    datagram = await channel.ReceiveAsync(stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException)
                {
                    return;
                }

                Interlocked.Increment(ref datagramsReceived);
                byte[] payload = datagram.Payload;
                if (payload.Length < PlainCodec.HeaderBytes || payload[0] != PlainCodec.ToRelay)
                {
                    // Its own datagrams, heard back from the group.
                    continue;
                }

                payload[0] = PlainCodec.FromRelay;
                try
                {
                    channel.Send(payload);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (McastTransportException)
                {
                    // The kernel refused it (no buffer): lost, and reported as the relay's drop.
                    Interlocked.Increment(ref sendErrors);
                    continue;
                }

                Interlocked.Add(ref bytesSent, payload.Length);
                Interlocked.Increment(ref datagramsSent);
            }
        }
    }
}
