using System;
using System.Net;

namespace McastCrypto.Protocol
{
    /// <summary>
    /// The member's half of a protocol as a pure state machine: datagrams and the time go in;
    /// datagrams to multicast and events come out through a <see cref="ProtocolOutput{TEvent}"/>.
    /// Not thread-safe: the session calls it under one lock.
    /// </summary>
    public interface IMemberProtocol : IDisposable
    {
        McastProtocol Protocol { get; }

        /// <summary>
        /// Whether the relay confirms this protocol's messages: then every message taken by
        /// <see cref="Send"/> ends with MessageAcknowledged or MessageFailed (after MessageSent, if its
        /// fragments went out), and <see cref="GetSendProgress"/> tracks it until then. False: MessageSent
        /// is all the protocol ever reports.
        /// </summary>
        bool HasAcknowledgements { get; }

        MemberState State { get; }

        /// <summary>The address:port the relay and the others know this member by.</summary>
        IPEndPoint Self { get; }

        /// <summary>This member as the group knows it, once the relay does (in Classic: from the start, by its address).</summary>
        MemberIdentity? Identity { get; }

        /// <summary>The fingerprint of this member's own key (SHA256:base64).</summary>
        string KeyFingerprint { get; }

        /// <summary>The relay's key fingerprint once known (SHA256:base64), else null.</summary>
        string? RelayFingerprint { get; }

        /// <summary>Where the relay's datagrams come from, once known.</summary>
        IPEndPoint? Relay { get; }

        /// <summary>
        /// The last sign of the relay's life: only datagrams a forger cannot make for free count (which
        /// ones is the protocol's to say), so forged traffic cannot hide a lost relay.
        /// </summary>
        DateTimeOffset? LastRelayTraffic { get; }

        /// <summary>Why the member is <see cref="MemberState.Failed"/>; null in every other state.</summary>
        MemberFailure? Failure { get; }

        /// <summary>The group key's epoch now, where the protocol has epochs (null in Classic).</summary>
        long? Epoch { get; }

        /// <summary>Drops by reason.</summary>
        DropCounter Drops { get; }

        /// <summary>The longest content <see cref="Send"/> takes, in bytes (a text's in UTF-8).</summary>
        int MaxMessageBytes { get; }

        /// <summary>
        /// When the protocol wants <see cref="Tick"/> at the latest, for timers finer than the
        /// runner's tick period (null: the period is fine). Tick may come earlier or later.
        /// </summary>
        DateTimeOffset? NextDeadline { get; }

        /// <summary>Begins the handshake.</summary>
        void Start(DateTimeOffset now, ProtocolOutput<MemberEvent> output);

        /// <summary>Handles one datagram heard on the group. Never throws for anything in it.</summary>
        void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<MemberEvent> output);

        /// <summary>Handles the passing of time: keep-alives, retries, relay loss.</summary>
        void Tick(DateTimeOffset now, ProtocolOutput<MemberEvent> output);

        /// <summary>
        /// Takes a message for the group: its datagrams come out now, or (a protocol with flow control)
        /// over the following steps. Its outcome comes as events: MessageSent, then, where the protocol
        /// has acknowledgements, MessageAcknowledged or MessageFailed, each with its message id.
        /// Throws InvalidOperationException when not connected (the message says why), ArgumentException
        /// for content it cannot carry (too long, empty, a kind the protocol does not have).
        /// </summary>
        SentMessage Send(MessageContent content, DateTimeOffset now, ProtocolOutput<MemberEvent> output);

        /// <summary>How far an outgoing message of this member's has gone; null once it is no longer tracked (done, failed, or unknown).</summary>
        SendProgress? GetSendProgress(string messageId);

        /// <summary>Says goodbye to the relay; the state becomes Closed.</summary>
        void Leave(DateTimeOffset now, ProtocolOutput<MemberEvent> output);
    }

    public static class MemberProtocolExtensions
    {
        /// <summary>Sends a text: <see cref="IMemberProtocol.Send"/> with <see cref="MessageContent.FromText"/>.</summary>
        public static SentMessage Send(this IMemberProtocol protocol, string text, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (protocol is null)
            {
                throw new ArgumentNullException(nameof(protocol));
            }

            return protocol.Send(MessageContent.FromText(text ?? throw new ArgumentNullException(nameof(text))), now, output);
        }
    }
}
