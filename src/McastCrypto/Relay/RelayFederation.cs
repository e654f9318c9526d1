using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;
using McastCrypto.Transport;

namespace McastCrypto.Relay
{
    /// <summary>
    /// Joins a federated relay's protocol to its bus: after every step of the relay (a datagram, a
    /// tick, the idle flush, a bus message, the farewell) what the federation wants published goes to
    /// the bus, without waiting (a bus that cannot take it now says so, and the federation's own
    /// retransmit buffer answers the other relays' repair requests later); each bus message becomes a
    /// step of the relay's own, on its actor, without waiting for what it sends; the bus's connection
    /// state reaches the federation on the actor too.
    /// </summary>
    internal sealed class RelayFederation : IDisposable
    {
        private readonly IFederationPort port;
        private readonly IFederationBus bus;
        private Action<string, byte[], DateTimeOffset, ProtocolOutput<RelayEvent>>? receive;
        private Action<Action<DateTimeOffset, ProtocolOutput<RelayEvent>>>? invoke;

        // What the port was last told of the bus (null: not yet); on the relay's actor only.
        private bool? portConnected;

        // Counters and the closed flag, from any thread.
        private long publicationsRefused;
        private long messagesIn;
        private int disposed;

        /// <param name="port">The federation state machine; driven on the relay's actor only.</param>
        /// <param name="bus">The bus; owned from here on (disposed with this).</param>
        public RelayFederation(IFederationPort port, IFederationBus bus)
        {
            this.port = port ?? throw new ArgumentNullException(nameof(port));
            this.bus = bus ?? throw new ArgumentNullException(nameof(bus));
        }

        /// <summary>The federation state machine.</summary>
        public IFederationPort Port => port;

        /// <summary>The bus's address, without credentials.</summary>
        public string Url => bus.Url;

        /// <summary>Whether the bus is connected now.</summary>
        public bool IsConnected => bus.IsConnected;

        /// <summary>Failed attempts to connect to the bus and errors its server sent (0 for a bus that does not say).</summary>
        public long ConnectFailures => (bus as IFederationBusStatus)?.ConnectFailures ?? 0;

        /// <summary>The bus's last connection failure or server error, without credentials; null while there was none.</summary>
        public string? LastError => (bus as IFederationBusStatus)?.LastError;

        /// <summary>Publications the bus did not take (disconnected, or its queue full); the other relays repair them from this relay's buffer.</summary>
        public long PublicationsRefused => Interlocked.Read(ref publicationsRefused);

        /// <summary>Messages taken from the bus.</summary>
        public long MessagesIn => Interlocked.Read(ref messagesIn);

        /// <summary>Wraps a step of the relay so that the federation's publications go out after it.</summary>
        public Action<DateTimeOffset, ProtocolOutput<RelayEvent>> After(Action<DateTimeOffset, ProtocolOutput<RelayEvent>> step) =>
            (now, output) =>
            {
                step(now, output);
                AfterStep(now);
            };

        /// <summary>Wraps the relay's receive step so that the federation's publications go out after it.</summary>
        public Action<byte[], IPEndPoint, DateTimeOffset, ProtocolOutput<RelayEvent>> After(Action<byte[], IPEndPoint, DateTimeOffset, ProtocolOutput<RelayEvent>> step) =>
            (datagram, source, now, output) =>
            {
                step(datagram, source, now, output);
                AfterStep(now);
            };

        /// <summary>
        /// Subscribes to the federation's subjects and starts following the bus's connection.
        /// </summary>
        /// <param name="receiveFederation">The relay's step for one bus message (SecureRelay.ReceiveFederation).</param>
        /// <param name="invokeOnActor">Runs a step on the relay's actor without waiting for what it sends.</param>
        public void Start(Action<string, byte[], DateTimeOffset, ProtocolOutput<RelayEvent>> receiveFederation, Action<Action<DateTimeOffset, ProtocolOutput<RelayEvent>>> invokeOnActor)
        {
            receive = receiveFederation ?? throw new ArgumentNullException(nameof(receiveFederation));
            invoke = invokeOnActor ?? throw new ArgumentNullException(nameof(invokeOnActor));
            bus.ConnectionChanged += OnConnectionChanged;
            foreach (string subject in port.Subscriptions)
            {
                bus.Subscribe(subject, OnMessage);
            }

            // The bus may have connected before the handler was there.
            OnConnectionChanged(bus, bus.IsConnected);
        }

        /// <summary>
        /// On the actor, after a step: tells the port when the bus's connection changed, and hands
        /// the port's publications to the bus, in order, without waiting.
        /// </summary>
        public void AfterStep(DateTimeOffset now)
        {
            bool connected = bus.IsConnected;
            if (connected != portConnected)
            {
                // The port counts its time-outs only while connected, and announces itself on reconnect.
                portConnected = connected;
                port.SetConnected(connected, now);
            }

            IReadOnlyList<FederationPublication> publications = port.TakePublications();
            for (int i = 0; i < publications.Count; i++)
            {
                if (!bus.TryPublish(publications[i].Subject, publications[i].Payload))
                {
                    Interlocked.Increment(ref publicationsRefused);
                }
            }
        }

        /// <summary>Closes the bus (bounded in time); what it still held to publish is the others' to repair. Idempotent.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            bus.ConnectionChanged -= OnConnectionChanged;
            bus.Dispose();
            (port as IDisposable)?.Dispose();
        }

        /// <summary>A bus thread: the message becomes one step of the relay's own.</summary>
        private void OnMessage(string subject, byte[] payload)
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                return;
            }

            Interlocked.Increment(ref messagesIn);
            Run((now, output) =>
            {
                receive!(subject, payload, now, output);
                AfterStep(now);
            });
        }

        /// <summary>A bus thread: the port learns of it in a step on the actor, soon (not on the bus's event thread, which must not wait).</summary>
        private void OnConnectionChanged(object? sender, bool connected)
        {
            if (Volatile.Read(ref disposed) != 0)
            {
                return;
            }

            ThreadPool.QueueUserWorkItem(_ => Run((now, output) => AfterStep(now)));
        }

        private void Run(Action<DateTimeOffset, ProtocolOutput<RelayEvent>> step)
        {
            try
            {
                invoke!(step);
            }
            catch (ObjectDisposedException)
            {
                // The relay is closing: nothing more is taken from the bus.
            }
            catch (InvalidOperationException)
            {
                // The runner has not started or has stopped.
            }
        }
    }
}
