using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using McastCrypto.Transport;
using NATS.Client.Core;

namespace McastCrypto.Federation
{
    /// <summary>
    /// The federation bus over a NATS server or cluster (core NATS, no JetStream: the relays number and
    /// repair their streams themselves). It connects in the background and reconnects by itself,
    /// forever, with a bounded back-off; publishing never blocks its caller (a bounded queue, refused
    /// when full or while disconnected); each subscription's messages reach their handler in order on
    /// a thread of the bus's own.
    /// </summary>
    /// <remarks>
    /// McastCrypto.dll loads this assembly only for a federated relay, in a load context of its own
    /// (see Relay/FederationBusLoader.cs there), so the NATS client's dependencies never meet
    /// PowerShell's own copies of them.
    /// </remarks>
    public sealed class NatsFederationBus : IFederationBus, IFederationBusStatus
    {
        /// <summary>The most publications waiting for the connection by default.</summary>
        public const int DefaultMaxPending = 4096;

        /// <summary>The most bytes of publications waiting for the connection by default (16 MiB).</summary>
        public const long DefaultMaxPendingBytes = 16L * 1024 * 1024;

        /// <summary>How long <see cref="Dispose"/> lets queued publications go out before it closes.</summary>
        private static readonly TimeSpan FlushOnDispose = TimeSpan.FromSeconds(1);

        /// <summary>How long <see cref="Dispose"/> waits for the connection and each thread to end.</summary>
        private static readonly TimeSpan CloseWait = TimeSpan.FromSeconds(2);

        /// <summary>The pause before a subscription that could not be made is tried again.</summary>
        private static readonly TimeSpan SubscribeRetry = TimeSpan.FromMilliseconds(250);

        private readonly NatsConnection connection;
        private readonly Channel<Pending> pending;
        private readonly long maxPendingBytes;
        private readonly CancellationTokenSource disposing = new CancellationTokenSource();
        private readonly List<Thread> subscriptions = new List<Thread>();
        private readonly Task connectLoop;
        private readonly Task publishLoop;
        private readonly object gate = new object();
        private long pendingBytes;
        private long published;
        private long publishErrors;
        private long received;
        private long handlerErrors;
        private long messagesDropped;
        private long connectFailures;
        private string? lastError;
        private int connected;
        private int disposed;

        /// <summary>Starts connecting to <paramref name="url"/> in the background, with the default bounds.</summary>
        /// <param name="url">The NATS server: <c>nats://host:port</c>, without credentials.</param>
        /// <exception cref="ArgumentException">The address is not one (see <see cref="FederationBusUrl.Normalize"/>).</exception>
        public NatsFederationBus(string url)
            : this(url, DefaultMaxPending, DefaultMaxPendingBytes)
        {
        }

        /// <summary>Starts connecting to <paramref name="url"/> in the background.</summary>
        /// <param name="url">The NATS server: <c>nats://host:port</c>, without credentials.</param>
        /// <param name="maxPending">The most publications that may wait for the connection; past it <see cref="TryPublish"/> returns false.</param>
        /// <param name="maxPendingBytes">The most bytes that may wait for the connection.</param>
        public NatsFederationBus(string url, int maxPending, long maxPendingBytes)
            : this(url, maxPending, maxPendingBytes, null, null)
        {
        }

        /// <summary>Starts connecting to <paramref name="url"/> in the background, logging in with a user name and password.</summary>
        /// <param name="url">The NATS server: <c>nats://host:port</c>, without credentials.</param>
        /// <param name="maxPending">The most publications that may wait for the connection; past it <see cref="TryPublish"/> returns false.</param>
        /// <param name="maxPendingBytes">The most bytes that may wait for the connection.</param>
        /// <param name="userName">The user name the server asks for (its <c>authorization</c> block); null for none.</param>
        /// <param name="password">Its password; kept by the NATS client only, never shown.</param>
        public NatsFederationBus(string url, int maxPending, long maxPendingBytes, string? userName, string? password)
        {
            Url = FederationBusUrl.Normalize(url);
            if (maxPending < 1 || maxPendingBytes < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(maxPending), "The bounds of the publication queue must be positive.");
            }

            this.maxPendingBytes = maxPendingBytes;
            pending = Channel.CreateBounded<Pending>(new BoundedChannelOptions(maxPending)
            {
                FullMode = BoundedChannelFullMode.Wait,
                SingleReader = true,
                SingleWriter = false,
            });
            connection = new NatsConnection(new NatsOpts
            {
                Url = Url,
                Name = "mcastcrypto",
                // A relay hears the other relays, not itself.
                Echo = false,
                Verbose = false,
                // Reconnect for ever, also when the server is not there at the start, with a bounded back-off.
                RetryOnInitialConnect = true,
                MaxReconnectRetry = -1,
                IgnoreAuthErrorAbort = true,
                ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
                ReconnectWaitMax = TimeSpan.FromSeconds(2),
                ReconnectJitter = TimeSpan.FromMilliseconds(100),
                ConnectTimeout = TimeSpan.FromSeconds(2),
                // A connection that went silent (a cable, not a closed socket) is noticed within half a minute.
                PingInterval = TimeSpan.FromSeconds(10),
                MaxPingOut = 2,
                AuthOpts = string.IsNullOrEmpty(userName)
                    ? NatsAuthOpts.Default
                    : new NatsAuthOpts { Username = userName, Password = password },
            });
            connection.ConnectionOpened += OnOpened;
            connection.ConnectionDisconnected += OnDisconnected;
            connection.MessageDropped += OnMessageDropped;
            connection.ReconnectFailed += OnReconnectFailed;
            connection.ServerError += OnServerError;
            connectLoop = Task.Run(ConnectAsync);
            publishLoop = Task.Run(PublishLoopAsync);
        }

        /// <inheritdoc />
        public string Url { get; }

        /// <inheritdoc />
        public bool IsConnected => Volatile.Read(ref connected) != 0 && Volatile.Read(ref disposed) == 0;

        /// <inheritdoc />
        public event EventHandler<bool>? ConnectionChanged;

        /// <summary>Publications handed to the NATS connection.</summary>
        public long Published => Interlocked.Read(ref published);

        /// <summary>Publications the NATS connection refused (too large for the server, a closed connection).</summary>
        public long PublishErrors => Interlocked.Read(ref publishErrors);

        /// <summary>Publications waiting for the connection.</summary>
        public int PendingCount => pending.Reader.Count;

        /// <summary>Messages given to the handlers.</summary>
        public long Received => Interlocked.Read(ref received);

        /// <summary>Handlers that threw (the message was taken; the next ones still come).</summary>
        public long HandlerErrors => Interlocked.Read(ref handlerErrors);

        /// <summary>Messages the NATS client dropped because a handler fell too far behind (the relays repair them).</summary>
        public long MessagesDropped => Interlocked.Read(ref messagesDropped);

        /// <inheritdoc />
        public long ConnectFailures => Interlocked.Read(ref connectFailures);

        /// <inheritdoc />
        public string? LastError => Volatile.Read(ref lastError);

        /// <inheritdoc />
        public bool TryPublish(string subject, byte[] payload)
        {
            if (subject is null)
            {
                throw new ArgumentNullException(nameof(subject));
            }

            if (payload is null)
            {
                throw new ArgumentNullException(nameof(payload));
            }

            if (!IsConnected)
            {
                return false;
            }

            if (Interlocked.Add(ref pendingBytes, payload.Length) > maxPendingBytes)
            {
                Interlocked.Add(ref pendingBytes, -payload.Length);
                return false;
            }

            if (!pending.Writer.TryWrite(new Pending(subject, payload)))
            {
                Interlocked.Add(ref pendingBytes, -payload.Length);
                return false;
            }

            return true;
        }

        /// <inheritdoc />
        public void Subscribe(string subject, Action<string, byte[]> handler)
        {
            if (string.IsNullOrWhiteSpace(subject) || subject.IndexOfAny(new[] { ' ', '\t', '\r', '\n' }) >= 0)
            {
                throw new ArgumentException("A subject is one or more tokens separated by dots, without white space.", nameof(subject));
            }

            if (handler is null)
            {
                throw new ArgumentNullException(nameof(handler));
            }

            lock (gate)
            {
                if (Volatile.Read(ref disposed) != 0)
                {
                    throw new ObjectDisposedException(nameof(NatsFederationBus));
                }

                var thread = new Thread(() => SubscriptionLoop(subject, handler))
                {
                    IsBackground = true,
                    Name = "McastCrypto federation bus " + subject,
                };
                subscriptions.Add(thread);
                thread.Start();
            }
        }

        /// <summary>
        /// Closes within a few seconds at most: what is queued gets up to a second to go out, then the
        /// subscriptions end and the connection closes. Idempotent.
        /// </summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            pending.Writer.TryComplete();
            if (Volatile.Read(ref connected) != 0)
            {
                Wait(publishLoop, FlushOnDispose);
            }

            disposing.Cancel();
            Wait(connection.DisposeAsync().AsTask(), CloseWait);
            Wait(publishLoop, CloseWait);
            Wait(connectLoop, CloseWait);
            Thread[] threads;
            lock (gate)
            {
                threads = subscriptions.ToArray();
            }

            foreach (Thread thread in threads)
            {
                if (thread != Thread.CurrentThread)
                {
                    thread.Join(CloseWait);
                }
            }

            if (Interlocked.Exchange(ref connected, 0) != 0)
            {
                Raise(false);
            }
        }

        /// <inheritdoc />
        public override string ToString() => Url;

        private static void Wait(Task task, TimeSpan timeout)
        {
            try
            {
                task.Wait(timeout);
            }
            catch (AggregateException)
            {
                // Its end is all that is waited for; its failures were counted where they happened.
            }
        }

        private async Task ConnectAsync()
        {
            try
            {
                // With RetryOnInitialConnect this returns once connected, however long that takes;
                // after that the client's own reconnect loop keeps the connection.
                await connection.ConnectAsync().ConfigureAwait(false);
            }
            catch (Exception) when (disposing.IsCancellationRequested || Volatile.Read(ref disposed) != 0)
            {
            }
        }

        private async Task PublishLoopAsync()
        {
            ChannelReader<Pending> reader = pending.Reader;
            CancellationToken token = disposing.Token;
            try
            {
                while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
                {
                    while (reader.TryRead(out Pending item))
                    {
                        try
                        {
                            // While disconnected this waits for the reconnection: what was queued goes
                            // out then, in order (the receiving relays drop what they have already).
                            await connection.PublishAsync(item.Subject, item.Payload, cancellationToken: token).ConfigureAwait(false);
                            Interlocked.Increment(ref published);
                        }
                        catch (OperationCanceledException) when (token.IsCancellationRequested)
                        {
                            return;
                        }
                        catch (Exception)
                        {
                            // Counted; the publishing relay's retransmit buffer answers the others' repair requests.
                            Interlocked.Increment(ref publishErrors);
                        }
                        finally
                        {
                            Interlocked.Add(ref pendingBytes, -item.Payload.Length);
                        }
                    }
                }
            }
            catch (OperationCanceledException)
            {
            }
        }

        private void SubscriptionLoop(string subject, Action<string, byte[]> handler)
        {
            CancellationToken token = disposing.Token;
            while (!token.IsCancellationRequested)
            {
                INatsSub<byte[]>? sub = null;
                try
                {
                    // Waits for the connection when there is none yet; the client subscribes again by
                    // itself after each reconnection.
                    sub = connection.SubscribeCoreAsync<byte[]>(subject, cancellationToken: token).AsTask().GetAwaiter().GetResult();
                    ChannelReader<NatsMsg<byte[]>> reader = sub.Msgs;
                    while (reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
                    {
                        while (reader.TryRead(out NatsMsg<byte[]> message))
                        {
                            Interlocked.Increment(ref received);
                            try
                            {
                                handler(message.Subject, message.Data ?? Array.Empty<byte>());
                            }
                            catch (Exception)
                            {
                                Interlocked.Increment(ref handlerErrors);
                            }
                        }
                    }
                }
                catch (Exception) when (token.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception)
                {
                    // Not subscribed (the connection dropped while subscribing, or the subscription
                    // ended): try again shortly.
                    token.WaitHandle.WaitOne(SubscribeRetry);
                }
                finally
                {
                    if (sub is not null)
                    {
                        Wait(sub.DisposeAsync().AsTask(), CloseWait);
                    }
                }
            }
        }

        private ValueTask OnOpened(object? sender, NatsEventArgs args)
        {
            if (Volatile.Read(ref disposed) == 0 && Interlocked.Exchange(ref connected, 1) == 0)
            {
                Raise(true);
            }

            return default;
        }

        private ValueTask OnDisconnected(object? sender, NatsEventArgs args)
        {
            if (Interlocked.Exchange(ref connected, 0) != 0)
            {
                Raise(false);
            }

            return default;
        }

        private ValueTask OnReconnectFailed(object? sender, NatsEventArgs args)
        {
            Fail(args.Message);
            return default;
        }

        private ValueTask OnServerError(object? sender, NatsServerErrorEventArgs args)
        {
            Fail(args.Error);
            return default;
        }

        /// <summary>Counts a failure and keeps what it said, bounded; the client's and the server's messages name no credentials.</summary>
        private void Fail(string? message)
        {
            Interlocked.Increment(ref connectFailures);
            if (!string.IsNullOrWhiteSpace(message))
            {
                string text = message!.Trim().Trim('\'');
                Volatile.Write(ref lastError, text.Length > 200 ? text.Substring(0, 200) : text);
            }
        }

        private ValueTask OnMessageDropped(object? sender, NatsMessageDroppedEventArgs args)
        {
            Interlocked.Increment(ref messagesDropped);
            return default;
        }

        private void Raise(bool isConnected)
        {
            try
            {
                ConnectionChanged?.Invoke(this, isConnected);
            }
            catch (Exception)
            {
                Interlocked.Increment(ref handlerErrors);
            }
        }

        private readonly struct Pending
        {
            public Pending(string subject, byte[] payload)
            {
                Subject = subject;
                Payload = payload;
            }

            public string Subject { get; }

            public byte[] Payload { get; }
        }
    }
}
