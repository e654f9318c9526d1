using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Transport
{
    /// <summary>
    /// A way to send datagrams to one multicast group and port and to receive what is sent there.
    /// The session and the relay reach the network only through this interface, so the same code
    /// runs on loopback, through <see cref="FaultInjectingChannel"/>, or on a fake in tests.
    /// </summary>
    public interface IDatagramChannel : IDisposable
    {
        /// <summary>
        /// The address and port others see as the source of what this channel sends.
        /// </summary>
        IPEndPoint LocalEndPoint { get; }

        /// <summary>The multicast group this channel sends to and receives from.</summary>
        IPAddress Group { get; }

        /// <summary>The UDP port of the group.</summary>
        int Port { get; }

        /// <summary>
        /// The receive buffer the operating system granted the receive socket, in bytes, as it reports
        /// it (on Linux twice the size asked for, capped at twice net.core.rmem_max); null when there is
        /// no such socket or it is unknown. A decorator reports its inner channel's.
        /// </summary>
        int? ReceiveBufferBytes { get; }

        /// <summary>
        /// Datagrams the operating system dropped at this channel's receive socket (its buffer was
        /// full) since the socket opened; null where the system does not tell (it does on Linux). Read
        /// on demand, it may cost a file read: not for a hot path. A decorator reports its inner channel's.
        /// </summary>
        long? KernelDrops { get; }

        /// <summary>Sends one datagram to <see cref="Group"/>:<see cref="Port"/>.</summary>
        /// <param name="datagram">The bytes to send (one UDP datagram).</param>
        /// <exception cref="ObjectDisposedException">The channel was disposed.</exception>
        /// <exception cref="McastTransportException">The operating system refused to send it.</exception>
        void Send(byte[] datagram);

        /// <summary>
        /// Waits for the next datagram sent to this channel's group and port (datagrams of other
        /// groups are never returned).
        /// </summary>
        /// <param name="cancellationToken">Cancels the wait; no datagram is lost by cancelling.</param>
        /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The channel was disposed, also while waiting.</exception>
        /// <exception cref="McastTransportException">The operating system reported a receive error.</exception>
        Task<Datagram> ReceiveAsync(CancellationToken cancellationToken);
    }
}
