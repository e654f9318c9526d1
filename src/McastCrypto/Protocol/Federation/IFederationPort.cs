using System;
using System.Collections.Generic;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>
    /// The federation as a Secure relay sees it: a pure state machine (no sockets, no NATS) that takes
    /// the relay's local events (<see cref="IFederationSink"/>) and the bus's messages, and gives back
    /// what to publish on the bus and what the other sites' members did. Driven on the relay's actor
    /// thread only.
    /// </summary>
    public interface IFederationPort : IFederationSink
    {
        /// <summary>This relay's site name, as other sites' members see it.</summary>
        string Site { get; }

        /// <summary>
        /// How many other relays this one accepts (its authorized relays, itself not counted): the relay
        /// shares its room for other sites' members among them, so that no one relay can take it all.
        /// </summary>
        int AuthorizedRelayCount { get; }

        /// <summary>The bus subjects this relay must subscribe to (NATS wildcards allowed).</summary>
        IReadOnlyList<string> Subscriptions { get; }

        /// <summary>The earliest time <see cref="Tick"/> has work to do, or null.</summary>
        DateTimeOffset? NextDeadline { get; }

        /// <summary>Counted drops of bus messages (unauthorized relay, bad signature, replay, ...).</summary>
        DropCounter Drops { get; }

        /// <summary>
        /// The bus's connection state (from <see cref="McastCrypto.Transport.IFederationBus.ConnectionChanged"/>,
        /// and once after the bus is attached): while disconnected nothing is given up and no relay times
        /// out; on reconnect the port announces at once, publishes its roster and asks again for every hole.
        /// </summary>
        void SetConnected(bool connected, DateTimeOffset now);

        /// <summary>A message that arrived on the bus. Hostile until checked: a bad one is a counted drop.</summary>
        void Receive(string subject, byte[] payload, DateTimeOffset now);

        /// <summary>Timers: announcements, repairs, give-ups, peer time-outs.</summary>
        void Tick(DateTimeOffset now);

        /// <summary>Seals what the sink calls queued (batched), so nothing waits longer than one step.</summary>
        void Flush(DateTimeOffset now);

        /// <summary>What to publish on the bus since the last call, in order.</summary>
        IReadOnlyList<FederationPublication> TakePublications();

        /// <summary>What other sites' members did since the last call, in order (per origin: in its publishing order).</summary>
        IReadOnlyList<FederationRemoteEvent> TakeRemoteEvents();
    }
}
