using System;
using System.Collections.Generic;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// A federation as a test plays it: it records every sink call and every Receive, Tick and Flush
    /// the relay makes, in order, and gives the relay the remote events a test queued.
    /// </summary>
    internal sealed class FakeFederationPort : IFederationPort
    {
        public const string OriginB = "SHA256:relay-b-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        public const string OriginC = "SHA256:relay-c-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

        private readonly List<FederationRemoteEvent> pending = new List<FederationRemoteEvent>();

        public FakeFederationPort(string site = "lyon")
        {
            Site = site;
        }

        public string Site { get; }

        public IReadOnlyList<string> Subscriptions { get; } = new[] { "test.relay.*" };

        public int AuthorizedRelayCount { get; set; } = 1;

        public DateTimeOffset? NextDeadline { get; set; }

        public DropCounter Drops { get; } = new DropCounter();

        /// <summary>Every call the relay made, in order.</summary>
        public List<Call> Calls { get; } = new List<Call>();

        /// <summary>Called on Receive (the bus message), before the relay takes the remote events.</summary>
        public Action<string, byte[]>? OnReceive { get; set; }

        /// <summary>Remote events for the relay's next TakeRemoteEvents.</summary>
        public void Queue(params FederationRemoteEvent[] events) => pending.AddRange(events);

        public void LocalJoined(uint memberId, byte[] identityKey, string name, ulong nextQ, DateTimeOffset now) =>
            Calls.Add(new Call("Joined", memberId) { NextQ = nextQ, Name = name, IdentityKey = identityKey });

        public void LocalLeft(uint memberId, SecureLeftReason reason, DateTimeOffset now) =>
            Calls.Add(new Call("Left", memberId) { LeftReason = reason });

        public void LocalData(SecureFragment fragment, DateTimeOffset now) =>
            Calls.Add(new Call("Data", fragment.SenderId) { NextQ = fragment.Sequence, Fragment = fragment, MessageId = fragment.MessageId });

        public void LocalRefused(uint memberId, ulong messageId, SecureRefusedReason reason, DateTimeOffset now) =>
            Calls.Add(new Call("Refused", memberId) { MessageId = messageId, RefusedReason = reason });

        public void LocalProgress(uint memberId, ulong nextQ, DateTimeOffset now) =>
            Calls.Add(new Call("Progress", memberId) { NextQ = nextQ });

        public void Receive(string subject, byte[] payload, DateTimeOffset now)
        {
            Calls.Add(new Call("Receive", 0) { Subject = subject, Payload = payload });
            OnReceive?.Invoke(subject, payload);
        }

        public void Tick(DateTimeOffset now) => Calls.Add(new Call("Tick", 0));

        /// <summary>The bus's connection state, as the wiring reports it to the port (the relay itself does not call it).</summary>
        public void SetConnected(bool connected, DateTimeOffset now) => Calls.Add(new Call(connected ? "Connected" : "Disconnected", 0));

        public void Flush(DateTimeOffset now) => Calls.Add(new Call("Flush", 0));

        public IReadOnlyList<FederationPublication> TakePublications() => Array.Empty<FederationPublication>();

        public IReadOnlyList<FederationRemoteEvent> TakeRemoteEvents()
        {
            var taken = pending.ToArray();
            pending.Clear();
            return taken;
        }

        /// <summary>A remote event of a member of relay B (site paris unless told).</summary>
        public static FederationRemoteEvent Remote(FederationRemoteEventKind kind, uint memberId, string origin = OriginB, string site = "paris") =>
            new FederationRemoteEvent(kind, origin, site, memberId);

        internal sealed class Call
        {
            public Call(string kind, uint memberId)
            {
                Kind = kind;
                MemberId = memberId;
            }

            public string Kind { get; }

            public uint MemberId { get; }

            public ulong NextQ { get; set; }

            public string? Name { get; set; }

            public byte[]? IdentityKey { get; set; }

            public SecureLeftReason LeftReason { get; set; }

            public SecureFragment? Fragment { get; set; }

            public ulong MessageId { get; set; }

            public SecureRefusedReason RefusedReason { get; set; }

            public string? Subject { get; set; }

            public byte[]? Payload { get; set; }

            public override string ToString() => Kind + " " + MemberId.ToString("x8") + " " + NextQ;
        }
    }
}
