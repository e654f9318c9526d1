using System.Threading;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// Wraps a relay's channel and counts what it sends (datagrams and UDP payload bytes): the
    /// relay's own counters count datagrams, not bytes.
    /// </summary>
    internal sealed class CountingChannel : DelegatingChannel
    {
        private long bytesSent;
        private long datagramsSent;

        public CountingChannel(IDatagramChannel inner)
            : base(inner)
        {
        }

        public long BytesSent => Interlocked.Read(ref bytesSent);

        public long DatagramsSent => Interlocked.Read(ref datagramsSent);

        public override void Send(byte[] datagram)
        {
            Inner.Send(datagram);
            Interlocked.Add(ref bytesSent, datagram.Length);
            Interlocked.Increment(ref datagramsSent);
        }
    }
}
