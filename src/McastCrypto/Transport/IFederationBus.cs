using System;

namespace McastCrypto.Transport
{
    /// <summary>
    /// A publish/subscribe bus between relays of different sites (NATS in McastCrypto.Federation.dll,
    /// loaded only when a relay is federated; an in-memory bus in tests). It carries opaque bytes: what
    /// a relay publishes is already signed and sealed.
    /// </summary>
    public interface IFederationBus : IDisposable
    {
        /// <summary>Where the bus is (for messages and objects; without credentials).</summary>
        string Url { get; }

        /// <summary>Whether the bus is connected now.</summary>
        bool IsConnected { get; }

        /// <summary>Raised (on a bus thread) when the connection is lost or comes back.</summary>
        event EventHandler<bool>? ConnectionChanged;

        /// <summary>
        /// Queues bytes for a subject without blocking for long. Returns false when the bus cannot take
        /// them now (disconnected, or its buffer is full): the caller's own retransmit buffer covers it.
        /// </summary>
        bool TryPublish(string subject, byte[] payload);

        /// <summary>Calls <paramref name="handler"/> (on a bus thread) with each message on a subject (wildcards allowed).</summary>
        void Subscribe(string subject, Action<string, byte[]> handler);
    }
}
