using System;
using System.Collections.Generic;
using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// The relay's half of a protocol as a pure state machine: datagrams and the time go in, datagrams
    /// to multicast and events come out. Not thread-safe: the relay calls it under one lock.
    /// </summary>
    public interface IRelayProtocol : IDisposable
    {
        McastProtocol Protocol { get; }

        /// <summary>The address:port the relay sends from; its own datagrams are ignored.</summary>
        IPEndPoint Self { get; }

        /// <summary>The relay's key fingerprint (SHA256:base64).</summary>
        string KeyFingerprint { get; }

        /// <summary>The group key's epoch now, where the protocol has epochs (null in Classic).</summary>
        long? Epoch { get; }

        /// <summary>Drops by reason.</summary>
        DropCounter Drops { get; }

        /// <summary>Messages relayed to the group so far.</summary>
        long MessagesRelayed { get; }

        /// <summary>The members now known, registered or joined.</summary>
        IReadOnlyList<RelayMember> Members { get; }

        /// <summary>When the protocol wants <see cref="Tick"/> at the latest (null: the runner's period is fine).</summary>
        DateTimeOffset? NextDeadline { get; }

        /// <summary>Handles one datagram heard on the group. Never throws for anything in it.</summary>
        void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<RelayEvent> output);

        /// <summary>
        /// Sends what the protocol holds back to pack into fewer datagrams. The runner calls it when
        /// no datagram waits to be handled, so a relay packs only under load and never waits to.
        /// </summary>
        void Flush(DateTimeOffset now, ProtocolOutput<RelayEvent> output);

        /// <summary>Handles the passing of time: member time-outs, incomplete messages.</summary>
        void Tick(DateTimeOffset now, ProtocolOutput<RelayEvent> output);

        /// <summary>Tells every member the relay is going (a leave notice each) and forgets them.</summary>
        void Stop(DateTimeOffset now, ProtocolOutput<RelayEvent> output);
    }
}
