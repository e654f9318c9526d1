using System;
using System.Net;
using System.Net.Sockets;

namespace McastCrypto.Transport
{
    /// <summary>
    /// A socket operation of a multicast channel failed. The message says which operation, on which
    /// group, port and interface, and the operating system's reason.
    /// </summary>
    public sealed class McastTransportException : Exception
    {
        /// <summary>Creates the exception.</summary>
        /// <param name="message">What failed, where, and why.</param>
        /// <param name="operation">"bind", "join", "send", "set option" or "receive".</param>
        /// <param name="endPoint">The address and port the operation concerned, if any.</param>
        /// <param name="socketError">The operating system's error code, if any.</param>
        /// <param name="innerException">The underlying exception, if any.</param>
        public McastTransportException(string message, string operation, IPEndPoint? endPoint, SocketError? socketError, Exception? innerException)
            : base(message, innerException)
        {
            Operation = operation ?? throw new ArgumentNullException(nameof(operation));
            EndPoint = endPoint;
            SocketError = socketError;
        }

        /// <summary>The operation that failed: "bind", "join", "send", "set option" or "receive".</summary>
        public string Operation { get; }

        /// <summary>The address and port the operation concerned, or null.</summary>
        public IPEndPoint? EndPoint { get; }

        /// <summary>The operating system's error code, or null when the failure was not a socket error.</summary>
        public SocketError? SocketError { get; }
    }
}
