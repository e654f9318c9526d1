using System;
using System.Net;

namespace McastCrypto.Transport
{
    /// <summary>
    /// One UDP datagram as it arrived: its bytes, who sent it, and (when the platform reports it)
    /// the address it was sent to.
    /// </summary>
    public sealed class Datagram
    {
        /// <summary>Creates a datagram.</summary>
        /// <param name="payload">The datagram's bytes; kept as given, not copied.</param>
        /// <param name="source">The sender's address and port.</param>
        /// <param name="destination">The address the datagram was sent to (the group), or null when unknown.</param>
        public Datagram(byte[] payload, IPEndPoint source, IPAddress? destination = null)
        {
            Payload = payload ?? throw new ArgumentNullException(nameof(payload));
            Source = source ?? throw new ArgumentNullException(nameof(source));
            Destination = destination;
        }

        /// <summary>The datagram's bytes.</summary>
        public byte[] Payload { get; }

        /// <summary>The sender's address and port: the relay names a client by it.</summary>
        public IPEndPoint Source { get; }

        /// <summary>The address the datagram was sent to, or null when the platform did not report it.</summary>
        public IPAddress? Destination { get; }

        /// <inheritdoc />
        public override string ToString()
        {
            return Payload.Length + " bytes from " + Source + (Destination is null ? string.Empty : " to " + Destination);
        }
    }
}
