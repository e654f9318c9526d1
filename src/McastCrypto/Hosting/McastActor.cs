using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// What a session and a relay have in common: a protocol state machine run on a channel by a
    /// <see cref="ProtocolRunner{TEvent}"/>, an Id and a name in a per-process table, where it is
    /// on the network, its counters, opening with clean-up on failure, and closing once.
    /// </summary>
    /// <typeparam name="TEvent">What the protocol reports: MemberEvent or RelayEvent.</typeparam>
    public abstract class McastActor<TEvent> : IDisposable
    {
        /// <summary>How many raised events may wait for their handlers before more are dropped.</summary>
        private const int HandlerQueueLimit = 10000;

        private readonly EventDispatcher handlers;
        private int closed;

        /// <param name="protocol">The protocol the actor speaks.</param>
        /// <param name="channel">The channel, opened; the actor owns it from here on.</param>
        /// <param name="interfaceName">The interface as resolved, for people to read.</param>
        /// <param name="receive">The protocol's receive step.</param>
        /// <param name="tick">The protocol's tick step.</param>
        /// <param name="sendRate">Datagrams per second past a burst.</param>
        private protected McastActor(
            McastProtocol protocol,
            IDatagramChannel channel,
            string interfaceName,
            Action<byte[], IPEndPoint, DateTimeOffset, ProtocolOutput<TEvent>> receive,
            Action<DateTimeOffset, ProtocolOutput<TEvent>> tick,
            int sendRate)
        {
            Protocol = protocol;
            Group = channel.Group;
            Port = channel.Port;
            Interface = interfaceName;
            LocalEndPoint = channel.LocalEndPoint;
            Runner = new ProtocolRunner<TEvent>(
                channel,
                (d, now, output) => receive(d.Payload, d.Source, now, output),
                tick,
                OnEvent,
                new SendPacer(sendRate, 256));
            handlers = new EventDispatcher(HandlerQueueLimit, GetType().Name + " event handlers");
        }

        /// <summary>A number unique among the objects of its kind in this process.</summary>
        public int Id { get; private set; }

        public string Name { get; private set; } = string.Empty;

        public McastProtocol Protocol { get; }

        public IPAddress Group { get; }

        public int Port { get; }

        /// <summary>The interface as resolved: its IPv4 address (0.0.0.0 for the system's default), or for an IPv6 group its name.</summary>
        public string Interface { get; }

        /// <summary>The address:port this actor's datagrams come from.</summary>
        public IPEndPoint LocalEndPoint { get; }

        public long DatagramsIn => Runner.DatagramsIn;

        public long DatagramsOut => Runner.DatagramsOut;

        /// <summary>The receive buffer the operating system granted the socket, as it reports it (Linux reports twice the size set, capped at twice net.core.rmem_max); null when unknown.</summary>
        public int? ReceiveBufferBytes => Runner.ReceiveBufferBytes;

        /// <summary>Datagrams the operating system dropped at the receive socket (also in Drops); null where it does not say.</summary>
        public long? KernelDrops => Runner.KernelDrops;

        /// <summary>The last failure of a background loop, if any.</summary>
        public Exception? LastError => Runner.LastError;

        /// <summary>Event handlers (subscribers to this object's .NET events) that threw; the events went on to the others.</summary>
        public long HandlerErrors => handlers.Errors;

        /// <summary>The last exception an event handler threw, if any.</summary>
        public Exception? LastHandlerError => handlers.LastError;

        /// <summary>
        /// Events not handed to their handlers because the handlers fell too far behind (more than
        /// 10,000 waiting) or the object closed first. Only the notification is lost: what arrived is
        /// still in the object (its messages, members and counters).
        /// </summary>
        public long HandlerEventsDropped => handlers.Dropped;

        /// <summary>Everything dropped, by reason.</summary>
        public abstract IReadOnlyDictionary<string, long> Drops { get; }

        private protected ProtocolRunner<TEvent> Runner { get; }

        private protected bool IsClosed => Volatile.Read(ref closed) != 0;

        /// <summary>Closes the actor: a last protocol step, loops stopped, sockets closed. Idempotent.</summary>
        public void Dispose() => CloseOnce();

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0} ({1}, {2})", Name, StateText, AddressText.EndPoint(Group, Port));

        /// <summary>
        /// Opens the channel, makes the actor and starts it; anything that fails on the way leaves
        /// nothing open behind: the actor is closed, or the channel disposed when there is no actor yet.
        /// </summary>
        private protected static TActor Open<TActor>(
            MulticastOptions network,
            Func<IDatagramChannel, IDatagramChannel>? decorator,
            Func<IDatagramChannel, string, TActor> create,
            Action<TActor> start)
            where TActor : McastActor<TEvent>
        {
            IDatagramChannel? channel = null;
            TActor? actor = null;
            try
            {
                // The sockets first: a group that cannot be joined fails before a key is made.
                var multicast = new MulticastChannel(network);
                channel = decorator is null ? multicast : decorator(multicast);
                actor = create(channel, multicast.InterfaceName);
                start(actor);
                return actor;
            }
            catch
            {
                if (actor is not null)
                {
                    actor.CloseOnce();
                }
                else
                {
                    channel?.Dispose();
                }

                throw;
            }
        }

        /// <summary>Takes an Id from the actor's table, and a name: the one given, or the prefix and the Id.</summary>
        private protected void Register(int id, string? name, string defaultPrefix)
        {
            Id = id;
            Name = string.IsNullOrEmpty(name) ? defaultPrefix + id.ToString(CultureInfo.InvariantCulture) : name!;
        }

        /// <summary>Runs the close only the first time it is asked for.</summary>
        private protected void CloseOnce()
        {
            if (Interlocked.Exchange(ref closed, 1) != 0)
            {
                return;
            }

            try
            {
                Runner.Shutdown(Farewell);
            }
            finally
            {
                try
                {
                    OnClosed();
                }
                finally
                {
                    handlers.Complete();
                }
            }
        }

        /// <summary>The runner's protocol worker thread, where the events are raised (for tests).</summary>
        internal System.Threading.Thread? RunnerWorkerThread => Runner.WorkerThread;

        /// <summary>Whether the calling thread holds the runner's protocol lock (for tests).</summary>
        internal bool RunnerLockHeldHere => Runner.LockHeldHere;

        /// <summary>The thread that runs this object's event handlers, once it started (for tests).</summary>
        internal System.Threading.Thread? HandlerThread => handlers.Thread;

        /// <summary>
        /// Raises <paramref name="handler"/>'s subscribers with <paramref name="args"/> later, in order,
        /// on the handlers' thread; never here (this runs on the runner's thread, under its lock).
        /// Each subscriber runs on its own: one that throws is counted and the next still runs.
        /// </summary>
        private protected void Raise<TArgs>(EventHandler<TArgs>? handler, TArgs args)
        {
            if (handler is null)
            {
                return;
            }

            handlers.Post(() =>
            {
                foreach (Delegate subscriber in handler.GetInvocationList())
                {
                    try
                    {
                        ((EventHandler<TArgs>)subscriber)(this, args);
                    }
                    catch (Exception e)
                    {
                        handlers.Count(e);
                    }
                }
            });
        }

        private protected void ThrowIfClosed()
        {
            if (IsClosed)
            {
                // No object name: .NET would add "Object name: '...'." for programmers to a message
                // that names the object already, and a user reads it.
                throw new ObjectDisposedException(null, Name + " (Id " + Id.ToString(CultureInfo.InvariantCulture) + ") is closed.");
            }
        }

        /// <summary>The state for <see cref="ToString"/>.</summary>
        private protected abstract string StateText { get; }

        /// <summary>Handles one event of the protocol, in order, on the runner's thread.</summary>
        private protected abstract void OnEvent(TEvent e);

        /// <summary>The protocol's last step before closing: a goodbye.</summary>
        private protected abstract void Farewell(DateTimeOffset now, ProtocolOutput<TEvent> output);

        /// <summary>After the loops stopped: dispose the protocol, leave the table, wake waiters.</summary>
        private protected abstract void OnClosed();
    }
}
