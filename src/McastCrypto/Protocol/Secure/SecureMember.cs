using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using McastCrypto.Tlv;
using McastCrypto.Transport;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// <para>
    /// The member's half of the Secure protocol (docs/protocol.md, "Secure"), as a pure state machine.
    /// New → AwaitingRelayKey (a signed Hello, repeated every RetryInterval) → Joining (the Welcome
    /// verified under a trusted relay key; a sealed Join, repeated until the member's own Joined
    /// arrives) → Connected. Three keep-alive intervals without a relay datagram that verifies make
    /// the relay lost: RelayLost, and a fresh handshake (new ephemeral key, new nonce) that accepts
    /// only the relay key this member accepted before; another key ends it in Failed
    /// (RelayKeyChanged). A relay key the trust decision refuses ends it in Failed (RelayNotTrusted),
    /// and a relay that refuses this member's key in Failed (AdmissionRefused).
    /// </para>
    /// <para>
    /// Every datagram is authenticated before it touches any state: a Welcome by the relay's
    /// signature over the transcript, a Rekey entry by the pairwise key and the relay's signature, a
    /// GroupSealed by the group key and then the relay's signature (another member holds the group
    /// key, so only the signature proves the relay).
    /// </para>
    /// <para>
    /// Reliable delivery (docs/protocol.md, "Reliability"): the relay's datagrams are taken in their
    /// order R (<see cref="GroupStreamReceiver{T}"/>): a number already taken is a Duplicate before any
    /// cryptography, a hole is asked for with a Nack after a random delay, and what cannot be
    /// repaired is given up and reported per sender as a Gap (<see cref="SenderStreams"/>). Messages
    /// of each sender are delivered whole, once, in order. This member's own messages go through a
    /// window the relay acknowledges (<see cref="SendWindow"/>), retransmitted until acknowledged,
    /// failed (MessageFailed) when the relay refuses them or does not acknowledge them in AckTimeout.
    /// </para>
    /// </summary>
    public sealed class SecureMember : IMemberProtocol
    {
        private readonly EcdsaP256PrivateKey identity;
        private readonly SecureMemberOptions options;
        private readonly SecureCrypto crypto;
        private readonly IRelayTrust trust;
        private readonly byte[] groupAndPort;
        private readonly byte[] identityPoint;
        private readonly byte[] nameBytes;
        private readonly Dictionary<uint, MemberIdentity> known = new Dictionary<uint, MemberIdentity>();

        // The site a federated relay named for each member id (Site records); none when the relay is not federated.
        private readonly Dictionary<uint, string> sites = new Dictionary<uint, string>();

        /// <summary>The reason of every loss a Lost record reports.</summary>
        private static readonly Func<ulong, ulong, string?> LostBetweenSites = (from, to) => GapReasons.BetweenSites;

        // Member ids named by Joined and Roster records of datagrams taken (handled or held): a Rekey without
        // this member's entry is taken only when it names one of them or a known member.
        private readonly HashSet<uint> announced = new HashSet<uint>();

        // Rekeys without this member's entry that named no announced member when they came, set aside
        // unchecked (a bounded few, oldest out first): taken when a Joined names one of their members.
        private readonly Dictionary<ulong, SecureRekey> unannounced = new Dictionary<ulong, SecureRekey>();
        private readonly Queue<ulong> unannouncedOrder = new Queue<ulong>();
        private readonly Random jitter;
        private readonly PerSecondBudget foreignRekeyChecks = new PerSecondBudget(SecureDefaults.ForeignRekeyChecksPerSecond);

        // Reliable delivery, per handshake; the counters of earlier handshakes are kept in retired.
        private GroupStreamReceiver<byte[]?> stream;

        // The current stream's LossReason, made once per stream rather than per record handed to the senders.
        private Func<ulong, ulong, string?> lossReason;

        // What the sender streams report for one record, handed on at once: one list, cleared for each.
        private readonly List<SenderStreamEvent> foundScratch = new List<SenderStreamEvent>();

        // What the send window hands out in one call (fragments to send, outcomes), handed on at once: reused likewise.
        private readonly List<OutgoingFragment> sendScratch = new List<OutgoingFragment>();
        private readonly List<SendOutcome> outcomeScratch = new List<SendOutcome>();
        private SendWindow sendWindow;
        private SenderStreams senders;
        private readonly DeliveryTotals retired = new DeliveryTotals();

        // The handshake in progress (AwaitingRelayKey, RelayLost) or the one that made the session.
        private EcdhP256? ephemeral;
        private byte[]? helloValue;
        private byte[]? helloDatagram;
        private byte[]? helloNonce;
        private DateTimeOffset nextRetry;
        private DateTimeOffset? untrustedSince;
        private MemberFailure? untrusted;

        // The Welcome budget: signature checks in the window of one second that opened at welcomeWindow.
        private DateTimeOffset welcomeWindow = DateTimeOffset.MinValue;
        private int welcomeChecks;

        // The relay key accepted at the first Welcome: the only one from then on.
        private byte[]? acceptedRelayKey;
        private EcdsaP256PublicKey? relayKey;

        // The session with the relay, from the Welcome on.
        private uint memberId;
        private AesGcm256? toRelay;
        private AesGcm256? fromRelay;
        private ulong nextSend;
        private ReplayWindow pairwiseWindow;
        private int fragmentCapacity;
        private uint epoch;
        private AesGcm256? groupAead;
        private uint previousEpoch;
        private AesGcm256? previousAead;
        private DateTimeOffset previousUntil;
        private DateTimeOffset? lastKeyRequest;
        private DateTimeOffset nextKeepAlive;
        private ulong? nextMessageId;

        // Reused for every datagram (one step at a time): the bytes a relay signature covers, and the plaintext of a MemberSealed.
        private byte[]? signedScratch;
        private byte[]? plainScratch;

        /// <summary>A Data datagram's bytes besides its payload: TLV header, MemberSealed header, kind, Data header, tag.</summary>
        private const int DataDatagramOverhead = TlvRecord.HeaderLength + SecureCodec.SealedHeaderLength + 1 + SecureCodec.MemberDataHeaderLength + SecureCodec.TagLength;

        /// <param name="self">The address:port of this member's send socket.</param>
        /// <param name="identity">The member's identity key (persistent for admission, or made for the session); the member owns and disposes it.</param>
        /// <param name="options">Settings, the group and port included (they are bound into every signature); validated here.</param>
        public SecureMember(IPEndPoint self, EcdsaP256PrivateKey identity, SecureMemberOptions options)
        {
            Self = self ?? throw new ArgumentNullException(nameof(self));
            this.identity = identity ?? throw new ArgumentNullException(nameof(identity));
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            crypto = new SecureCrypto(options.Random);
            trust = options.RelayTrust ?? new TrustOnFirstUseRelayTrust();
            groupAndPort = SecureKeySchedule.GroupAndPort(options.Group, options.Port);
            identityPoint = identity.PublicKey.Point;
            nameBytes = SecureCodec.EncodeName(options.DisplayName);
            pairwiseWindow = new ReplayWindow(options.ReplayWindowSize);

            // The Nack delay needs no secrecy, only independence between members (a clock seed may repeat), and it
            // must not draw from options.Random, whose sequence known-answer tests script.
            jitter = new Random(NewSeed());
            stream = NewStream();
            lossReason = stream.LossReason;
            sendWindow = NewSendWindow();
            senders = NewSenders();
        }

        public McastProtocol Protocol => McastProtocol.Secure;
        public bool HasAcknowledgements => true;

        public MemberState State { get; private set; } = MemberState.New;

        public IPEndPoint Self { get; }

        /// <summary>This member as the group knows it: its member id (8 hex digits), name and key fingerprint; null before a Welcome.</summary>
        public MemberIdentity? Identity { get; private set; }

        public string KeyFingerprint => identity.PublicKey.Fingerprint;

        /// <summary>The fingerprint of the relay key accepted; null before.</summary>
        public string? RelayFingerprint => relayKey?.Fingerprint;

        public IPEndPoint? Relay { get; private set; }

        /// <summary>The last relay datagram that verified: a Welcome, a Rekey entry, or a GroupSealed.</summary>
        public DateTimeOffset? LastRelayTraffic { get; private set; }

        public MemberFailure? Failure { get; private set; }

        /// <summary>The current epoch; null while the member holds no group key.</summary>
        public long? Epoch => epoch == 0 ? (long?)null : epoch;

        public DropCounter Drops { get; } = new DropCounter();

        public int MaxMessageBytes => options.MaxMessageBytes;

        /// <summary>The earliest of the Nack timer, the repair time-outs, the retransmission timers and the acknowledgement deadline; null when none runs.</summary>
        public DateTimeOffset? NextDeadline
        {
            get
            {
                if (!InSession)
                {
                    return null;
                }

                DateTimeOffset? receive = stream.NextDeadline;
                DateTimeOffset? send = State == MemberState.Connected ? sendWindow.NextDeadline : null;
                if (receive is null)
                {
                    return send;
                }

                return send is null || receive.Value < send.Value ? receive : send;
            }
        }

        /// <inheritdoc/>
        public SendProgress? GetSendProgress(string messageId)
        {
            if (messageId is null || messageId.Length != 16
                || !ulong.TryParse(messageId, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong id))
            {
                return null;
            }

            return sendWindow.GetProgress(id);
        }

        /// <summary>Nacks sent to the relay.</summary>
        public long NacksSent => retired.NacksSent + stream.NacksSent;

        /// <summary>Missing relay datagrams that arrived after all (repairs, or late datagrams: the bytes are the same).</summary>
        public long RepairsReceived => retired.RepairsReceived + stream.RepairsReceived;

        /// <summary>Relay sequence numbers given up for good (what they carried is reported per sender as Gap events).</summary>
        public long RepairsGivenUp => retired.RepairsGivenUp + stream.RepairsGivenUp;

        /// <summary>Relay datagrams held now, waiting for the numbers below them.</summary>
        public int HeldDatagrams => stream.HeldCount;

        /// <summary>Their bytes.</summary>
        public long HeldBytes => stream.HeldBytes;

        /// <summary>Relay sequence numbers missing now.</summary>
        public long MissingDatagrams => stream.MissingCount;

        /// <summary>Bytes of other members' messages being assembled now.</summary>
        public long ReassemblyBytes => senders.ReassemblyBytes;

        /// <summary>Gap events reported.</summary>
        public long Gaps => retired.Gaps + senders.Gaps;

        /// <summary>Fragments those gaps lost.</summary>
        public long LostFragments => retired.LostFragments + senders.LostFragments;

        /// <summary>This member's messages queued or waiting for the relay's acknowledgement.</summary>
        public int SendBufferMessages => sendWindow.BufferedMessages;

        /// <summary>Their bytes.</summary>
        public long SendBufferBytes => sendWindow.BufferedBytes;

        /// <summary>This member's fragments sent and not yet acknowledged.</summary>
        public int FragmentsInFlight => sendWindow.FragmentsInFlight;

        /// <summary>Fragments sent again (time-outs and fast retransmits).</summary>
        public long Retransmissions => retired.Retransmissions + sendWindow.Retransmissions;

        /// <summary>Of those, sent again at once on an Ack that did not move.</summary>
        public long FastRetransmissions => retired.FastRetransmissions + sendWindow.FastRetransmissions;

        /// <summary>This member's messages the relay acknowledged.</summary>
        public long MessagesAcknowledged => retired.MessagesAcknowledged + sendWindow.MessagesAcknowledged;

        /// <summary>This member's messages that failed (refused, not acknowledged in time, the session lost or closed).</summary>
        public long MessagesFailed => retired.MessagesFailed + sendWindow.MessagesFailed;

        /// <summary>The smoothed round-trip time to the relay (SRTT); null before the first sample of this handshake.</summary>
        public TimeSpan? RoundTripTime => sendWindow.SmoothedRoundTrip;

        /// <summary>The retransmission time-out a new fragment starts with.</summary>
        public TimeSpan RetransmitTimeout => sendWindow.Retransmit;

        /// <summary>The cryptographic operations done so far, by kind.</summary>
        public SecureOperationCounts Operations => crypto.Counts;

        /// <summary>Members the relay announced (Joined, Roster) and that have not left.</summary>
        public IReadOnlyCollection<MemberIdentity> KnownMembers => known.Values.ToList();

        /// <summary>When set, the draw in [0, 1) that places each Nack timer within NackDelay, for tests that order members' timers.</summary>
        internal Func<double>? NackDrawForTests { get; set; }

        /// <summary>The current epoch and its key, for tests that play an insider who holds it.</summary>
        internal (uint Epoch, AesGcm256 Key)? CurrentGroupKey => groupAead is null ? null : (epoch, groupAead);

        private TimeSpan RelaySilenceLimit => TimeSpan.FromTicks(options.KeepAliveInterval.Ticks * SecureDefaults.RelaySilenceIntervals);

        private bool InSession => State == MemberState.Joining || State == MemberState.Connected;

        public void Start(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State != MemberState.New)
            {
                throw new InvalidOperationException("The member has started already.");
            }

            BeginHandshake(MemberState.AwaitingRelayKey, now, output);
        }

        public void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State == MemberState.New || State == MemberState.Closed || State == MemberState.Failed || source is null || AddressText.SameEndPoint(source, Self))
            {
                // Not listening: what the group says is not dropped by a member that has not started or has ended.
                return;
            }

            // Read in place: a member hears every datagram of the group, most of them not for it.
            if (!SecureCodec.TryReadDatagramInPlace(datagram, out TlvType type, out ArraySegment<byte> value, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            switch (type)
            {
                case TlvType.SecureWelcome:
                    OnWelcome(Copy(value), source, now, output);
                    break;
                case TlvType.SecureGroupSealed:
                    OnGroupSealed(value, now, output);
                    break;
                case TlvType.SecureRekey:
                    OnRekey(Copy(value), now, output);
                    break;
                case TlvType.SecureHello:
                case TlvType.SecureMemberSealed:
                    // Another member's traffic to the relay: everyone hears everything.
                    Drops.Add("IgnoredType");
                    break;
                default:
                    Drops.Add("UnknownType");
                    break;
            }
        }

        public void Tick(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            switch (State)
            {
                case MemberState.AwaitingRelayKey:
                case MemberState.RelayLost:
                    if (untrustedSince is not null && now >= untrustedSince.Value + options.UntrustedRelayTimeout)
                    {
                        Fail(untrusted!, now, output);
                        return;
                    }

                    if (now >= nextRetry)
                    {
                        output.Datagrams.Add(helloDatagram!);
                        nextRetry = now + options.RetryInterval;
                    }

                    break;
                case MemberState.Joining:
                    if (now >= LastRelayTraffic!.Value + RelaySilenceLimit)
                    {
                        BeginHandshake(MemberState.RelayLost, now, output);
                    }
                    else if (now >= nextRetry)
                    {
                        // The relay may have missed the Join, or its answer was lost.
                        output.Datagrams.Add(SealToRelay(SecureMemberKind.Join, Array.Empty<byte>()));
                        nextRetry = now + options.RetryInterval;
                    }

                    break;
                case MemberState.Connected:
                    if (now >= LastRelayTraffic!.Value + RelaySilenceLimit)
                    {
                        BeginHandshake(MemberState.RelayLost, now, output);
                    }
                    else if (now >= nextKeepAlive)
                    {
                        output.Datagrams.Add(SealToRelay(SecureMemberKind.KeepAlive, Array.Empty<byte>()));
                        nextKeepAlive = now + options.KeepAliveInterval;
                    }

                    break;
                default:
                    return;
            }

            if (previousAead is not null && now >= previousUntil)
            {
                previousAead.Dispose();
                previousAead = null;
            }

            if (InSession)
            {
                // Numbers missing too long are given up (and what that releases is handled), then the Nack timer.
                stream.Expire(now);
                HandleReady(now, output);
            }

            if (InSession && stream.TakeNack(now) is List<SecureSequenceRange> ranges)
            {
                output.Datagrams.Add(SealToRelay(SecureMemberKind.Nack, SecureCodec.NackBody(ranges)));
            }

            if (State == MemberState.Connected)
            {
                PollSend(now, output);
            }
        }

        /// <summary>
        /// Queues a message (text, data or file) for the relay and sends what the window allows now;
        /// the rest goes as the relay acknowledges. MessageSent comes when its last fragment went out
        /// once, then MessageAcknowledged or MessageFailed. InvalidOperationException when not
        /// connected or when the send buffer is full; ArgumentException for empty content (a file may
        /// be empty) or content over MaxMessageBytes.
        /// </summary>
        public SentMessage Send(MessageContent content, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            MemberSendCheck.ThrowUnlessConnected(State, Failure, RelaySilenceLimit);
            if (content.Length == 0 && content.Kind != MessageContentKind.File)
            {
                throw new ArgumentException("A message cannot be empty.", nameof(content));
            }

            long length = SecureContent.EncodedLength(content);
            if (length > options.MaxMessageBytes)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The message has {0} bytes; the most this session sends is {1}.", length, options.MaxMessageBytes),
                    nameof(content));
            }

            byte[] wire = SecureContent.Encode(content);
            nextMessageId ??= BigEndian.ReadU64(crypto.Random(8), 0);
            ulong id = nextMessageId.Value;
            int count = sendWindow.Enqueue(id, SecureContent.TypeOf(content.Kind), wire, fragmentCapacity);
            nextMessageId = unchecked(id + 1);
            PollSend(now, output);
            long wireBytes = ((long)count * DataDatagramOverhead) + wire.Length;
            return new SentMessage(SenderStreamEvent.FormatMessageId(id), content, wireBytes, count);
        }

        /// <summary>Says goodbye with a sealed Leave when it has a session with the relay; the state becomes Closed. A Failed member stays Failed.</summary>
        public void Leave(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State == MemberState.Closed || State == MemberState.Failed)
            {
                return;
            }

            Outcomes(FailSends(MessageFailureReasons.Closed), now, output);
            if (InSession)
            {
                output.Datagrams.Add(SealToRelay(SecureMemberKind.Leave, Array.Empty<byte>()));
            }

            ChangeState(MemberState.Closed, now, output);
        }

        public void Dispose()
        {
            EndSession();
            ephemeral?.Dispose();
            ephemeral = null;
            identity.Dispose();
        }

        /// <summary>A new handshake: new ephemeral key, new nonce, a signed Hello; everything of the old session is forgotten.</summary>
        private void BeginHandshake(MemberState state, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            // The data stream cannot skip a number: what the relay did not acknowledge is lost with the session.
            Outcomes(FailSends(MessageFailureReasons.RelayLost), now, output);
            EndSession();
            ephemeral?.Dispose();
            ephemeral = crypto.NewEphemeral();
            helloNonce = crypto.Random(SecureCodec.NonceLength);
            byte[] unsigned = SecureCodec.HelloUnsigned(ephemeral.PublicKey, identityPoint, helloNonce, nameBytes);
            byte[] signature = crypto.Sign(identity, SecureKeySchedule.HelloSignedData(groupAndPort, unsigned, unsigned.Length));
            helloValue = BigEndian.Concat(unsigned, signature);
            helloDatagram = SecureCodec.Datagram(TlvType.SecureHello, helloValue);
            output.Datagrams.Add(helloDatagram);
            nextRetry = now + options.RetryInterval;
            untrustedSince = null;
            untrusted = null;
            ChangeState(state, now, output);
        }

        private void EndSession()
        {
            toRelay?.Dispose();
            fromRelay?.Dispose();
            groupAead?.Dispose();
            previousAead?.Dispose();
            toRelay = null;
            fromRelay = null;
            groupAead = null;
            previousAead = null;
            epoch = 0;
            previousEpoch = 0;
            memberId = 0;
            nextSend = 0;
            lastKeyRequest = null;
            pairwiseWindow = new ReplayWindow(options.ReplayWindowSize);
            known.Clear();
            sites.Clear();
            announced.Clear();
            unannounced.Clear();
            unannouncedOrder.Clear();

            // A new handshake starts a new stream R from the relay and a new data stream Q to it.
            senders.Clear();
            retired.Add(stream, sendWindow, senders);
            stream = NewStream();
            lossReason = stream.LossReason;
            sendWindow = NewSendWindow();
            senders = NewSenders();
        }

        private void OnWelcome(byte[] value, IPEndPoint source, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (!SecureCodec.TryParseWelcome(value, out SecureWelcome? welcome, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            if (helloNonce is null || !BigEndian.Equal(value, 1, helloNonce, 0, SecureCodec.NonceLength))
            {
                // An answer to another member's Hello (everyone hears every Welcome), or to an old one of ours.
                Drops.Add("NotForUs");
                return;
            }

            if (InSession)
            {
                // The answer to this handshake came already: the relay answered a repeated Hello too.
                Drops.Add("Replay");
                return;
            }

            if (!TrySpendWelcomeCheck(now))
            {
                // Anyone who heard the Hello can send Welcomes with its nonce: a flood costs at most the budget
                // in signature checks. The relay sends the genuine Welcome again for every repeated Hello.
                Drops.Add("WelcomeRateLimited");
                return;
            }

            EcdsaP256PublicKey offered;
            try
            {
                offered = EcdsaP256PublicKey.Import(welcome!.RelayIdentityKey);
            }
            catch (CryptographicException)
            {
                Drops.Add("BadKey");
                return;
            }

            byte[] transcript = SecureKeySchedule.TranscriptHash(groupAndPort, helloValue!, value);
            if (!crypto.Verify(offered, SecureKeySchedule.WelcomeSignedData(transcript), value, SecureCodec.WelcomeSignedLength))
            {
                Drops.Add("BadSignature");
                return;
            }

            if (!Trusts(welcome.RelayIdentityKey, offered.Fingerprint, now))
            {
                Drops.Add("UntrustedRelay");
                return;
            }

            Relay = source;
            LastRelayTraffic = now;
            if (welcome.Status == SecureWelcomeStatus.Refused)
            {
                string message = string.Format(
                    CultureInfo.InvariantCulture,
                    "The relay ({0}) refused this member's key {1}: it is not on the relay's list of authorized keys. Ask the relay's operator to add it.",
                    offered.Fingerprint,
                    KeyFingerprint);
                Fail(new MemberFailure(MemberFailureReason.AdmissionRefused, message), now, output);
                return;
            }

            byte[] shared;
            try
            {
                shared = crypto.Agree(ephemeral!, welcome.RelayEphemeralKey);
            }
            catch (CryptographicException)
            {
                Drops.Add("BadKey");
                return;
            }

            SecureKeySchedule.DeriveKeys(shared, transcript, out byte[] memberToRelay, out byte[] relayToMember);
            Array.Clear(shared, 0, shared.Length);
            ephemeral!.Dispose();
            ephemeral = null;
            acceptedRelayKey = welcome.RelayIdentityKey;
            relayKey = offered;
            memberId = welcome.MemberId;
            toRelay = AesGcm256.Create(memberToRelay);
            fromRelay = AesGcm256.Create(relayToMember);
            Array.Clear(memberToRelay, 0, memberToRelay.Length);
            Array.Clear(relayToMember, 0, relayToMember.Length);
            fragmentCapacity = SecureCodec.FragmentCapacity(Math.Min(welcome.MaxDatagramBytes, options.MaxDatagramBytes));
            Identity = new MemberIdentity(SecureCodec.FormatMemberId(memberId), options.DisplayName, KeyFingerprint, Self);
            untrustedSince = null;
            untrusted = null;
            output.Datagrams.Add(SealToRelay(SecureMemberKind.Join, Array.Empty<byte>()));
            nextRetry = now + options.RetryInterval;
            ChangeState(MemberState.Joining, now, output);
        }

        /// <summary>Spends one Welcome check of this second (a window opens at the first check after the last one ended); false when the budget is spent.</summary>
        private bool TrySpendWelcomeCheck(DateTimeOffset now)
        {
            if (now - welcomeWindow >= TimeSpan.FromSeconds(1))
            {
                welcomeWindow = now;
                welcomeChecks = 0;
            }

            if (welcomeChecks >= options.WelcomeChecksPerSecond)
            {
                return false;
            }

            welcomeChecks++;
            return true;
        }

        /// <summary>
        /// Whether the relay key that signed a Welcome is one to join: once a key was accepted, only
        /// that key; before, what the trust decision says. A refused key starts (or continues) the
        /// wait for a trusted answer, after which the member fails with what was refused.
        /// </summary>
        private bool Trusts(byte[] point, string fingerprint, DateTimeOffset now)
        {
            if (acceptedRelayKey is not null)
            {
                if (BigEndian.Equal(acceptedRelayKey, point))
                {
                    return true;
                }

                string message = string.Format(
                    CultureInfo.InvariantCulture,
                    "The relay was lost, and a relay now answers with the key {0} instead of {1}, the key this session joined with. "
                    + "The member stopped rather than join a relay it never agreed to. If the relay's key really changed, check its fingerprint (Get-McastRelay on the relay's host) and start a new session that trusts it.",
                    fingerprint,
                    relayKey!.Fingerprint);
                Untrusted(new MemberFailure(MemberFailureReason.RelayKeyChanged, message, relayKey.Fingerprint, fingerprint), now);
                return false;
            }

            RelayTrustDecision decision = trust.Evaluate(options.Group, options.Port, fingerprint);
            if (decision.IsTrusted)
            {
                return true;
            }

            Untrusted(new MemberFailure(MemberFailureReason.RelayNotTrusted, decision.Message!, decision.ExpectedFingerprint, fingerprint), now);
            return false;
        }

        private void Untrusted(MemberFailure failure, DateTimeOffset now)
        {
            untrustedSince ??= now;
            untrusted = failure;
        }

        private void OnRekey(byte[] value, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (!SecureCodec.TryParseRekey(value, out SecureRekey? rekey, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            ulong r = rekey!.Sequence;
            if (stream.IsDuplicate(r))
            {
                // Taken already (a repair another member asked for, or a replay): no cryptography.
                Drops.Add("Duplicate");
                return;
            }

            SecureRekeyEntry? entry = InSession ? rekey.Entries.FirstOrDefault(e => e.MemberId == memberId) : null;
            if (entry is null)
            {
                if (!stream.Started)
                {
                    Drops.Add("NotForUs");
                    return;
                }

                OnForeignRekey(rekey, value, now, output);
                return;
            }

            if (!pairwiseWindow.Check(entry.Sequence))
            {
                Drops.Add("Replay");
                return;
            }

            uint newEpoch = rekey.Epoch;
            if (!crypto.TryOpen(
                fromRelay!,
                SecureKeySchedule.PairwiseNonce(entry.Sequence),
                value,
                entry.Offset,
                SecureCodec.KeyLength + SecureCodec.TagLength,
                new ArraySegment<byte>(SecureKeySchedule.RekeyEntryAad(newEpoch, memberId)),
                out byte[]? key))
            {
                Drops.Add("BadTag");
                return;
            }

            try
            {
                if (!crypto.Verify(relayKey!, SecureKeySchedule.RekeySignedData(groupAndPort, value, rekey.SignedLength), value, rekey.SignedLength))
                {
                    Drops.Add("BadSignature");
                    return;
                }

                pairwiseWindow.Update(entry.Sequence);
                LastRelayTraffic = now;
                if (newEpoch > epoch)
                {
                    if (groupAead is not null)
                    {
                        previousAead?.Dispose();
                        previousAead = groupAead;
                        previousEpoch = epoch;
                        previousUntil = now + options.EpochGrace;
                    }

                    groupAead = AesGcm256.Create(key!);
                    epoch = newEpoch;
                }
                else if (newEpoch < epoch)
                {
                    // A late answer (or a late repair): a newer key is installed already.
                    Drops.Add("OldEpoch");
                }
            }
            finally
            {
                Array.Clear(key!, 0, key!.Length);
            }

            // The first Rekey with this member's entry starts its stream; every other takes its place in it.
            if (!stream.Started)
            {
                stream.Start(r, null);
                senders.StreamStart = r;
            }
            else
            {
                Accept(r, null, now);
            }

            HandleReady(now, output);
        }

        /// <summary>
        /// A Rekey without this member's entry, once its stream started: it has nothing for this member
        /// but its number, which is taken only when the relay's signature verifies (a forged one must
        /// not fill a hole), and only when it names a member this run announced. Anyone can send such
        /// datagrams, so the checks have a budget per second; past it the number stays missing and is
        /// asked for again.
        /// </summary>
        private void OnForeignRekey(SecureRekey rekey, byte[] value, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (!rekey.Entries.Any(e => known.ContainsKey(e.MemberId) || announced.Contains(e.MemberId)))
            {
                // For members this run has not named: the key of a member whose Joined comes next (the Rekey of its
                // join, or of its repeated Join, may hold its entry alone), or a Rekey of an earlier run of a relay
                // with the same key (whose numbers start again), replayed: set aside unchecked, taken only if a
                // Joined names one of its members. Until then the number is missing like any other.
                Drops.Add("NotForUs");
                if (!unannounced.ContainsKey(rekey.Sequence))
                {
                    while (unannounced.Count >= SecureDefaults.UnannouncedRekeys && unannouncedOrder.Count > 0)
                    {
                        unannounced.Remove(unannouncedOrder.Dequeue());
                    }

                    unannouncedOrder.Enqueue(rekey.Sequence);
                }

                unannounced[rekey.Sequence] = rekey;
                return;
            }

            TakeForeignRekey(rekey, now);
            HandleReady(now, output);
        }

        /// <summary>Takes a Rekey without this member's entry into the stream if its signature is the relay's (within the budget).</summary>
        private void TakeForeignRekey(SecureRekey rekey, DateTimeOffset now)
        {
            byte[] value = rekey.Value;
            if (stream.IsDuplicate(rekey.Sequence))
            {
                Drops.Add("Duplicate");
                return;
            }

            if (!foreignRekeyChecks.TrySpend(now))
            {
                Drops.Add("RekeyRateLimited");
                return;
            }

            if (!crypto.Verify(relayKey!, SecureKeySchedule.RekeySignedData(groupAndPort, value, rekey.SignedLength), value, rekey.SignedLength))
            {
                Drops.Add("BadSignature");
                return;
            }

            LastRelayTraffic = now;
            Accept(rekey.Sequence, null, now);
        }

        /// <summary>A GroupSealed, its value read in place from the datagram.</summary>
        private void OnGroupSealed(ArraySegment<byte> value, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (!SecureCodec.TryReadGroupSealed(value, out uint sealedEpoch, out ulong r, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            if (stream.IsDuplicate(r))
            {
                // Taken already (a repair another member asked for, or a replay): no cryptography.
                Drops.Add("Duplicate");
                return;
            }

            AesGcm256? aead = null;
            if (InSession && epoch != 0 && sealedEpoch == epoch)
            {
                aead = groupAead;
            }
            else if (InSession && previousAead is not null && sealedEpoch == previousEpoch && now < previousUntil)
            {
                aead = previousAead;
            }

            if (aead is null || !stream.Started)
            {
                // Not opened, so not taken: once the stream runs, the number stays missing and is asked for.
                if (!InSession || epoch == 0 || sealedEpoch > epoch)
                {
                    Drops.Add("UnknownEpoch");
                    RequestKey(sealedEpoch, now, output);
                }
                else
                {
                    Drops.Add("OldEpoch");
                }

                return;
            }

            byte[] buffer = value.Array!;
            int signedLength = value.Count - SecureCodec.SignatureLength;
            if (!crypto.TryOpen(
                aead,
                SecureKeySchedule.GroupNonce(sealedEpoch, r),
                buffer,
                value.Offset + SecureCodec.SealedHeaderLength,
                signedLength - SecureCodec.SealedHeaderLength,
                new ArraySegment<byte>(buffer, value.Offset, SecureCodec.SealedHeaderLength),
                out byte[]? plain))
            {
                Drops.Add("BadTag");
                return;
            }

            ArraySegment<byte> signedData = SecureKeySchedule.GroupSignedData(groupAndPort, new ArraySegment<byte>(buffer, value.Offset, signedLength), ref signedScratch);
            if (!crypto.Verify(relayKey!, signedData, buffer, value.Offset + signedLength))
            {
                // The group key opened it, so a member made it: only the relay's signature proves the relay.
                Drops.Add("BadSignature");
                return;
            }

            LastRelayTraffic = now;
            Accept(r, plain, now);
            HandleImmediate(plain!, now, output);
            HandleReady(now, output);
        }

        /// <summary>Takes an authenticated datagram into the stream (a hold that overflows is counted HoldOverflow).</summary>
        private void Accept(ulong r, byte[]? plain, DateTimeOffset now)
        {
            long overflows = stream.HoldOverflows;
            stream.Accept(r, plain, plain?.Length ?? 0, now);
            if (stream.HoldOverflows != overflows)
            {
                Drops.Add("HoldOverflow");
            }
        }

        /// <summary>
        /// The records handled as soon as their datagram is taken, whatever its place in the order:
        /// Unavailable (numbers given up now), and the Ack and Refused records for this member's own
        /// messages. A malformed one is counted and ends the pass.
        /// </summary>
        private void HandleImmediate(byte[] plain, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            int offset = 0;
            while (SecureCodec.TryReadGroupRecord(plain, ref offset, out SecureGroupKind kind, out int at, out int length, out _))
            {
                string? reason = null;
                switch (kind)
                {
                    case SecureGroupKind.Unavailable:
                        if (SecureCodec.TryParseUnavailable(plain, at, length, out SecureSequenceRange range, out reason))
                        {
                            stream.GiveUp(range.First, (ulong)range.Length, GapReasons.Unavailable);
                        }

                        break;
                    case SecureGroupKind.Ack:
                        if (SecureCodec.TryParseAck(plain, at, length, out uint acked, out ulong nextQ, out reason) && acked == memberId)
                        {
                            List<OutgoingFragment> send = Cleared(sendScratch);
                            List<SendOutcome> outcomes = Cleared(outcomeScratch);
                            if (!sendWindow.OnAck(nextQ, now, send, outcomes))
                            {
                                // It acknowledges a fragment this member never sent.
                                reason = "MalformedRecord";
                            }

                            SendFragments(send, now, output);
                            Outcomes(outcomes, now, output);
                            send.Clear();
                            outcomes.Clear();
                        }

                        break;
                    case SecureGroupKind.Joined:
                        if (SecureCodec.TryParseJoined(plain, at, length, out SecureMemberEntry? joined, out _))
                        {
                            Announce(joined!.MemberId, now);
                        }

                        break;
                    case SecureGroupKind.Roster:
                        if (SecureCodec.TryParseRoster(plain, at, length, out List<SecureMemberEntry>? roster, out _))
                        {
                            foreach (SecureMemberEntry entry in roster!)
                            {
                                Announce(entry.MemberId, now);
                            }
                        }

                        break;
                    case SecureGroupKind.Refused:
                        if (SecureCodec.TryParseRefused(plain, at, length, out uint refused, out ulong messageId, out SecureRefusedReason why, out reason) && refused == memberId)
                        {
                            var outcomes = new List<SendOutcome>();
                            sendWindow.OnRefused(messageId, why, outcomes);
                            Outcomes(outcomes, now, output);
                        }

                        break;
                }

                if (reason is not null)
                {
                    Drops.Add(reason);
                    return;
                }
            }
        }

        /// <summary>Remembers a member id a Joined or Roster record named, and takes the Rekeys set aside that name it.</summary>
        private void Announce(uint id, DateTimeOffset now)
        {
            if (announced.Count < SecureDefaults.MaxKnownMembers)
            {
                announced.Add(id);
            }

            if (unannounced.Count == 0)
            {
                return;
            }

            foreach (SecureRekey rekey in unannounced.Values.Where(k => k.Entries.Any(e => e.MemberId == id)).ToList())
            {
                unannounced.Remove(rekey.Sequence);
                TakeForeignRekey(rekey, now);
            }

            if (unannouncedOrder.Count > 2 * SecureDefaults.UnannouncedRekeys)
            {
                var left = unannouncedOrder.Where(unannounced.ContainsKey).ToList();
                unannouncedOrder.Clear();
                foreach (ulong r in left)
                {
                    unannouncedOrder.Enqueue(r);
                }
            }
        }

        /// <summary>Handles, in R order, every datagram the stream made ready; stops if a record ended the session.</summary>
        private void HandleReady(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            GroupStreamReceiver<byte[]?> current = stream;
            while (ReferenceEquals(current, stream) && InSession && current.TryTakeReady(out ulong r, out byte[]? plain))
            {
                if (plain is not null)
                {
                    HandleRecords(r, plain, now, output);
                }
            }
        }

        /// <summary>Asks for the key of an epoch newer than the member's own, at most once a KeyAnswerInterval, and only when connected.</summary>
        private void RequestKey(uint seenEpoch, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State != MemberState.Connected || epoch == 0 || seenEpoch <= epoch)
            {
                return;
            }

            if (lastKeyRequest is not null && now - lastKeyRequest.Value < SecureDefaults.KeyAnswerInterval)
            {
                return;
            }

            lastKeyRequest = now;
            output.Datagrams.Add(SealToRelay(SecureMemberKind.KeyRequest, BigEndian.U32(seenEpoch)));
        }

        /// <summary>Handles the records of the datagram numbered <paramref name="r"/>, now that every number below it was handled or given up.</summary>
        private void HandleRecords(ulong r, byte[] plain, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            int offset = 0;
            string? reason;
            SecureLeftReason? removed = null;
            while (SecureCodec.TryReadGroupRecord(plain, ref offset, out SecureGroupKind kind, out int at, out int length, out reason))
            {
                if (IgnoresFederationRecordsForTests && (kind == SecureGroupKind.Site || kind == SecureGroupKind.Lost))
                {
                    // A member of a version before federation: these kinds are unknown to it.
                    kind = 0;
                }

                switch (kind)
                {
                    case SecureGroupKind.Data:
                        if (!SecureCodec.TryParseDataRecord(plain, at, length, out SecureFragment? fragment, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        OnData(r, fragment!, now, output);
                        break;
                    case SecureGroupKind.Joined:
                        if (!SecureCodec.TryParseJoined(plain, at, length, out SecureMemberEntry? joined, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        if (!OnJoined(joined!, now, output))
                        {
                            return;
                        }

                        if (joined!.MemberId != memberId)
                        {
                            senders.OnJoined(r, joined.MemberId);
                        }

                        break;
                    case SecureGroupKind.Left:
                        if (!SecureCodec.TryParseLeft(plain, at, length, out uint leftId, out SecureLeftReason leftReason, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        if (OnLeft(leftId, now, output))
                        {
                            removed = leftReason;
                        }

                        break;
                    case SecureGroupKind.Heartbeat:
                        if (length != 0)
                        {
                            Drops.Add("MalformedRecord");
                            return;
                        }

                        break;
                    case SecureGroupKind.Ack:
                        // Another member's Ack comes after that member's Data it covers: a Q it skips was lost.
                        // This member's own, and malformed ones, were handled (and counted) on arrival.
                        if (SecureCodec.TryParseAck(plain, at, length, out uint acked, out ulong nextQ, out _) && acked != memberId)
                        {
                            List<SenderStreamEvent> found = Found();
                            senders.OnAck(r, acked, nextQ, lossReason, found);
                            Deliver(found, now, output);
                        }
                        break;
                    case SecureGroupKind.Refused:
                        if (SecureCodec.TryParseRefused(plain, at, length, out uint refused, out ulong refusedId, out _, out _) && refused != memberId)
                        {
                            List<SenderStreamEvent> found = Found();
                            senders.OnRefused(refused, refusedId, found);
                            Deliver(found, now, output);
                        }
                        break;
                    case SecureGroupKind.Unavailable:
                        // Handled on arrival.
                        break;
                    case SecureGroupKind.Site:
                        if (!SecureCodec.TryParseSite(plain, at, length, out uint siteId, out string? site, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        OnSite(siteId, site!);
                        break;
                    case SecureGroupKind.Lost:
                        if (!SecureCodec.TryParseLost(plain, at, length, out uint lostId, out ulong lostNextQ, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        if (lostId != memberId)
                        {
                            // Like that sender's Ack, but what it skips is lost between the sites.
                            List<SenderStreamEvent> found = Found();
                            senders.OnAck(r, lostId, lostNextQ, LostBetweenSites, found);
                            Deliver(found, now, output);
                        }

                        break;
                    case SecureGroupKind.Roster:
                        if (!SecureCodec.TryParseRoster(plain, at, length, out List<SecureMemberEntry>? roster, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        foreach (SecureMemberEntry entry in roster!)
                        {
                            MemberIdentity present = Remember(entry);
                            output.Events.Add(MemberEvent.Present(now, present, State));
                        }

                        break;
                    default:
                        // A kind this version does not know: its length says where the next record starts.
                        Drops.Add("UnknownRecord");
                        break;
                }
            }

            if (reason is not null)
            {
                Drops.Add(reason);
            }

            if (removed is not null)
            {
                // The relay removed this member (its keep-alives were lost) or is stopping: join again, with
                // the same relay key only. The datagram's other records were read first: they are the relay's too.
                BeginHandshake(removed == SecureLeftReason.RelayStopping ? MemberState.RelayLost : MemberState.AwaitingRelayKey, now, output);
            }
        }

        /// <summary>Handles a Joined record; false (counted MalformedRecord) when it gives this member's id another key.</summary>
        private bool OnJoined(SecureMemberEntry entry, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (entry.MemberId == memberId && !BigEndian.Equal(entry.IdentityKey, identityPoint))
            {
                Drops.Add("MalformedRecord");
                return false;
            }

            bool isNew = !known.ContainsKey(entry.MemberId);
            MemberIdentity member = Remember(entry);
            if (entry.MemberId == memberId && State == MemberState.Joining)
            {
                nextKeepAlive = now + options.KeepAliveInterval;
                ChangeState(MemberState.Connected, now, output);
            }

            if (isNew)
            {
                output.Events.Add(MemberEvent.Presence(now, joined: true, member, verified: true, State));
            }

            return true;
        }

        /// <summary>Handles a Left record; true when it names this member, which starts a new handshake once the datagram is read.</summary>
        private bool OnLeft(uint leftId, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (!known.TryGetValue(leftId, out MemberIdentity? member))
            {
                member = new MemberIdentity(SecureCodec.FormatMemberId(leftId));
            }

            known.Remove(leftId);
            sites.Remove(leftId);
            announced.Remove(leftId);
            senders.Forget(leftId);
            output.Events.Add(MemberEvent.Presence(now, joined: false, member, verified: true, State));
            return leftId == memberId;
        }

        private void OnData(ulong r, SecureFragment fragment, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (fragment.SenderId == memberId)
            {
                // Its own message, as the relay sent it to the group: not for delivery, and not a drop.
                return;
            }

            List<SenderStreamEvent> found = Found();
            senders.OnData(r, fragment, lossReason, found);
            Deliver(found, now, output);
        }

        /// <summary>The list the sender streams report into, emptied.</summary>
        private List<SenderStreamEvent> Found()
        {
            foundScratch.Clear();
            return foundScratch;
        }

        private static List<T> Cleared<T>(List<T> list)
        {
            list.Clear();
            return list;
        }

        /// <summary>Turns what the sender streams found into Message and Gap events.</summary>
        private void Deliver(List<SenderStreamEvent> found, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            foreach (SenderStreamEvent e in found)
            {
                if (!known.TryGetValue(e.Sender, out MemberIdentity? from))
                {
                    from = new MemberIdentity(SecureCodec.FormatMemberId(e.Sender));
                }

                string? id = e.MessageId is ulong messageId ? SenderStreamEvent.FormatMessageId(messageId) : null;
                output.Events.Add(e.IsGap
                    ? MemberEvent.Gap(now, from, e.LostFragments, e.LostMessages, id, e.Reason!, State)
                    : MemberEvent.Message(now, from, e.Content!, id, verified: true, State));
            }
        }

        /// <summary>Sends what the send window has; fails everything and joins again when the relay stopped acknowledging.</summary>
        private void PollSend(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            List<OutgoingFragment> send = Cleared(sendScratch);
            List<SendOutcome> outcomes = Cleared(outcomeScratch);
            bool lost = sendWindow.Poll(now, send, outcomes);
            SendFragments(send, now, output);
            Outcomes(outcomes, now, output);
            send.Clear();
            outcomes.Clear();
            if (lost)
            {
                // AckTimeout: the relay is gone or unreachable, and the data stream cannot skip a number.
                BeginHandshake(MemberState.RelayLost, now, output);
            }
        }

        private void SendFragments(List<OutgoingFragment> send, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            foreach (OutgoingFragment fragment in send)
            {
                // Its retransmission time-out starts when the datagram leaves, which a paced send queue may delay.
                output.Add(SealFragment(fragment), fragment.Departure, now);
            }
        }

        private void Outcomes(List<SendOutcome> outcomes, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            foreach (SendOutcome outcome in outcomes)
            {
                output.Events.Add(MemberEvent.Outcome(now, outcome.Kind, SenderStreamEvent.FormatMessageId(outcome.MessageId), State, outcome.Reason));
            }
        }

        /// <summary>Fails every message queued or waiting for the relay.</summary>
        private List<SendOutcome> FailSends(string reason)
        {
            var outcomes = new List<SendOutcome>();
            sendWindow.FailAll(reason, outcomes);
            return outcomes;
        }

        private static byte[] Copy(ArraySegment<byte> value) => BigEndian.Slice(value.Array!, value.Offset, value.Count);

        private static int NewSeed()
        {
            var seed = new byte[4];
            using (RandomNumberGenerator generator = RandomNumberGenerator.Create())
            {
                generator.GetBytes(seed);
            }

            return BitConverter.ToInt32(seed, 0);
        }

        private GroupStreamReceiver<byte[]?> NewStream() => new GroupStreamReceiver<byte[]?>(
            new GroupStreamOptions
            {
                ReceiveWindow = options.ReceiveWindow,
                HoldLimit = options.HoldLimit,
                HoldBytes = options.HoldBytes,
                NackDelay = options.NackDelay,
                NackRetry = options.NackRetry,
                NackRetryMax = options.NackRetryMax,
                RepairTimeout = options.RepairTimeout,
            },
            () => NackDrawForTests?.Invoke() ?? jitter.NextDouble());

        private SendWindow NewSendWindow() => new SendWindow(new SendWindowOptions
        {
            Window = options.SendWindow,
            BufferMessages = options.SendBufferMessages,
            BufferBytes = options.SendBufferBytes,
            InitialRetransmit = options.InitialRetransmit,
            MinRetransmit = options.MinRetransmit,
            MaxRetransmit = options.MaxRetransmit,
            AckTimeout = options.AckTimeout,
        });

        private SenderStreams NewSenders() => new SenderStreams(options.MaxMessageBytes, options.ReassemblyBytes, SecureDefaults.MaxKnownMembers, Drops);

        /// <summary>A Site record: the site of a member id, shown on that member from its Joined or Roster entry on (and at once if it is known).</summary>
        private void OnSite(uint id, string site)
        {
            if (sites.ContainsKey(id) || sites.Count < SecureDefaults.MaxKnownMembers)
            {
                sites[id] = site;
            }
            else
            {
                Drops.Add("TooManyMembers");
                return;
            }

            if (id == memberId && Identity is not null)
            {
                Identity = Identity.WithSite(site);
            }

            if (known.TryGetValue(id, out MemberIdentity? member))
            {
                known[id] = id == memberId && Identity is not null ? Identity : member.WithSite(site);
            }
        }

        private MemberIdentity Remember(SecureMemberEntry entry)
        {
            sites.TryGetValue(entry.MemberId, out string? site);
            if (entry.MemberId == memberId && Identity is not null)
            {
                Identity = Identity.WithSite(site);
            }

            MemberIdentity member = entry.MemberId == memberId && Identity is not null ? Identity : entry.ToIdentity().WithSite(site);
            if (known.ContainsKey(entry.MemberId) || known.Count < SecureDefaults.MaxKnownMembers)
            {
                known[entry.MemberId] = member;
            }
            else
            {
                Drops.Add("TooManyMembers");
            }

            return member;
        }

        /// <summary>When true the member reads Site and Lost records as a member of an earlier version does: as unknown kinds, skipped.</summary>
        internal bool IgnoresFederationRecordsForTests { get; set; }

        /// <summary>A MemberSealed of any kind and body under this member's key, for tests that play a member breaking the rules.</summary>
        internal byte[] SealToRelayForTests(SecureMemberKind kind, byte[] body) => SealToRelay(kind, body);

        private byte[] SealToRelay(SecureMemberKind kind, byte[] body)
        {
            byte[] plain = PlainScratch(1 + body.Length);
            Buffer.BlockCopy(body, 0, plain, 1, body.Length);
            return SealPlaintext(kind, 1 + body.Length);
        }

        /// <summary>A Data fragment's MemberSealed, its plaintext written straight from the message's content.</summary>
        private byte[] SealFragment(OutgoingFragment fragment)
        {
            byte[] plain = PlainScratch(1 + SecureCodec.MemberDataHeaderLength + fragment.Length);
            int length = SecureCodec.WriteMemberDataBody(plain, 1, fragment.Sequence, fragment.MessageId, fragment.Index, fragment.Count, fragment.ContentType, fragment.Content, fragment.Offset, fragment.Length);
            return SealPlaintext(SecureMemberKind.Data, 1 + length);
        }

        /// <summary>The plaintext scratch buffer, at least <paramref name="length"/> bytes; its first byte is the kind.</summary>
        private byte[] PlainScratch(int length)
        {
            if (plainScratch is null || plainScratch.Length < length)
            {
                plainScratch = new byte[Math.Max(length, SecureDefaults.MaxDatagramBytes)];
            }

            return plainScratch;
        }

        /// <summary>
        /// Seals the first <paramref name="length"/> bytes of the plaintext scratch (its body written
        /// after the kind byte) as the next MemberSealed: the datagram is assembled in one array, the
        /// sealed bytes written straight into it.
        /// </summary>
        private byte[] SealPlaintext(SecureMemberKind kind, int length)
        {
            byte[] plain = plainScratch!;
            plain[0] = (byte)kind;
            ulong sequence = nextSend++;
            const int headerAt = TlvRecord.HeaderLength;
            const int sealedAt = headerAt + SecureCodec.SealedHeaderLength;
            var datagram = new byte[sealedAt + length + SecureCodec.TagLength];
            TlvWriter.WriteHeader(datagram, 0, TlvType.SecureMemberSealed, datagram.Length - TlvRecord.HeaderLength);
            SecureCodec.WriteSealedHeader(datagram, headerAt, memberId, sequence);
            crypto.SealInto(
                toRelay!,
                SecureKeySchedule.PairwiseNonce(sequence),
                new ArraySegment<byte>(plain, 0, length),
                new ArraySegment<byte>(datagram, headerAt, SecureCodec.SealedHeaderLength),
                datagram,
                sealedAt);
            return datagram;
        }

        private void Fail(MemberFailure failure, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            Outcomes(FailSends(MessageFailureReasons.RelayLost), now, output);
            Failure = failure;
            EndSession();
            ephemeral?.Dispose();
            ephemeral = null;
            ChangeState(MemberState.Failed, now, output);
        }

        private void ChangeState(MemberState state, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State == state)
            {
                return;
            }

            State = state;
            output.Events.Add(MemberEvent.StateChange(now, state));
        }

        /// <summary>The counters of the handshakes before the current one.</summary>
        private sealed class DeliveryTotals
        {
            public long NacksSent { get; private set; }

            public long RepairsReceived { get; private set; }

            public long RepairsGivenUp { get; private set; }

            public long Gaps { get; private set; }

            public long LostFragments { get; private set; }

            public long Retransmissions { get; private set; }

            public long FastRetransmissions { get; private set; }

            public long MessagesAcknowledged { get; private set; }

            public long MessagesFailed { get; private set; }

            public void Add(GroupStreamReceiver<byte[]?> stream, SendWindow sendWindow, SenderStreams senders)
            {
                NacksSent += stream.NacksSent;
                RepairsReceived += stream.RepairsReceived;
                RepairsGivenUp += stream.RepairsGivenUp;
                Gaps += senders.Gaps;
                LostFragments += senders.LostFragments;
                Retransmissions += sendWindow.Retransmissions;
                FastRetransmissions += sendWindow.FastRetransmissions;
                MessagesAcknowledged += sendWindow.MessagesAcknowledged;
                MessagesFailed += sendWindow.MessagesFailed;
            }
        }
    }
}
