using System.Net;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// Wraps a relay's channel and counts what it sends (datagrams and UDP payload bytes): the
    /// relay's own counters count datagrams, not bytes.
    /// </summary>
    internal sealed class CountingChannel : IDatagramChannel
    {
        private readonly IDatagramChannel inner;
        private long bytesSent;
        private long datagramsSent;

        public CountingChannel(IDatagramChannel inner)
        {
            this.inner = inner;
        }

        public long BytesSent => Interlocked.Read(ref bytesSent);

        public long DatagramsSent => Interlocked.Read(ref datagramsSent);

        public IPEndPoint LocalEndPoint => inner.LocalEndPoint;

        public IPAddress Group => inner.Group;

        public int Port => inner.Port;

        public int? ReceiveBufferBytes => inner.ReceiveBufferBytes;

        public long? KernelDrops => inner.KernelDrops;

        public void Send(byte[] datagram)
        {
            inner.Send(datagram);
            Interlocked.Add(ref bytesSent, datagram.Length);
            Interlocked.Increment(ref datagramsSent);
        }

        public Task<Datagram> ReceiveAsync(CancellationToken cancellationToken) => inner.ReceiveAsync(cancellationToken);

        public void Dispose() => inner.Dispose();
    }
}
