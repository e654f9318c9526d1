using System;
using System.Collections.Generic;
using McastCrypto.Transport;

namespace McastCrypto.Tests.Protocol.Federation
{
    /// <summary>
    /// A NATS server in memory for the federation tests: buses connect to it, subscribe with NATS
    /// wildcards ('*' one token, '>' the rest), and what they publish is queued until
    /// <see cref="DeliverAll"/>. It can be stopped (every bus disconnected: publications refused) and
    /// one bus can lose its own connection; everything published is logged (what an operator sees).
    /// </summary>
    internal sealed class InMemoryFederationHub
    {
        private readonly List<InMemoryFederationBus> buses = new List<InMemoryFederationBus>();
        private readonly Queue<(string Subject, byte[] Payload)> queue = new Queue<(string, byte[])>();
        private readonly List<(string Subject, byte[] Payload)> buffered = new List<(string, byte[])>();
        private bool up = true;

        /// <summary>
        /// While the server is down, buses take publications and keep them (as a NATS client buffers
        /// during a reconnect) instead of refusing them; <see cref="ReleaseBuffered"/> sends them.
        /// </summary>
        public bool BufferWhileDown { get; set; }

        /// <summary>Everything a bus published while connected, in order.</summary>
        public List<(string Subject, byte[] Payload)> Log { get; } = new List<(string, byte[])>();

        /// <summary>Decides per message whether it is delivered (false: lost on the way); null delivers all.</summary>
        public Func<string, byte[], bool>? Filter { get; set; }

        /// <summary>Whether the server runs: while false no bus is connected and queued messages are lost.</summary>
        public bool Up
        {
            get => up;
            set
            {
                if (up == value)
                {
                    return;
                }

                up = value;
                if (!up)
                {
                    queue.Clear();
                }

                foreach (InMemoryFederationBus bus in buses.ToArray())
                {
                    bus.Changed();
                }
            }
        }

        /// <summary>Sends what the buses kept while the server was down, in order.</summary>
        public void ReleaseBuffered()
        {
            foreach ((string subject, byte[] payload) in buffered)
            {
                Enqueue(subject, payload);
            }

            buffered.Clear();
        }

        internal void Buffer(string subject, byte[] payload) => buffered.Add((subject, payload));

        public InMemoryFederationBus Connect()
        {
            var bus = new InMemoryFederationBus(this);
            buses.Add(bus);
            return bus;
        }

        /// <summary>Publishes as an attacker with access to the server would (not through a bus).</summary>
        public void Inject(string subject, byte[] payload) => queue.Enqueue((subject, payload));

        /// <summary>Delivers what is queued (and what the handlers publish meanwhile) to every matching subscription; returns how many messages were taken.</summary>
        public int DeliverAll(int max = 1_000_000)
        {
            int taken = 0;
            while (queue.Count > 0 && taken < max)
            {
                (string subject, byte[] payload) = queue.Dequeue();
                taken++;
                if (Filter is not null && !Filter(subject, payload))
                {
                    continue;
                }

                foreach (InMemoryFederationBus bus in buses.ToArray())
                {
                    bus.Deliver(subject, payload);
                }
            }

            return taken;
        }

        internal void Remove(InMemoryFederationBus bus) => buses.Remove(bus);

        internal void Enqueue(string subject, byte[] payload)
        {
            Log.Add((subject, payload));
            queue.Enqueue((subject, payload));
        }

        /// <summary>NATS subject matching: tokens split on '.', '*' matches one token, '>' the rest (at least one).</summary>
        public static bool Matches(string pattern, string subject)
        {
            string[] p = pattern.Split('.');
            string[] s = subject.Split('.');
            for (int i = 0; i < p.Length; i++)
            {
                if (p[i] == ">")
                {
                    return s.Length > i;
                }

                if (i >= s.Length || (p[i] != "*" && p[i] != s[i]))
                {
                    return false;
                }
            }

            return p.Length == s.Length;
        }
    }

    /// <summary>One relay's connection to an <see cref="InMemoryFederationHub"/>.</summary>
    internal sealed class InMemoryFederationBus : IFederationBus
    {
        private readonly InMemoryFederationHub hub;
        private readonly List<(string Pattern, Action<string, byte[]> Handler)> subscriptions = new List<(string, Action<string, byte[]>)>();
        private bool linkUp = true;
        private bool wasConnected = true;
        private bool disposed;

        public InMemoryFederationBus(InMemoryFederationHub hub)
        {
            this.hub = hub;
        }

        public event EventHandler<bool>? ConnectionChanged;

        public string Url => "memory://hub";

        public bool IsConnected => !disposed && linkUp && hub.Up;

        /// <summary>This bus's own connection (the server may still run for others).</summary>
        public bool LinkUp
        {
            get => linkUp;
            set
            {
                linkUp = value;
                Changed();
            }
        }

        public bool TryPublish(string subject, byte[] payload)
        {
            if (!IsConnected)
            {
                if (hub.BufferWhileDown && !disposed && linkUp)
                {
                    hub.Buffer(subject, payload);
                    return true;
                }

                return false;
            }

            hub.Enqueue(subject, payload);
            return true;
        }

        public void Subscribe(string subject, Action<string, byte[]> handler) => subscriptions.Add((subject, handler));

        public void Dispose()
        {
            disposed = true;
            hub.Remove(this);
        }

        internal void Deliver(string subject, byte[] payload)
        {
            if (!IsConnected)
            {
                return;
            }

            foreach ((string pattern, Action<string, byte[]> handler) in subscriptions.ToArray())
            {
                if (InMemoryFederationHub.Matches(pattern, subject))
                {
                    handler(subject, (byte[])payload.Clone());
                }
            }
        }

        internal void Changed()
        {
            bool now = IsConnected;
            if (now != wasConnected)
            {
                wasConnected = now;
                ConnectionChanged?.Invoke(this, now);
            }
        }
    }
}
