using System;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>One message for the bus: a subject and the bytes (already signed and sealed).</summary>
    public sealed class FederationPublication
    {
        /// <summary>Makes a publication.</summary>
        public FederationPublication(string subject, byte[] payload)
        {
            Subject = subject ?? throw new ArgumentNullException(nameof(subject));
            Payload = payload ?? throw new ArgumentNullException(nameof(payload));
        }

        /// <summary>The NATS subject.</summary>
        public string Subject { get; }

        /// <summary>The bytes.</summary>
        public byte[] Payload { get; }
    }
}
