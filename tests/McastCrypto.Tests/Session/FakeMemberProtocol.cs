using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using McastCrypto.Protocol;

namespace McastCrypto.Tests.Session
{
    /// <summary>
    /// A member protocol whose events a test writes: it connects at Start, takes every message (a
    /// fragment per 100 bytes) and reports MessageSent at once; acknowledgements, failures, progress,
    /// gaps and arrivals happen when the test runs them as protocol steps
    /// (<c>session.InvokeProtocol((now, output) => fake.Acknowledge(id, now, output))</c>).
    /// Called under the session's runner lock, as a real protocol is.
    /// </summary>
    internal sealed class FakeMemberProtocol : IMemberProtocol
    {
        private readonly Dictionary<string, SendProgress> progress = new Dictionary<string, SendProgress>();
        private long nextId = 1;

        public FakeMemberProtocol(bool hasAcknowledgements)
        {
            HasAcknowledgements = hasAcknowledgements;
        }

        public McastProtocol Protocol => McastProtocol.Secure;

        public bool HasAcknowledgements { get; }

        /// <summary>Report MessageAcknowledged in the very step that takes the message.</summary>
        public bool AcknowledgeInSendStep { get; set; }

        /// <summary>At most this many messages unacknowledged; past it Send throws SendBufferFullException.</summary>
        public int? BufferLimit { get; set; }

        public MemberState State { get; private set; } = MemberState.New;

        public IPEndPoint Self { get; } = new IPEndPoint(IPAddress.Loopback, 40000);

        public MemberIdentity? Identity { get; } = new MemberIdentity("00000001", "fake", "SHA256:fake", null);

        public string KeyFingerprint => "SHA256:fake";

        public string? RelayFingerprint => "SHA256:relay";

        public IPEndPoint? Relay => null;

        public DateTimeOffset? LastRelayTraffic => null;

        public MemberFailure? Failure => null;

        public long? Epoch => 1;

        public DropCounter Drops { get; } = new DropCounter();

        public int MaxMessageBytes { get; set; } = 1 << 20;

        public DateTimeOffset? NextDeadline => null;

        /// <summary>How many times the session asked for a message's progress (read under the lock).</summary>
        public int ProgressReads { get; private set; }

        public bool Disposed { get; private set; }

        public void Start(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            State = MemberState.Connected;
            output.Events.Add(MemberEvent.StateChange(now, State));
        }

        public void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
        }

        public void Tick(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
        }

        public SentMessage Send(MessageContent content, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State != MemberState.Connected)
            {
                throw new InvalidOperationException("not connected");
            }

            if (content.Length == 0 || content.Length > MaxMessageBytes)
            {
                throw new ArgumentException("A message cannot be empty or over the limit.", nameof(content));
            }

            if (BufferLimit is int limit && progress.Count >= limit)
            {
                throw new SendBufferFullException("The send buffer is full (fake).");
            }

            string id = (nextId++).ToString("x16", CultureInfo.InvariantCulture);
            int fragments = (content.Length + 99) / 100;
            if (HasAcknowledgements)
            {
                progress[id] = new SendProgress(id, fragments, 0, 0, content.Length);
            }

            output.Events.Add(MemberEvent.Outcome(now, MemberEventKind.MessageSent, id, State));
            if (AcknowledgeInSendStep)
            {
                Acknowledge(id, now, output);
            }

            return new SentMessage(id, content, content.Length + 50L * fragments, fragments);
        }

        public SendProgress? GetSendProgress(string messageId)
        {
            ProgressReads++;
            return progress.TryGetValue(messageId, out SendProgress? p) ? p : null;
        }

        public void Leave(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            State = MemberState.Closed;
        }

        public void Dispose() => Disposed = true;

        // ---- steps a test runs

        public void Acknowledge(string id, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            progress.Remove(id);
            output.Events.Add(MemberEvent.Outcome(now, MemberEventKind.MessageAcknowledged, id, State));
        }

        public void Fail(string id, string reason, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            progress.Remove(id);
            output.Events.Add(MemberEvent.Outcome(now, MemberEventKind.MessageFailed, id, State, reason));
        }

        /// <summary>Sets how far a message went (the protocol's own bookkeeping, no event).</summary>
        public void Progress(string id, int sent, int acknowledged)
        {
            SendProgress old = progress[id];
            progress[id] = new SendProgress(id, old.Fragments, sent, acknowledged, old.Bytes);
        }

        public static void Gap(MemberIdentity? sender, long fragments, long messages, string? messageId, string reason, DateTimeOffset now, ProtocolOutput<MemberEvent> output) =>
            output.Events.Add(MemberEvent.Gap(now, sender, fragments, messages, messageId, reason, MemberState.Connected));

        public static void Arrive(MemberIdentity sender, MessageContent content, string messageId, DateTimeOffset now, ProtocolOutput<MemberEvent> output) =>
            output.Events.Add(MemberEvent.Message(now, sender, content, messageId, true, MemberState.Connected));
    }
}
