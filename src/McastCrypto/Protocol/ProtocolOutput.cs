using System.Collections.Generic;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// What one step of a protocol produced: datagrams to multicast, in order, and events. The caller
    /// passes one in, acts on it (sends, dispatches) and clears it; the protocol itself never touches a socket.
    /// </summary>
    public sealed class ProtocolOutput<TEvent>
    {
        public List<byte[]> Datagrams { get; } = new List<byte[]>();

        public List<TEvent> Events { get; } = new List<TEvent>();

        public void Clear()
        {
            Datagrams.Clear();
            Events.Clear();
        }
    }
}
