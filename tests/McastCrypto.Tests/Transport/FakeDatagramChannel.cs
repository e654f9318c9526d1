using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using McastCrypto.Transport;

namespace McastCrypto.Tests.Transport
{
    /// <summary>
    /// An in-memory channel: records what is sent and receives what a test delivers. A test may make
    /// sends slow or failing (<see cref="BeforeSend"/>) and set the socket facts it reports.
    /// </summary>
    internal sealed class FakeDatagramChannel : IDatagramChannel
    {
        private readonly Channel<Datagram> inbox = Channel.CreateUnbounded<Datagram>();
        private readonly List<byte[]> sent = new List<byte[]>();

        public IPEndPoint LocalEndPoint { get; } = new IPEndPoint(IPAddress.Loopback, 40000);

        public IPAddress Group { get; } = IPAddress.Parse("239.255.1.1");

        public int Port => 5007;

        public int? ReceiveBufferBytes { get; set; }

        public long? KernelDrops { get; set; }

        /// <summary>Runs before each send is recorded: it may wait (a slow socket) or throw (a refused send).</summary>
        public Action<byte[]>? BeforeSend { get; set; }

        public bool IsDisposed { get; private set; }

        /// <summary>A copy of everything sent so far, in order.</summary>
        public List<byte[]> Sent
        {
            get
            {
                lock (sent)
                {
                    return new List<byte[]>(sent);
                }
            }
        }

        public int SentCount
        {
            get
            {
                lock (sent)
                {
                    return sent.Count;
                }
            }
        }

        public void Deliver(byte[] payload)
        {
            inbox.Writer.TryWrite(new Datagram(payload, new IPEndPoint(IPAddress.Loopback, 40001), Group));
        }

        public void Send(byte[] datagram)
        {
            if (IsDisposed)
            {
                throw new ObjectDisposedException(nameof(FakeDatagramChannel));
            }

            BeforeSend?.Invoke(datagram);
            lock (sent)
            {
                sent.Add(datagram);
            }
        }

        public async Task<Datagram> ReceiveAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await inbox.Reader.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                throw new ObjectDisposedException(nameof(FakeDatagramChannel));
            }
        }

        public void Dispose()
        {
            IsDisposed = true;
            inbox.Writer.TryComplete();
        }
    }
}
