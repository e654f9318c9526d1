using System.Net;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;

namespace McastCrypto.Bench
{
    /// <summary>
    /// A channel that hands everything to the one it wraps: the benchmarks' decorators (counting,
    /// dropping) derive from it and override only what they change.
    /// </summary>
    internal abstract class DelegatingChannel : IDatagramChannel
    {
        protected DelegatingChannel(IDatagramChannel inner)
        {
            Inner = inner;
        }

        public IPEndPoint LocalEndPoint => Inner.LocalEndPoint;

        public IPAddress Group => Inner.Group;

        public int Port => Inner.Port;

        public int? ReceiveBufferBytes => Inner.ReceiveBufferBytes;

        public long? KernelDrops => Inner.KernelDrops;

        protected IDatagramChannel Inner { get; }

        public virtual void Send(byte[] datagram) => Inner.Send(datagram);

        public virtual Task<Datagram> ReceiveAsync(CancellationToken cancellationToken) => Inner.ReceiveAsync(cancellationToken);

        public void Dispose() => Inner.Dispose();
    }
}
