using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;

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
    /// key, so only the signature proves the relay). Replay windows stop repeats. Messages are
    /// delivered whole, once, and in order per sender.
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
        private readonly Reassembly<uint> reassembly;
        private readonly Dictionary<uint, MemberIdentity> known = new Dictionary<uint, MemberIdentity>();
        private readonly Dictionary<uint, ulong> nextExpected = new Dictionary<uint, ulong>();

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
        private ReplayWindow groupWindow;
        private int fragmentCapacity;
        private uint epoch;
        private AesGcm256? groupAead;
        private uint previousEpoch;
        private AesGcm256? previousAead;
        private DateTimeOffset previousUntil;
        private DateTimeOffset? lastKeyRequest;
        private DateTimeOffset nextKeepAlive;
        private ulong? nextMessageId;

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
            var limits = new ReassemblyLimits
            {
                MaxFragmentsPerMessage = Math.Min(options.Reassembly.MaxFragmentsPerMessage, SecureCodec.MaxFragmentsFor(options.MaxMessageBytes)),
                MaxMessagesPerSource = options.Reassembly.MaxMessagesPerSource,
                MaxBytesPerSource = options.Reassembly.MaxBytesPerSource,
                MaxBytesTotal = options.Reassembly.MaxBytesTotal,
                Timeout = options.Reassembly.Timeout,
            };
            reassembly = new Reassembly<uint>(limits, Drops, options.MaxMessageBytes);
            pairwiseWindow = new ReplayWindow(options.ReplayWindowSize);
            groupWindow = new ReplayWindow(options.ReplayWindowSize);
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

        /// <inheritdoc/>
        public DateTimeOffset? NextDeadline => null;

        /// <inheritdoc/>
        public SendProgress? GetSendProgress(string messageId) => null;

        /// <summary>The cryptographic operations done so far, by kind.</summary>
        public SecureOperationCounts Operations => crypto.Counts;

        /// <summary>Members the relay announced (Joined, Roster) and that have not left.</summary>
        public IReadOnlyCollection<MemberIdentity> KnownMembers => known.Values.ToList();

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
            if (State == MemberState.New || State == MemberState.Closed || State == MemberState.Failed || source is null || source.Equals(Self))
            {
                // Not listening: what the group says is not dropped by a member that has not started or has ended.
                return;
            }

            if (!SecureCodec.TryReadDatagram(datagram, out TlvRecord? record, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            switch (record!.Type)
            {
                case TlvType.SecureWelcome:
                    OnWelcome(record.Value, source, now, output);
                    break;
                case TlvType.SecureGroupSealed:
                    OnGroupSealed(record.Value, now, output);
                    break;
                case TlvType.SecureRekey:
                    OnRekey(record.Value, now);
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

            reassembly.Expire(now);
        }

        public SentMessage Send(MessageContent content, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            if (content.Kind != MessageContentKind.Text)
            {
                throw new ArgumentException("The Secure protocol carries text only: send a text, or use the Secure protocol for bytes and files." , nameof(content));
            }

            string text = content.Text!;

            MemberSendCheck.ThrowUnlessConnected(State, Failure, RelaySilenceLimit);

            byte[] data;
            try
            {
                data = ClassicMessages.StrictUtf8.GetBytes(text);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("The text is not valid Unicode (a lone surrogate).", nameof(text), e);
            }

            if (data.Length == 0)
            {
                throw new ArgumentException("A message cannot be empty.", nameof(text));
            }

            if (data.Length > options.MaxMessageBytes)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The message has {0} UTF-8 bytes; the most this session sends is {1}.", data.Length, options.MaxMessageBytes),
                    nameof(text));
            }

            nextMessageId ??= BigEndian.ReadU64(crypto.Random(8), 0);
            ulong id = nextMessageId.Value;
            nextMessageId = unchecked(id + 1);
            int count = (data.Length + fragmentCapacity - 1) / fragmentCapacity;
            int wireBytes = 0;
            for (int i = 0; i < count; i++)
            {
                int at = i * fragmentCapacity;
                byte[] body = SecureCodec.MemberDataBody(id, i, count, SecureCodec.TextFlag, data, at, Math.Min(fragmentCapacity, data.Length - at));
                byte[] datagram = SealToRelay(SecureMemberKind.Data, body);
                wireBytes += datagram.Length;
                output.Datagrams.Add(datagram);
            }

            string messageId = id.ToString("x16", CultureInfo.InvariantCulture);
            output.Events.Add(MemberEvent.Outcome(now, MemberEventKind.MessageSent, messageId, State));
            return new SentMessage(messageId, text, data.Length, wireBytes, count);
        }

        /// <summary>Says goodbye with a sealed Leave when it has a session with the relay; the state becomes Closed. A Failed member stays Failed.</summary>
        public void Leave(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State == MemberState.Closed || State == MemberState.Failed)
            {
                return;
            }

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
            groupWindow = new ReplayWindow(options.ReplayWindowSize);
            foreach (uint sender in known.Keys.ToList())
            {
                reassembly.Forget(sender);
            }

            foreach (uint sender in nextExpected.Keys.ToList())
            {
                reassembly.Forget(sender);
            }

            known.Clear();
            nextExpected.Clear();
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

        private void OnRekey(byte[] value, DateTimeOffset now)
        {
            if (!SecureCodec.TryParseRekey(value, out SecureRekey? rekey, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            SecureRekeyEntry? entry = InSession ? rekey!.Entries.FirstOrDefault(e => e.MemberId == memberId) : null;
            if (entry is null)
            {
                Drops.Add("NotForUs");
                return;
            }

            if (!pairwiseWindow.Check(entry.Sequence))
            {
                Drops.Add("Replay");
                return;
            }

            uint newEpoch = rekey!.Epoch;
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
                    // A late answer: a newer key is installed already.
                    Drops.Add("OldEpoch");
                }
            }
            finally
            {
                Array.Clear(key!, 0, key!.Length);
            }
        }

        private void OnGroupSealed(byte[] value, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (!SecureCodec.TryParseGroupSealed(value, out SecureGroupSealed? header, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            uint sealedEpoch = header!.Epoch;
            AesGcm256? aead = null;
            if (InSession && epoch != 0 && sealedEpoch == epoch)
            {
                aead = groupAead;
            }
            else if (InSession && previousAead is not null && sealedEpoch == previousEpoch && now < previousUntil)
            {
                aead = previousAead;
            }

            if (aead is null)
            {
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

            ulong sequence = header.Sequence;
            if (!groupWindow.Check(sequence))
            {
                Drops.Add("Replay");
                return;
            }

            if (!crypto.TryOpen(
                aead,
                SecureKeySchedule.GroupNonce(sealedEpoch, sequence),
                value,
                SecureCodec.SealedHeaderLength,
                header.SealedLength,
                new ArraySegment<byte>(value, 0, SecureCodec.SealedHeaderLength),
                out byte[]? plain))
            {
                Drops.Add("BadTag");
                return;
            }

            if (!crypto.Verify(relayKey!, SecureKeySchedule.GroupSignedData(groupAndPort, value, header.SignedLength), value, header.SignedLength))
            {
                // The group key opened it, so a member made it: only the relay's signature proves the relay.
                Drops.Add("BadSignature");
                return;
            }

            groupWindow.Update(sequence);
            LastRelayTraffic = now;
            HandleRecords(plain!, now, output);
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

        private void HandleRecords(byte[] plain, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            int offset = 0;
            string? reason;
            SecureLeftReason? removed = null;
            while (SecureCodec.TryReadGroupRecord(plain, ref offset, out SecureGroupKind kind, out int at, out int length, out reason))
            {
                switch (kind)
                {
                    case SecureGroupKind.Data:
                        if (!SecureCodec.TryParseDataRecord(plain, at, length, out SecureFragment? fragment, out reason))
                        {
                            Drops.Add(reason!);
                            return;
                        }

                        OnData(fragment!, now, output);
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
            nextExpected.Remove(leftId);
            reassembly.Forget(leftId);
            output.Events.Add(MemberEvent.Presence(now, joined: false, member, verified: true, State));
            return leftId == memberId;
        }

        private void OnData(SecureFragment fragment, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            uint sender = fragment.SenderId;
            if (sender == memberId)
            {
                // Its own message, as the relay sent it to the group: not for delivery, and not a drop.
                return;
            }

            if (fragment.Flags != SecureCodec.TextFlag)
            {
                Drops.Add("UnsupportedFlags");
                return;
            }

            if (IsStale(sender, fragment.MessageId))
            {
                Drops.Add("StaleMessage");
                return;
            }

            byte[]? whole = reassembly.Add(sender, fragment.MessageId, fragment.Index, fragment.Count, fragment.Payload, now);
            if (whole is null)
            {
                return;
            }

            string? text = ClassicMessages.TryDecodeText(whole);
            if (text is null)
            {
                Drops.Add("InvalidText");
                return;
            }

            if (IsStale(sender, fragment.MessageId))
            {
                // A later message of the same sender completed first and was delivered.
                Drops.Add("StaleMessage");
                return;
            }

            if (!nextExpected.ContainsKey(sender) && nextExpected.Count >= SecureDefaults.MaxKnownMembers)
            {
                Drops.Add("TooManyMembers");
                return;
            }

            nextExpected[sender] = unchecked(fragment.MessageId + 1);
            if (!known.TryGetValue(sender, out MemberIdentity? from))
            {
                from = new MemberIdentity(SecureCodec.FormatMemberId(sender));
            }

            output.Events.Add(MemberEvent.Message(now, from, text, fragment.MessageId.ToString("x16", CultureInfo.InvariantCulture), verified: true, State));
        }

        /// <summary>True when a message id is not after the last one delivered from that sender (ids grow by one per message, modulo 2^64).</summary>
        private bool IsStale(uint sender, ulong messageId) =>
            nextExpected.TryGetValue(sender, out ulong next) && unchecked((long)(messageId - next)) < 0;

        private MemberIdentity Remember(SecureMemberEntry entry)
        {
            MemberIdentity member = entry.MemberId == memberId && Identity is not null ? Identity : entry.ToIdentity();
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

        /// <summary>A MemberSealed of any kind and body under this member's key, for tests that play a member breaking the rules.</summary>
        internal byte[] SealToRelayForTests(SecureMemberKind kind, byte[] body) => SealToRelay(kind, body);

        private byte[] SealToRelay(SecureMemberKind kind, byte[] body)
        {
            ulong sequence = nextSend++;
            byte[] header = SecureCodec.SealedHeader(memberId, sequence);
            byte[] sealedPlain = crypto.Seal(toRelay!, SecureKeySchedule.PairwiseNonce(sequence), SecureCodec.MemberPlaintext(kind, body), header);
            return SecureCodec.Datagram(TlvType.SecureMemberSealed, header, sealedPlain);
        }

        private void Fail(MemberFailure failure, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
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
    }
}
