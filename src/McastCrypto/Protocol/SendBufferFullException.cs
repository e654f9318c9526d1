using System;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// A protocol's send buffer has no room for another message until the relay acknowledges some:
    /// the session waits for room instead of refusing the message, and throws this only when nothing
    /// moves for its stall limit.
    /// </summary>
    internal sealed class SendBufferFullException : InvalidOperationException
    {
        public SendBufferFullException(string message)
            : base(message)
        {
        }
    }
}
