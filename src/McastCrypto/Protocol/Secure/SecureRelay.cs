using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Federation;
using McastCrypto.Tlv;
using McastCrypto.Transport;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// <para>
    /// The relay of the Secure protocol (docs/protocol.md, "Secure"), as a pure state machine. It
    /// answers Hellos with signed Welcomes (within budgets checked before any public-key operation),
    /// admits members by their identity keys, opens each member's sealed datagrams with that
    /// member's pairwise key, and sends everything to the group sealed once under the epoch's group
    /// key and signed once with its identity key. Every membership change, and every rekey interval,
    /// starts a new epoch whose key goes to each member sealed under its pairwise key.
    /// </para>
    /// <para>
    /// Packing: records for the group (forwarded fragments, presence, heartbeats) wait in a batch and
    /// go out together in one GroupSealed. The batch is sealed when the next record would not fit;
    /// at the end of any step that finds it holding a record queued by an earlier step; at every
    /// <see cref="Flush"/>, <see cref="Tick"/> and <see cref="Stop"/>; and before a new epoch starts.
    /// So a record waits at most until the end of the step after the one that queued it (or the next
    /// tick or flush): the runner calls Flush whenever no datagram waits, so an idle relay sends at
    /// once, and one under load packs up to two steps' records per signature.
    /// </para>
    /// <para>
    /// Reliable delivery (docs/protocol.md, "Reliability"): each member's Data fragments are taken in
    /// the order of their Q, held when they come early (within MemberWindow, within HoldBytes in
    /// all), forwarded or refused exactly once, and acknowledged with an Ack record placed after
    /// them. Every group datagram is kept by its R in a bounded retransmit buffer and sent again,
    /// byte for byte, when a member's Nack asks for it (at most once per RepairHoldoff), or reported
    /// Unavailable once it is gone. After any group datagram the relay sends tail heartbeats after
    /// 10, 20, 40 ms... of quiet, so members notice a lost last datagram quickly.
    /// </para>
    /// <para>
    /// Federation (docs/protocol.md, "Federated relays"): with an <see cref="IFederationPort"/> the
    /// relay tells the other sites what its members do (the <see cref="IFederationSink"/> calls) and
    /// shows the other sites' members to its own as <b>aliases</b>: member ids of its own, announced
    /// with Joined, Site and Roster records, whose Data, Ack, Refused and Lost records it sends under
    /// its own group key. Aliases hold no key of this site, so their coming and going starts no epoch.
    /// </para>
    /// </summary>
    public sealed class SecureRelay : IRelayProtocol
    {
        /// <summary>How many Unavailable ranges the relay remembers to say each once per RepairHoldoff.</summary>
        private const int MaxRecentUnavailable = 256;

        private readonly EcdsaP256PrivateKey identity;
        private readonly SecureRelayOptions options;
        private readonly SecureCrypto crypto;
        private readonly byte[] groupAndPort;
        private readonly byte[] identityPoint;
        private readonly HashSet<string>? authorized;
        private readonly HandshakeBudget handshakes;
        private readonly PerSecondBudget refusals;
        private readonly int maxFragments;
        private readonly Dictionary<uint, Peer> peers = new Dictionary<uint, Peer>();

        // Other sites' members, by the id this relay gave them and by (origin relay's fingerprint, origin member id).
        private readonly Dictionary<uint, Alias> aliases = new Dictionary<uint, Alias>();
        private readonly Dictionary<(string, uint), Alias> aliasesByOrigin = new Dictionary<(string, uint), Alias>();

        // How many aliases each relay (by fingerprint) has, for its share without counting them all.
        private readonly Dictionary<string, int> aliasCountByOrigin = new Dictionary<string, int>(StringComparer.Ordinal);

        // Other sites' members refused for lack of room, so that each is counted once, not at every
        // roster that repeats it; bounded (past it a refusal is counted every time), and a member
        // goes when it leaves or gets an alias.
        private readonly HashSet<(string, uint)> refusedRemote = new HashSet<(string, uint)>();
        private IFederationPort? federation;
        private string? site;

        // The members whose data stream moved since the last periodic heartbeat: every heartbeat
        // repeats their Ack, so that a member that lost the last datagram of a quiet sender for good
        // still learns where that sender's stream ends (and reports the loss) without waiting for it
        // to send again.
        private readonly HashSet<uint> movedSinceHeartbeat = new HashSet<uint>();
        private readonly Dictionary<(ulong, ulong), HelloSeen> hellos = new Dictionary<(ulong, ulong), HelloSeen>();
        private readonly List<byte[]> batch = new List<byte[]>();
        private readonly Dictionary<uint, byte[]> batchAcks = new Dictionary<uint, byte[]>();
        private readonly MemberIdentity relayIdentity;
        private readonly RetransmitBuffer retransmit;
        private readonly List<(SecureSequenceRange Range, DateTimeOffset At)> recentUnavailable = new List<(SecureSequenceRange, DateTimeOffset)>();
        private int batchBytes;
        private bool batchOnlyHeartbeats = true;
        private DateTimeOffset stepTime;
        private long heldBytes;
        private int heldFragments;
        private DateTimeOffset? nextTailHeartbeat;
        private TimeSpan tailDelay;
        private long batchStep;
        private long step;
        private int pendingCount;
        private int currentCount;
        private uint epoch;
        private byte[]? groupKey;
        private AesGcm256? groupAead;
        private DateTimeOffset epochStarted;
        private ulong nextSequence;
        private DateTimeOffset nextHeartbeat;
        private bool stopped;
        private bool used;

        // Sink calls the port has not sealed yet, and the step of the first of them.
        private bool sinkPending;
        private long sinkStep;

        // Reused for every group datagram (one step at a time): the records' plaintext, and the bytes the signature covers.
        private byte[]? plainScratch;
        private byte[]? signedScratch;

        /// <param name="self">The relay's send address:port; what it hears from there is its own.</param>
        /// <param name="identity">The relay's persistent identity key; the relay owns and disposes it.</param>
        /// <param name="options">Settings, the group and port included (they are bound into every signature); validated here.</param>
        public SecureRelay(IPEndPoint self, EcdsaP256PrivateKey identity, SecureRelayOptions options)
        {
            Self = self ?? throw new ArgumentNullException(nameof(self));
            this.identity = identity ?? throw new ArgumentNullException(nameof(identity));
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            crypto = new SecureCrypto(options.Random);
            groupAndPort = SecureKeySchedule.GroupAndPort(options.Group, options.Port);
            identityPoint = identity.PublicKey.Point;
            authorized = options.AuthorizedKeys is null ? null : new HashSet<string>(options.AuthorizedKeys, StringComparer.Ordinal);
            handshakes = new HandshakeBudget(options.HandshakesPerSecond, options.HandshakesPerSourcePerSecond);
            refusals = new PerSecondBudget(options.RefusalsPerSecond);
            maxFragments = SecureCodec.MaxFragmentsFor(options.MaxMessageBytes);
            relayIdentity = new MemberIdentity(SecureCodec.FormatMemberId(0), "relay", identity.PublicKey.Fingerprint, self);
            retransmit = new RetransmitBuffer(options.RetransmitBufferSize, options.RetransmitBufferBytes);
        }

        /// <summary>A relay federated with other sites' relays through <paramref name="federation"/> (see <see cref="AttachFederation"/>).</summary>
        /// <param name="self">The relay's send address:port; what it hears from there is its own.</param>
        /// <param name="identity">The relay's persistent identity key; the relay owns and disposes it.</param>
        /// <param name="options">Settings, the group and port included; validated here.</param>
        /// <param name="federation">The federation state machine; null for a relay of one site.</param>
        public SecureRelay(IPEndPoint self, EcdsaP256PrivateKey identity, SecureRelayOptions options, IFederationPort? federation)
            : this(self, identity, options)
        {
            if (federation is not null)
            {
                AttachFederation(federation);
            }
        }

        /// <summary>The federation this relay is part of; null when it serves one site alone.</summary>
        public IFederationPort? Federation => federation;

        /// <summary>This relay's site name when it is federated (shown on its own members); null otherwise.</summary>
        public string? Site => site;

        /// <summary>Other sites' members this relay shows to its own (aliases).</summary>
        public int RemoteMembers => aliases.Count;

        /// <summary>Messages of other sites' members forwarded whole to this relay's members (also counted in <see cref="MessagesRelayed"/>).</summary>
        public long RemoteMessagesRelayed { get; private set; }

        /// <summary>
        /// Joins the relay to a federation, before it is first used (any Receive, Tick, Flush or Stop):
        /// from then on it calls the port's sink methods as its members come, send and go, drives the
        /// port's timers from its own, and shows the other sites' members the port reports as aliases.
        /// The port's site must be a valid site name (1 to 64 UTF-8 bytes, no control characters).
        /// </summary>
        public void AttachFederation(IFederationPort port)
        {
            if (port is null)
            {
                throw new ArgumentNullException(nameof(port));
            }

            if (federation is not null)
            {
                throw new InvalidOperationException("The relay is federated already.");
            }

            if (used)
            {
                throw new InvalidOperationException("A federation is attached before the relay is first used.");
            }

            SecureCodec.EncodeSite(port.Site);
            site = port.Site;
            federation = port;
        }

        /// <summary>
        /// A message from the federation bus (<paramref name="subject"/>, <paramref name="payload"/>):
        /// given to the port, which checks it (a bad one is a drop the port counts), then what other
        /// sites' members did is applied to this relay's group. A step like <see cref="Receive"/>.
        /// </summary>
        public void ReceiveFederation(string subject, byte[] payload, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (output is null)
            {
                throw new ArgumentNullException(nameof(output));
            }

            if (federation is null)
            {
                throw new InvalidOperationException("The relay is not federated.");
            }

            if (stopped)
            {
                return;
            }

            used = true;
            step++;
            stepTime = now;
            federation.Receive(subject, payload, now);
            ApplyRemote(now, output);
            if (batch.Count > 0 && batchStep < step)
            {
                EmitBatch(output);
            }
        }

        public McastProtocol Protocol => McastProtocol.Secure;

        public IPEndPoint Self { get; }

        public string KeyFingerprint => identity.PublicKey.Fingerprint;

        /// <summary>The current epoch; null before the first member joined.</summary>
        public long? Epoch => epoch == 0 ? (long?)null : epoch;

        public DropCounter Drops { get; } = new DropCounter();

        public long MessagesRelayed { get; private set; }

        /// <summary>The next tail heartbeat, while members are current and one is due; null otherwise (the runner's period serves the rest).</summary>
        public DateTimeOffset? NextDeadline
        {
            get
            {
                if (stopped)
                {
                    return null;
                }

                DateTimeOffset? own = currentCount == 0 ? null : nextTailHeartbeat;
                DateTimeOffset? federated = federation?.NextDeadline;
                if (own is null)
                {
                    return federated;
                }

                return federated is null || own.Value <= federated.Value ? own : federated;
            }
        }

        /// <summary>Group datagrams kept to repair.</summary>
        public int RetransmitBufferCount => retransmit.Count;

        /// <summary>Bytes of the group datagrams kept to repair.</summary>
        public long RetransmitBufferBytes => retransmit.Bytes;

        /// <summary>Group datagrams let go from the retransmit buffer to keep within its bounds.</summary>
        public long RetransmitEvicted => retransmit.Evicted;

        /// <summary>Nacks handled (from current members, within their rate, well formed).</summary>
        public long NacksReceived { get; private set; }

        /// <summary>Group datagrams sent again because a Nack asked for them.</summary>
        public long RepairsSent { get; private set; }

        /// <summary>Numbers asked for that were not sent again because they had been less than RepairHoldoff ago.</summary>
        public long RepairsSuppressed { get; private set; }

        /// <summary>Numbers asked for that the relay no longer held, reported in Unavailable records.</summary>
        public long RepairsUnavailable { get; private set; }

        /// <summary>Members' fragments held because they came before the ones below them.</summary>
        public int HeldFragments => heldFragments;

        /// <summary>Bytes of payload of the fragments held early, all members together.</summary>
        public long HeldBytes => heldBytes;

        /// <summary>The cryptographic operations done so far, by kind.</summary>
        public SecureOperationCounts Operations => crypto.Counts;

        /// <summary>
        /// Members and pending handshakes (Connected false until their Join arrived), then the other
        /// sites' members (aliases, with their site; no address: they are not on this LAN).
        /// </summary>
        public IReadOnlyList<RelayMember> Members =>
            peers.Values.Select(p => new RelayMember(p.Identity, p.Joined, p.HelloAt, p.LastSeen))
                .Concat(aliases.Values.Select(a => new RelayMember(a.Identity, true, a.JoinedAt, a.LastSeen, isRemote: true)))
                .ToList();

        /// <summary>Handshakes waiting for their Join.</summary>
        public int PendingHandshakes => pendingCount;

        /// <summary>Hello nonces remembered (pending, current members' and recently ended handshakes').</summary>
        internal int HellosRemembered => hellos.Count;

        /// <summary>Sources counted in this second's handshake budget.</summary>
        internal int HandshakeSourcesTracked => handshakes.SourcesTracked;

        public void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (stopped || source is null || AddressText.SameEndPoint(source, Self))
            {
                return;
            }

            used = true;
            step++;
            stepTime = now;
            // Read in place: the relay hears its own group datagrams too, and the members' data is only read once.
            if (!SecureCodec.TryReadDatagramInPlace(datagram, out TlvType type, out ArraySegment<byte> value, out string? reason))
            {
                Drops.Add(reason!);
            }
            else
            {
                switch (type)
                {
                    case TlvType.SecureHello:
                        OnHello(BigEndian.Slice(value.Array!, value.Offset, value.Count), source, now, output);
                        break;
                    case TlvType.SecureMemberSealed:
                        OnMemberSealed(value, now, output);
                        break;
                    case TlvType.SecureWelcome:
                    case TlvType.SecureGroupSealed:
                    case TlvType.SecureRekey:
                        // A relay's traffic: another relay on the group, or a copy of our own from another address.
                        Drops.Add("IgnoredType");
                        break;
                    default:
                        Drops.Add("UnknownType");
                        break;
                }
            }

            if (batch.Count > 0 && batchStep < step)
            {
                EmitBatch(output);
            }

            if (sinkPending && sinkStep < step)
            {
                // The federation's records wait no longer than the relay's own: one further step at most.
                FlushFederation(now);
            }
        }

        public void Flush(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!stopped)
            {
                used = true;
                stepTime = now;
                if (federation is not null)
                {
                    FlushFederation(now);
                    ApplyRemote(now, output);
                }

                EmitBatch(output);
            }
        }

        public void Tick(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (stopped)
            {
                return;
            }

            used = true;
            step++;
            stepTime = now;
            if (federation is not null)
            {
                federation.Tick(now);
                ApplyRemote(now, output);
            }

            // Ticks come every few milliseconds under load: a list is made only when something is due.
            List<Peer>? expired = null;
            List<Peer>? silent = null;
            foreach (Peer peer in peers.Values)
            {
                if (!peer.Joined && now >= peer.PendingUntil)
                {
                    (expired ??= new List<Peer>()).Add(peer);
                }
                else if (peer.Joined && now - peer.LastSeen >= options.ClientTimeout)
                {
                    (silent ??= new List<Peer>()).Add(peer);
                }
            }

            if (expired is not null)
            {
                foreach (Peer peer in expired)
                {
                    Drops.Add("HandshakeTimeout");
                    Forget(peer, now);
                }
            }

            if (silent is not null)
            {
                Remove(silent, SecureLeftReason.TimedOut, now, output);
            }

            List<(ulong, ulong)>? forgotten = null;
            foreach (KeyValuePair<(ulong, ulong), HelloSeen> entry in hellos)
            {
                if (entry.Value.ForgetAt <= now)
                {
                    (forgotten ??= new List<(ulong, ulong)>()).Add(entry.Key);
                }
            }

            if (forgotten is not null)
            {
                foreach ((ulong, ulong) key in forgotten)
                {
                    hellos.Remove(key);
                }
            }

            if (currentCount > 0 && now - epochStarted >= options.RekeyInterval)
            {
                StartEpoch(relayIdentity, now, output);
            }

            if (currentCount > 0 && nextTailHeartbeat is DateTimeOffset tailDue && now >= tailDue)
            {
                // Quiet since the last group datagram: a Heartbeat carries the latest R, so a member that
                // missed the last datagram learns of it now. Records waiting go out instead (they restart this).
                if (batch.Count == 0)
                {
                    EnqueueHeartbeat(output);
                    nextHeartbeat = now + options.KeepAliveInterval;
                }

                tailDelay = TimeSpan.FromTicks(tailDelay.Ticks * 2);
                nextTailHeartbeat = tailDelay < options.KeepAliveInterval ? now + tailDelay : (DateTimeOffset?)null;
            }

            if (currentCount > 0 && now >= nextHeartbeat)
            {
                EnqueueHeartbeat(output);
                nextHeartbeat = now + options.KeepAliveInterval;
                movedSinceHeartbeat.Clear();
            }

            // What this tick told the federation (time-outs) is sealed now too.
            FlushFederation(now);
            EmitBatch(output);
        }

        /// <summary>
        /// Announces Left (reason 3, relay stopping) for every member and every other site's member
        /// shown here, sends it (and tells the federation its members left), and forgets everyone.
        /// Nothing happens afterwards.
        /// </summary>
        public void Stop(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (stopped)
            {
                return;
            }

            used = true;
            step++;
            stepTime = now;
            bool anyone = currentCount > 0;
            foreach (Peer peer in peers.Values.Where(p => p.Joined).ToList())
            {
                Enqueue(SecureCodec.LeftRecord(peer.Id, SecureLeftReason.RelayStopping), output);
                output.Events.Add(new RelayEvent(RelayEventKind.Left, now, peer.Identity));
                federation?.LocalLeft(peer.Id, SecureLeftReason.RelayStopping, now);
            }

            foreach (Alias alias in aliases.Values.ToList())
            {
                if (anyone)
                {
                    Enqueue(SecureCodec.LeftRecord(alias.Id, SecureLeftReason.RelayStopping), output);
                }

                output.Events.Add(new RelayEvent(RelayEventKind.Left, now, alias.Identity));
            }

            aliases.Clear();
            aliasesByOrigin.Clear();
            aliasCountByOrigin.Clear();
            refusedRemote.Clear();
            EmitBatch(output);
            FlushFederation(now);
            foreach (Peer peer in peers.Values.ToList())
            {
                peer.Dispose();
            }

            peers.Clear();
            hellos.Clear();
            pendingCount = 0;
            currentCount = 0;
            stopped = true;
        }

        public void Dispose()
        {
            foreach (Peer peer in peers.Values)
            {
                peer.Dispose();
            }

            peers.Clear();
            groupAead?.Dispose();
            ClearGroupKey();
            identity.Dispose();
        }

        private void OnHello(byte[] value, IPEndPoint source, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!SecureCodec.TryParseHello(value, out SecureHello? hello, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            // Everything that can refuse a Hello without a public-key operation comes first. A Hello is
            // remembered by its identity key and nonce together: anyone on the link hears a member's nonce,
            // and a Hello of another key carrying it must not make the member's own Hello a "replay".
            var nonce = HelloKey(value);
            if (hellos.TryGetValue(nonce, out HelloSeen? seen))
            {
                if (seen.Welcome is not null && now < seen.AnswerableUntil && now - seen.LastSent >= SecureDefaults.WelcomeResendInterval
                    && BigEndian.Equal(seen.HelloValue, value))
                {
                    // The member's Welcome was lost and it repeated its Hello: the stored answer, no new keys, no public-key operation.
                    seen.LastSent = now;
                    output.Datagrams.Add(seen.Welcome);
                    return;
                }

                Drops.Add("Replay");
                return;
            }

            if (pendingCount >= options.MaxPendingHandshakes)
            {
                Drops.Add("TooManyPending");
                return;
            }

            if (currentCount + pendingCount >= options.MaxClients)
            {
                // Waiting handshakes count: each may become a member without another check.
                Drops.Add("TooManyClients");
                return;
            }

            if (!handshakes.TrySpend(source.Address, now))
            {
                Drops.Add("HandshakeRateLimited");
                return;
            }

            EcdsaP256PublicKey memberKey;
            try
            {
                memberKey = EcdsaP256PublicKey.Import(hello!.IdentityKey);
                EcdsaP256PublicKey.Import(hello.EphemeralKey);
            }
            catch (CryptographicException)
            {
                Drops.Add("BadKey");
                return;
            }

            if (!crypto.Verify(memberKey, SecureKeySchedule.HelloSignedData(groupAndPort, value, hello.SignedLength), value, hello.SignedLength))
            {
                Drops.Add("BadSignature");
                return;
            }

            string fingerprint = memberKey.Fingerprint;
            if (authorized is not null && !authorized.Contains(fingerprint))
            {
                Refuse(hello, fingerprint, nonce, source, now, output);
                return;
            }

            Admit(hello, fingerprint, nonce, source, now, output);
        }

        private void Refuse(SecureHello hello, string fingerprint, (ulong, ulong) nonce, IPEndPoint source, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!refusals.TrySpend(now))
            {
                Drops.Add("RefusalRateLimited");
                return;
            }

            byte[] unsigned = SecureCodec.WelcomeUnsigned(
                hello.Nonce,
                SecureWelcomeStatus.Refused,
                identityPoint,
                new byte[SecureCodec.PointLength],
                new byte[SecureCodec.NonceLength],
                0,
                options.MaxDatagramBytes);
            byte[] datagram = SignWelcome(unsigned, SecureKeySchedule.TranscriptHash(groupAndPort, hello.Value, unsigned));
            output.Datagrams.Add(datagram);
            hellos[nonce] = new HelloSeen(hello.Value, datagram, now + options.PendingHandshakeTimeout, now, now + SecureDefaults.HelloMemory);
            Drops.Add("AdmissionRefused");
            output.Events.Add(new RelayEvent(RelayEventKind.Refused, now, new MemberIdentity(fingerprint, hello.Name, fingerprint, source)));
        }

        private void Admit(SecureHello hello, string fingerprint, (ulong, ulong) nonce, IPEndPoint source, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            uint memberId = NewMemberId();
            byte[] memberToRelay;
            byte[] relayToMember;
            byte[] datagram;
            using (EcdhP256 ephemeral = crypto.NewEphemeral())
            {
                byte[] relayNonce = crypto.Random(SecureCodec.NonceLength);
                byte[] unsigned = SecureCodec.WelcomeUnsigned(
                    hello.Nonce,
                    SecureWelcomeStatus.Admitted,
                    identityPoint,
                    ephemeral.PublicKey,
                    relayNonce,
                    memberId,
                    options.MaxDatagramBytes);
                byte[] transcript = SecureKeySchedule.TranscriptHash(groupAndPort, hello.Value, unsigned);
                byte[] shared;
                try
                {
                    shared = crypto.Agree(ephemeral, hello.EphemeralKey);
                }
                catch (CryptographicException)
                {
                    Drops.Add("BadKey");
                    return;
                }

                SecureKeySchedule.DeriveKeys(shared, transcript, out memberToRelay, out relayToMember);
                Array.Clear(shared, 0, shared.Length);
                datagram = SignWelcome(unsigned, transcript);
            }

            var peer = new Peer(
                memberId,
                new SecureMemberEntry(memberId, hello.IdentityKey, hello.Name),
                fingerprint,
                source,
                nonce,
                AesGcm256.Create(memberToRelay),
                AesGcm256.Create(relayToMember),
                new ReplayWindow(options.ReplayWindowSize),
                new PerSecondBudget(options.NacksPerSecond),
                new PerSecondBudget(options.RepairsPerSecond),
                now,
                now + options.PendingHandshakeTimeout,
                site);
            Array.Clear(memberToRelay, 0, memberToRelay.Length);
            Array.Clear(relayToMember, 0, relayToMember.Length);
            peers.Add(memberId, peer);
            pendingCount++;
            hellos[nonce] = new HelloSeen(hello.Value, datagram, peer.PendingUntil, now, DateTimeOffset.MaxValue);
            output.Datagrams.Add(datagram);
        }

        private byte[] SignWelcome(byte[] unsigned, byte[] transcript)
        {
            byte[] signature = crypto.Sign(identity, SecureKeySchedule.WelcomeSignedData(transcript));
            return SecureCodec.Datagram(TlvType.SecureWelcome, unsigned, signature);
        }

        /// <summary>A MemberSealed, its value read in place from the datagram.</summary>
        private void OnMemberSealed(ArraySegment<byte> value, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!SecureCodec.TryReadMemberSealed(value, out uint memberId, out ulong sequence, out string? reason))
            {
                Drops.Add(reason!);
                return;
            }

            if (!peers.TryGetValue(memberId, out Peer? peer))
            {
                Drops.Add("UnknownMember");
                return;
            }

            if (!peer.Window.Check(sequence))
            {
                Drops.Add("Replay");
                return;
            }

            if (!crypto.TryOpen(
                peer.FromMember,
                SecureKeySchedule.PairwiseNonce(sequence),
                value.Array!,
                value.Offset + SecureCodec.SealedHeaderLength,
                value.Count - SecureCodec.SealedHeaderLength,
                new ArraySegment<byte>(value.Array!, value.Offset, SecureCodec.SealedHeaderLength),
                out byte[]? plain))
            {
                Drops.Add("BadTag");
                return;
            }

            // Authenticated: only now does the datagram touch any state.
            peer.Window.Update(sequence);
            peer.LastSeen = now;
            if (!SecureCodec.TryParseMemberPlaintext(plain!, out SecureMemberKind kind, out SecureFragment? fragment, out _, out IReadOnlyList<SecureSequenceRange>? nack, out reason))
            {
                Drops.Add(reason!);
                return;
            }

            if (!peer.Joined)
            {
                if (kind != SecureMemberKind.Join)
                {
                    Drops.Add("NotJoined");
                    return;
                }

                CompleteJoin(peer, now, output);
                return;
            }

            switch (kind)
            {
                case SecureMemberKind.Join:
                    // Its first answer was lost: the current key again, and the Joined it waits for.
                    if (AnswerKey(peer, now, output))
                    {
                        EnqueueJoined(peer.Entry, site, output);
                    }

                    break;
                case SecureMemberKind.KeepAlive:
                    break;
                case SecureMemberKind.Leave:
                    Remove(new List<Peer> { peer }, SecureLeftReason.Left, now, output);
                    break;
                case SecureMemberKind.Data:
                    OnData(peer, fragment!, now, output);
                    break;
                case SecureMemberKind.KeyRequest:
                    // Answered with the current epoch whatever epoch it names: an outsider's forged GroupSealed
                    // can make a member ask for any epoch, and the answer must still repair a missed Rekey.
                    AnswerKey(peer, now, output);
                    break;
                case SecureMemberKind.Nack:
                    OnNack(peer, nack!, now, output);
                    break;
            }
        }

        private void CompleteJoin(Peer peer, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            peer.Joined = true;
            pendingCount--;
            currentCount++;
            if (hellos.TryGetValue(peer.HelloNonce, out HelloSeen? seen))
            {
                // The handshake is over: its Hello is never answered again, but remembered while the member stays.
                seen.Welcome = null;
            }

            if (currentCount == 1)
            {
                nextHeartbeat = now + options.KeepAliveInterval;
            }

            output.Events.Add(new RelayEvent(RelayEventKind.Joined, now, peer.Identity));
            Sink()?.LocalJoined(peer.Id, peer.Entry.IdentityKey, peer.Entry.Name, peer.NextQ, now);
            peer.LastKeyAnswer = now;
            StartEpoch(peer.Identity, now, output);
            EnqueueJoined(peer.Entry, site, output);
            int capacity = SecureCodec.GroupPlaintextCapacity(options.MaxDatagramBytes);
            List<byte[]> roster = site is null
                ? SecureCodec.RosterRecords(peers.Values.Where(p => p.Joined).Select(p => p.Entry).ToList(), capacity)
                : SecureCodec.RosterRecordsWithSites(
                    peers.Values.Where(p => p.Joined).Select(p => (p.Entry, site))
                        .Concat(aliases.Values.Select(a => (a.Entry, a.Site)))
                        .ToList(),
                    capacity);
            foreach (byte[] record in roster)
            {
                Enqueue(record, output);
            }
        }

        /// <summary>A Joined record, after the member's Site record when the relay is federated.</summary>
        private void EnqueueJoined(SecureMemberEntry entry, string? memberSite, ProtocolOutput<RelayEvent> output)
        {
            if (memberSite is not null)
            {
                // The Site and the Joined go in one datagram: the Site record first, so the member knows it when it reads the Joined.
                byte[] siteRecord = SecureCodec.SiteRecord(entry.MemberId, memberSite);
                byte[] joined = SecureCodec.JoinedRecord(entry);
                if (batchBytes + siteRecord.Length + joined.Length > SecureCodec.GroupPlaintextCapacity(options.MaxDatagramBytes))
                {
                    EmitBatch(output);
                }

                Enqueue(siteRecord, output);
                Enqueue(joined, output);
                return;
            }

            Enqueue(SecureCodec.JoinedRecord(entry), output);
        }

        /// <summary>Sends one member the current epoch's key alone, at most once per KeyAnswerInterval; false when it is too soon.</summary>
        private bool AnswerKey(Peer peer, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (peer.LastKeyAnswer is not null && now - peer.LastKeyAnswer.Value < SecureDefaults.KeyAnswerInterval)
            {
                Drops.Add("AnswerRateLimited");
                return false;
            }

            peer.LastKeyAnswer = now;
            EmitRekey(new List<Peer> { peer }, output);
            return true;
        }

        /// <summary>
        /// A Data fragment of a current member, by its Q: the next one is taken (forwarded or refused),
        /// then every held one that follows it; one that comes early is held; one already taken is a
        /// Duplicate; one too far ahead is WindowExceeded. Whenever the member's next Q moved, an Ack
        /// record follows its records.
        /// </summary>
        private void OnData(Peer peer, SecureFragment fragment, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            ulong q = fragment.Sequence;
            if (q < peer.NextQ)
            {
                // Sent again because the member missed the Ack (or replayed): not forwarded twice; the Ack again.
                Drops.Add("Duplicate");
                UnmovedAck(peer, now, output, early: false);
                return;
            }

            if (q - peer.NextQ >= (ulong)options.MemberWindow)
            {
                Drops.Add("WindowExceeded");
                return;
            }

            if (q > peer.NextQ)
            {
                bool held = peer.Early.ContainsKey(q);
                if (held)
                {
                    Drops.Add("Duplicate");
                }
                else if (heldBytes + fragment.PayloadLength > options.HoldBytes)
                {
                    Drops.Add("HoldLimit");
                    return;
                }
                else
                {
                    peer.Early.Add(q, fragment);
                    peer.EarlyBytes += fragment.PayloadLength;
                    heldBytes += fragment.PayloadLength;
                    heldFragments++;
                }

                // Tells the sender which fragment the relay still waits for.
                UnmovedAck(peer, now, output, early: !held);
                return;
            }

            Take(peer, fragment, now, output);
            peer.NextQ++;
            while (peer.Early.TryGetValue(peer.NextQ, out SecureFragment? next))
            {
                peer.Early.Remove(peer.NextQ);
                peer.EarlyBytes -= next.PayloadLength;
                heldBytes -= next.PayloadLength;
                heldFragments--;
                Take(peer, next, now, output);
                peer.NextQ++;
            }

            EnqueueAck(peer.Id, peer.NextQ, output);
            Sink()?.LocalProgress(peer.Id, peer.NextQ, now);
        }

        /// <summary>
        /// This relay's rules for a message, checked on each of its fragments (content type, then size):
        /// the drop a fragment breaks, with the reason its Refused record gives, or null.
        /// </summary>
        private string? BrokenMessageRule(SecureFragment fragment, out SecureRefusedReason why)
        {
            int length = fragment.PayloadLength;
            why = SecureRefusedReason.TooLarge;
            if (!SecureCodec.IsKnownContentType(fragment.ContentType))
            {
                why = SecureRefusedReason.UnsupportedContent;
                return "UnsupportedContent";
            }

            // Every fragment but the last carries the same number of bytes, so a fragment that is not the
            // last tells the message's least length.
            if (fragment.Count > maxFragments
                || length > options.MaxMessageBytes
                || (fragment.Index < fragment.Count - 1 && ((long)length * (fragment.Count - 1)) + 1 > options.MaxMessageBytes))
            {
                return "MessageTooLarge";
            }

            return null;
        }

        /// <summary>The fragment whose Q is the member's next: forwarded as a Data record, or refused (once per message id).</summary>
        private void Take(Peer peer, SecureFragment fragment, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            int length = fragment.PayloadLength;
            string? drop = null;
            SecureRefusedReason why = SecureRefusedReason.TooLarge;
            if (peer.RefusedDrop is not null && peer.RefusedMessageId == fragment.MessageId)
            {
                // The rest of a message refused already: refused too, without another record.
                drop = peer.RefusedDrop;
            }
            else if (length > SecureCodec.FragmentCapacity(options.MaxDatagramBytes))
            {
                drop = "FragmentTooLarge";
            }
            else
            {
                drop = BrokenMessageRule(fragment, out why);
            }

            RemovePendingAck(peer.Id);
            if (drop is not null)
            {
                Drops.Add(drop);
                if (peer.RefusedDrop is null || peer.RefusedMessageId != fragment.MessageId)
                {
                    peer.RefusedMessageId = fragment.MessageId;
                    peer.RefusedDrop = drop;
                    Enqueue(SecureCodec.RefusedRecord(peer.Id, fragment.MessageId, why), output);
                    Sink()?.LocalRefused(peer.Id, fragment.MessageId, why, now);
                }

                return;
            }

            Enqueue(SecureCodec.DataRecord(peer.Id, fragment), output);
            if (Sink() is IFederationSink sink)
            {
                // With the member's id (a member's own Data names none) and a payload of its own: the port may keep it past this step.
                sink.LocalData(
                    new SecureFragment(peer.Id, fragment.Sequence, fragment.MessageId, fragment.Index, fragment.Count, fragment.ContentType, fragment.Payload),
                    now);
            }

            if (peer.Messages.Complete(fragment, length) is int bytes)
            {
                Relayed(peer.Identity, bytes, currentCount - 1, now, output);
            }
        }

        /// <summary>
        /// An Ack that does not move the member's next Q (a duplicate or an early fragment came): at most
        /// one per DuplicateAckInterval, except that the first early fragment after the next Q moved is
        /// answered at once: it names a new missing fragment, which the member sends again on this Ack.
        /// </summary>
        private void UnmovedAck(Peer peer, DateTimeOffset now, ProtocolOutput<RelayEvent> output, bool early)
        {
            bool newHole = early && peer.HoleAcked != peer.NextQ;
            if (!newHole && peer.LastUnmovedAck is not null && now - peer.LastUnmovedAck.Value < SecureDefaults.DuplicateAckInterval)
            {
                return;
            }

            if (early)
            {
                peer.HoleAcked = peer.NextQ;
            }

            peer.LastUnmovedAck = now;
            EnqueueAck(peer.Id, peer.NextQ, output);
        }

        /// <summary>Queues Ack (member or alias, next Q), replacing an Ack of that member still in the batch: the newer says everything the older did.</summary>
        private void EnqueueAck(uint id, ulong nextQ, ProtocolOutput<RelayEvent> output)
        {
            RemovePendingAck(id);
            byte[] record = SecureCodec.AckRecord(id, nextQ);
            Enqueue(record, output);
            batchAcks[id] = record;
            movedSinceHeartbeat.Add(id);
        }

        /// <summary>Takes the member's Ack out of the batch, if one waits there: a record of that member comes, and a newer Ack after it.</summary>
        private void RemovePendingAck(uint id)
        {
            if (batchAcks.TryGetValue(id, out byte[]? pending))
            {
                batchAcks.Remove(id);
                batch.Remove(pending);
                batchBytes -= pending.Length;
            }
        }

        /// <summary>
        /// A Nack of a current member: within its rate, the numbers it asks for (at most
        /// MaxRepairsPerNack, none above the latest R) are sent again at once as the stored bytes, in
        /// ascending order, unless sent again less than RepairHoldoff ago; those no longer held are
        /// reported in Unavailable records.
        /// </summary>
        private void OnNack(Peer peer, IReadOnlyList<SecureSequenceRange> ranges, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!peer.Nacks.TrySpend(now))
            {
                Drops.Add("NackRateLimited");
                return;
            }

            if (retransmit.Latest is not ulong latest || ranges[0].First > latest)
            {
                // It asks for numbers the relay never used: not a loss, a broken or lying member.
                Drops.Add("MalformedRecord");
                return;
            }

            NacksReceived++;
            int budget = SecureDefaults.MaxRepairsPerNack;
            int repairsLeft = peer.Repairs.Remaining(now);
            int repaired = 0;
            bool limited = false;
            var gone = new List<SecureSequenceRange>();
            foreach (SecureSequenceRange range in ranges)
            {
                for (ulong r = range.First; budget > 0 && r <= range.Last && r <= latest; r++, budget--)
                {
                    RetransmitBuffer.Entry? entry = retransmit.Find(r);
                    if (entry is null)
                    {
                        AddNumber(gone, r);
                    }
                    else if (entry.LastRepair is not null && now - entry.LastRepair.Value < options.RepairHoldoff)
                    {
                        // Already on its way to everyone.
                        RepairsSuppressed++;
                    }
                    else if (repaired >= repairsLeft)
                    {
                        // This member's repairs for this second are spent: it asks again later.
                        limited = true;
                    }
                    else
                    {
                        entry.LastRepair = now;
                        output.Datagrams.Add(entry.Datagram);
                        RepairsSent++;
                        repaired++;
                    }

                    if (r == ulong.MaxValue)
                    {
                        break;
                    }
                }
            }

            peer.Repairs.Spend(repaired);
            if (limited)
            {
                Drops.Add("RepairRateLimited");
            }

            ReportUnavailable(gone, now, output);
        }

        /// <summary>Queues Unavailable records for the numbers asked for that are gone, leaving out those reported less than RepairHoldoff ago.</summary>
        private void ReportUnavailable(List<SecureSequenceRange> gone, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            recentUnavailable.RemoveAll(u => now - u.At >= options.RepairHoldoff);
            if (gone.Count == 0)
            {
                return;
            }

            var covered = recentUnavailable.Select(u => u.Range).OrderBy(u => u.First).ToList();
            foreach (SecureSequenceRange range in gone)
            {
                foreach (SecureSequenceRange part in Subtract(range, covered))
                {
                    Enqueue(SecureCodec.UnavailableRecord(part), output);
                    RepairsUnavailable += part.Length;
                    recentUnavailable.Add((part, now));
                }
            }

            if (recentUnavailable.Count > MaxRecentUnavailable)
            {
                // Only a memory to avoid saying the same twice in a few milliseconds: forgetting the oldest costs a repeat at most.
                recentUnavailable.RemoveRange(0, recentUnavailable.Count - MaxRecentUnavailable);
            }
        }

        /// <summary>Adds <paramref name="number"/> (above every number in the list) to the last range, or starts a new one.</summary>
        private static void AddNumber(List<SecureSequenceRange> ranges, ulong number)
        {
            if (ranges.Count > 0)
            {
                SecureSequenceRange last = ranges[ranges.Count - 1];
                if (last.Last + 1 == number && last.Length < SecureSequenceRange.MaxLength)
                {
                    ranges[ranges.Count - 1] = new SecureSequenceRange(last.First, last.Length + 1);
                    return;
                }
            }

            ranges.Add(new SecureSequenceRange(number, 1));
        }

        /// <summary>The parts of <paramref name="range"/> that none of <paramref name="covered"/> (sorted by first number) holds.</summary>
        private static IEnumerable<SecureSequenceRange> Subtract(SecureSequenceRange range, List<SecureSequenceRange> covered)
        {
            ulong from = range.First;
            ulong to = range.Last;
            foreach (SecureSequenceRange c in covered)
            {
                if (c.Last < from)
                {
                    continue;
                }

                if (c.First > to)
                {
                    break;
                }

                if (c.First > from)
                {
                    yield return new SecureSequenceRange(from, (int)(c.First - from));
                }

                if (c.Last >= to)
                {
                    yield break;
                }

                from = c.Last + 1;
            }

            yield return new SecureSequenceRange(from, (int)(to - from + 1));
        }

        /// <summary>The federation, to tell it something in this step (noted, so that it is flushed within one further step); null when not federated.</summary>
        private IFederationSink? Sink()
        {
            if (federation is null)
            {
                return null;
            }

            if (!sinkPending)
            {
                sinkPending = true;
                sinkStep = step;
            }

            return federation;
        }

        private void FlushFederation(DateTimeOffset now)
        {
            if (federation is not null)
            {
                sinkPending = false;
                federation.Flush(now);
            }
        }

        /// <summary>Applies what the federation says other sites' members did, in its order.</summary>
        private void ApplyRemote(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            IReadOnlyList<FederationRemoteEvent>? events = federation!.TakeRemoteEvents();
            if (events is null)
            {
                return;
            }

            foreach (FederationRemoteEvent remote in events)
            {
                if (remote is null)
                {
                    Drops.Add("MalformedRemoteEvent");
                    continue;
                }

                switch (remote.Kind)
                {
                    case FederationRemoteEventKind.Joined:
                        OnRemoteJoined(remote, now, output);
                        break;
                    case FederationRemoteEventKind.Left:
                        OnRemoteLeft(remote, now, output);
                        break;
                    case FederationRemoteEventKind.Data:
                        OnRemoteData(remote, now, output);
                        break;
                    case FederationRemoteEventKind.Refused:
                        OnRemoteRefused(remote, now, output);
                        break;
                    case FederationRemoteEventKind.Progress:
                    case FederationRemoteEventKind.Lost:
                        OnRemoteProgress(remote, remote.Kind == FederationRemoteEventKind.Lost, now, output);
                        break;
                    default:
                        Drops.Add("MalformedRemoteEvent");
                        break;
                }
            }
        }

        /// <summary>
        /// Another site's member is present: the first time, an alias (an id of this relay's, never
        /// one of a member or handshake), its Site and Joined records, and a Joined event; no epoch
        /// (the alias holds no key of this site). Again (its relay's roster repeats it): nothing new.
        /// </summary>
        private void OnRemoteJoined(FederationRemoteEvent remote, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (aliasesByOrigin.TryGetValue((remote.OriginFingerprint, remote.MemberId), out Alias? known))
            {
                known.LastSeen = now;
                return;
            }

            if (!IsWellFormedMember(remote))
            {
                Drops.Add("MalformedRemoteEvent");
                return;
            }

            // Each authorized relay gets its share of the room, so that one relay cannot fill it for all.
            int share = Math.Max(1, options.MaxRemoteMembers / Math.Max(1, federation!.AuthorizedRelayCount));
            aliasCountByOrigin.TryGetValue(remote.OriginFingerprint, out int fromOrigin);
            if (aliases.Count >= options.MaxRemoteMembers || fromOrigin >= share)
            {
                // Every roster repeats the member: it is counted the first time only.
                if (refusedRemote.Contains((remote.OriginFingerprint, remote.MemberId)))
                {
                    return;
                }

                if (refusedRemote.Count < Math.Max(1024, options.MaxRemoteMembers))
                {
                    refusedRemote.Add((remote.OriginFingerprint, remote.MemberId));
                }

                Drops.Add("TooManyRemoteMembers");
                return;
            }

            refusedRemote.Remove((remote.OriginFingerprint, remote.MemberId));
            aliasCountByOrigin[remote.OriginFingerprint] = fromOrigin + 1;

            uint id = NewMemberId();
            var alias = new Alias(
                id,
                remote.OriginFingerprint,
                remote.MemberId,
                new SecureMemberEntry(id, (byte[])remote.IdentityKey!.Clone(), remote.Name!),
                remote.OriginSite,
                remote.NextQ,
                now);
            aliases.Add(id, alias);
            aliasesByOrigin.Add((alias.Origin, alias.OriginId), alias);
            output.Events.Add(new RelayEvent(RelayEventKind.Joined, now, alias.Identity));
            if (currentCount > 0)
            {
                EnqueueJoined(alias.Entry, alias.Site, output);
            }
        }

        /// <summary>An identity key that is a P-256 point, a name and a site a record can carry.</summary>
        private static bool IsWellFormedMember(FederationRemoteEvent remote)
        {
            if (remote.IdentityKey is null || remote.IdentityKey.Length != SecureCodec.PointLength || remote.Name is null || !SecureCodec.IsValidSite(remote.OriginSite))
            {
                return false;
            }

            try
            {
                SecureCodec.EncodeName(remote.Name);
                EcdsaP256PublicKey.Import(remote.IdentityKey);
                return true;
            }
            catch (ArgumentException)
            {
                return false;
            }
            catch (CryptographicException)
            {
                return false;
            }
        }

        /// <summary>Another site's member left: its alias goes, with a Left record (no epoch) and a Left or TimedOut event.</summary>
        private void OnRemoteLeft(FederationRemoteEvent remote, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (refusedRemote.Remove((remote.OriginFingerprint, remote.MemberId)))
            {
                // A member refused an alias leaves: there was nothing of it to remove.
                return;
            }

            if (!TryGetAlias(remote, out Alias? alias))
            {
                return;
            }

            SecureLeftReason reason = remote.LeftReason;
            if (reason != SecureLeftReason.Left && reason != SecureLeftReason.TimedOut && reason != SecureLeftReason.RelayStopping)
            {
                // It goes all the same (or it would stay for good), under the plainest reason.
                Drops.Add("MalformedRemoteEvent");
                reason = SecureLeftReason.Left;
            }

            aliases.Remove(alias!.Id);
            aliasesByOrigin.Remove((alias.Origin, alias.OriginId));
            if (aliasCountByOrigin.TryGetValue(alias.Origin, out int left) && left > 1)
            {
                aliasCountByOrigin[alias.Origin] = left - 1;
            }
            else
            {
                aliasCountByOrigin.Remove(alias.Origin);
            }
            movedSinceHeartbeat.Remove(alias.Id);
            RemovePendingAck(alias.Id);
            output.Events.Add(new RelayEvent(reason == SecureLeftReason.TimedOut ? RelayEventKind.TimedOut : RelayEventKind.Left, now, alias.Identity));
            if (currentCount > 0)
            {
                Enqueue(SecureCodec.LeftRecord(alias.Id, reason), output);
            }
        }

        /// <summary>
        /// A fragment of another site's member, in its Q order: forwarded as a Data record of the alias
        /// with Q' = Q - base. One from before the alias appeared, one already forwarded, or one that
        /// cannot be a fragment of this group's size is a counted drop.
        /// </summary>
        private void OnRemoteData(FederationRemoteEvent remote, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!TryGetAlias(remote, out Alias? alias))
            {
                return;
            }

            SecureFragment? fragment = remote.Fragment;
            if (fragment is null || fragment.Count < 1 || fragment.Index < 0 || fragment.Index >= fragment.Count
                || fragment.PayloadLength < 1 || fragment.PayloadSegment.Array is null)
            {
                Drops.Add("MalformedRemoteEvent");
                return;
            }

            if (fragment.PayloadLength > SecureCodec.FragmentCapacity(options.MaxDatagramBytes))
            {
                // Fragments are forwarded as they are, never cut again: a larger one does not fit this group's datagrams.
                Drops.Add("FragmentTooLarge");
                return;
            }

            if (fragment.Sequence < alias!.Base)
            {
                Drops.Add("RemoteDataBeforeJoin");
                return;
            }

            ulong q = fragment.Sequence - alias.Base;
            if (q < alias.NextQ)
            {
                Drops.Add("Duplicate");
                return;
            }

            alias.NextQ = q + 1;
            alias.LastSeen = now;

            // This relay's own rules for a message (as Take applies them to its members'): a message
            // another site took may still be one this group does not carry. Refused once per message id.
            string? drop;
            SecureRefusedReason why = SecureRefusedReason.TooLarge;
            if (alias.RefusedDrop is not null && alias.RefusedMessageId == fragment.MessageId)
            {
                drop = alias.RefusedDrop;
            }
            else
            {
                drop = BrokenMessageRule(fragment, out why);
            }

            if (drop is not null)
            {
                Drops.Add(drop);
                if (alias.RefusedDrop is null || alias.RefusedMessageId != fragment.MessageId)
                {
                    alias.RefusedMessageId = fragment.MessageId;
                    alias.RefusedDrop = drop;
                    if (currentCount > 0)
                    {
                        RemovePendingAck(alias.Id);
                        Enqueue(SecureCodec.RefusedRecord(alias.Id, fragment.MessageId, why), output);
                    }
                }

                return;
            }

            if (currentCount == 0)
            {
                // No one here to tell: the alias's stream moves on, and a member that joins later starts from where it is.
                return;
            }

            RemovePendingAck(alias.Id);
            ArraySegment<byte> payload = fragment.PayloadSegment;
            var forwarded = new SecureFragment(alias.Id, q, fragment.MessageId, fragment.Index, fragment.Count, fragment.ContentType, payload.Array!, payload.Offset, payload.Count);
            Enqueue(SecureCodec.DataRecord(alias.Id, forwarded), output);
            movedSinceHeartbeat.Add(alias.Id);
            if (alias.Messages.Complete(forwarded, forwarded.PayloadLength) is int bytes)
            {
                RemoteMessagesRelayed++;
                Relayed(alias.Identity, bytes, currentCount, now, output);
            }
        }

        /// <summary>The other site's relay refused one of its member's messages: a Refused record of the alias.</summary>
        private void OnRemoteRefused(FederationRemoteEvent remote, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!TryGetAlias(remote, out Alias? alias))
            {
                return;
            }

            if (remote.RefusedReason != SecureRefusedReason.TooLarge && remote.RefusedReason != SecureRefusedReason.UnsupportedContent)
            {
                Drops.Add("MalformedRemoteEvent");
                return;
            }

            alias!.LastSeen = now;
            if (currentCount > 0)
            {
                RemovePendingAck(alias.Id);
                Enqueue(SecureCodec.RefusedRecord(alias.Id, remote.MessageId, remote.RefusedReason), output);
            }
        }

        /// <summary>
        /// Progress: an Ack record of the alias (Q' units), in place of one still in the batch. Lost: a
        /// Lost record, so this site's members report what the alias's stream skips as lost between
        /// the sites. Either only when it moves the alias's stream (or, for Progress, repeats where it is).
        /// </summary>
        private void OnRemoteProgress(FederationRemoteEvent remote, bool lost, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!TryGetAlias(remote, out Alias? alias))
            {
                return;
            }

            if (remote.NextQ < alias!.Base)
            {
                Drops.Add("RemoteDataBeforeJoin");
                return;
            }

            ulong q = remote.NextQ - alias.Base;
            alias.LastSeen = now;
            if (q < alias.NextQ || (lost && q == alias.NextQ) || (!lost && alias.AckedQ == q))
            {
                // Says less than the records already sent, or repeats the last Ack (the origin repeats
                // its members' progress; tail heartbeats repeat it here), or (Lost) nothing is lost.
                return;
            }

            alias.NextQ = q;
            if (currentCount == 0)
            {
                return;
            }

            alias.AckedQ = q;
            if (lost)
            {
                RemovePendingAck(alias.Id);
                Enqueue(SecureCodec.LostRecord(alias.Id, q), output);
                movedSinceHeartbeat.Add(alias.Id);
            }
            else
            {
                EnqueueAck(alias.Id, q, output);
            }
        }

        /// <summary>The alias of a remote event's member; false (counted UnknownRemoteMember) when none.</summary>
        private bool TryGetAlias(FederationRemoteEvent remote, out Alias? alias)
        {
            if (aliasesByOrigin.TryGetValue((remote.OriginFingerprint, remote.MemberId), out alias))
            {
                return true;
            }

            Drops.Add("UnknownRemoteMember");
            return false;
        }

        private void Relayed(MemberIdentity sender, int bytes, int recipients, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            MessagesRelayed++;
            output.Events.Add(new RelayEvent(RelayEventKind.Relayed, now, sender, recipients, bytes));
        }

        /// <summary>Removes members, starts a new epoch for those who stay, and announces each departure under it.</summary>
        private void Remove(List<Peer> gone, SecureLeftReason reason, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            foreach (Peer peer in gone)
            {
                Forget(peer, now);
                output.Events.Add(new RelayEvent(reason == SecureLeftReason.TimedOut ? RelayEventKind.TimedOut : RelayEventKind.Left, now, peer.Identity));
                Sink()?.LocalLeft(peer.Id, reason, now);
            }

            if (currentCount > 0)
            {
                StartEpoch(gone[0].Identity, now, output);
            }

            foreach (Peer peer in gone)
            {
                Enqueue(SecureCodec.LeftRecord(peer.Id, reason), output);
            }
        }

        private void Forget(Peer peer, DateTimeOffset now)
        {
            peers.Remove(peer.Id);
            movedSinceHeartbeat.Remove(peer.Id);
            heldBytes -= peer.EarlyBytes;
            heldFragments -= peer.Early.Count;
            peer.Early.Clear();
            peer.EarlyBytes = 0;
            RemovePendingAck(peer.Id);
            if (peer.Joined)
            {
                currentCount--;
            }
            else
            {
                pendingCount--;
            }

            if (hellos.TryGetValue(peer.HelloNonce, out HelloSeen? seen))
            {
                seen.Welcome = null;
                seen.ForgetAt = now + SecureDefaults.HelloMemory;
            }

            peer.Dispose();
        }

        /// <summary>
        /// A new epoch: what is queued goes out under the old key first (those who left may read it,
        /// those who join may not), then the new key to every current member, and from then on the new key.
        /// </summary>
        private void StartEpoch(MemberIdentity cause, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            EmitBatch(output);
            epoch = epoch == uint.MaxValue ? 1 : epoch + 1;
            ClearGroupKey();
            groupAead?.Dispose();
            groupKey = crypto.Random(SecureCodec.KeyLength);
            groupAead = AesGcm256.Create(groupKey);
            epochStarted = now;
            EmitRekey(peers.Values.Where(p => p.Joined).ToList(), output);
            output.Events.Add(new RelayEvent(RelayEventKind.Rekeyed, now, cause));
        }

        /// <summary>The current key sealed for each of <paramref name="recipients"/>, in as many Rekey datagrams as the size limit needs.</summary>
        private void EmitRekey(List<Peer> recipients, ProtocolOutput<RelayEvent> output)
        {
            int perDatagram = SecureCodec.RekeyEntriesPerDatagram(options.MaxDatagramBytes);
            for (int start = 0; start < recipients.Count; start += perDatagram)
            {
                var chunk = recipients.Skip(start).Take(perDatagram).ToList();
                ulong sequence = nextSequence++;
                var parts = new List<byte[]> { SecureCodec.RekeyHeader(epoch, sequence, chunk.Count) };
                foreach (Peer peer in chunk)
                {
                    ulong t = peer.NextRelaySequence++;
                    byte[] sealedKey = crypto.Seal(peer.ToMember, SecureKeySchedule.PairwiseNonce(t), groupKey!, SecureKeySchedule.RekeyEntryAad(epoch, peer.Id));
                    parts.Add(BigEndian.Concat(BigEndian.U32(peer.Id), BigEndian.U64(t), sealedKey));
                }

                byte[] unsigned = BigEndian.Concat(parts.ToArray());
                byte[] signature = crypto.Sign(identity, SecureKeySchedule.RekeySignedData(groupAndPort, unsigned, unsigned.Length));
                byte[] datagram = SecureCodec.Datagram(TlvType.SecureRekey, unsigned, signature);
                output.Datagrams.Add(datagram);
                Sent(sequence, datagram, heartbeatOnly: false);
            }
        }

        private void Enqueue(byte[] record, ProtocolOutput<RelayEvent> output)
        {
            if (batchBytes + record.Length > SecureCodec.GroupPlaintextCapacity(options.MaxDatagramBytes))
            {
                EmitBatch(output);
            }

            if (batch.Count == 0)
            {
                batchStep = step;
            }

            batch.Add(record);
            batchBytes += record.Length;
            batchOnlyHeartbeats = false;
        }

        /// <summary>Queues a Heartbeat record; a datagram of heartbeats alone does not restart the tail heartbeats.</summary>
        private void EnqueueHeartbeat(ProtocolOutput<RelayEvent> output)
        {
            bool onlyHeartbeats = batch.Count == 0 || batchOnlyHeartbeats;
            Enqueue(SecureCodec.HeartbeatRecord(), output);
            foreach (uint id in movedSinceHeartbeat)
            {
                // The Acks repeated for the tail count as heartbeat: they do not restart the tail heartbeats.
                if (peers.TryGetValue(id, out Peer? peer) && peer.Joined && !batchAcks.ContainsKey(id))
                {
                    Enqueue(SecureCodec.AckRecord(peer.Id, peer.NextQ), output);
                    batchOnlyHeartbeats = onlyHeartbeats;
                }
                else if (aliases.TryGetValue(id, out Alias? alias) && !batchAcks.ContainsKey(id))
                {
                    Enqueue(SecureCodec.AckRecord(alias.Id, alias.NextQ), output);
                    batchOnlyHeartbeats = onlyHeartbeats;
                }
            }

            batchOnlyHeartbeats = onlyHeartbeats;
        }

        /// <summary>
        /// A group datagram went out under <paramref name="sequence"/>: kept for repairs and, unless it
        /// holds only heartbeats, the tail heartbeats start again from TailHeartbeat.
        /// </summary>
        private void Sent(ulong sequence, byte[] datagram, bool heartbeatOnly)
        {
            retransmit.Add(sequence, datagram);
            if (!heartbeatOnly)
            {
                tailDelay = options.TailHeartbeat;
                nextTailHeartbeat = stepTime + tailDelay;
            }
        }

        /// <summary>Seals the queued records into one GroupSealed under the current epoch, signs it, and sends it.</summary>
        private void EmitBatch(ProtocolOutput<RelayEvent> output)
        {
            if (batch.Count == 0)
            {
                return;
            }

            if (groupAead is null)
            {
                // Records are queued only while an epoch exists; nothing to seal them with is a bug, not an input.
                throw new InvalidOperationException("The relay has records for the group but no group key.");
            }

            // The records joined in the plaintext scratch; the datagram assembled in one array: TLV header,
            // sealed header, the records sealed straight into it, the signature over all that.
            int plainLength = batchBytes;
            if (plainScratch is null || plainScratch.Length < plainLength)
            {
                plainScratch = new byte[Math.Max(plainLength, options.MaxDatagramBytes)];
            }

            int at = 0;
            foreach (byte[] record in batch)
            {
                Buffer.BlockCopy(record, 0, plainScratch, at, record.Length);
                at += record.Length;
            }

            bool heartbeatOnly = batchOnlyHeartbeats;
            batch.Clear();
            batchAcks.Clear();
            batchBytes = 0;
            batchOnlyHeartbeats = true;

            ulong sequence = nextSequence++;
            const int headerAt = TlvRecord.HeaderLength;
            const int sealedAt = headerAt + SecureCodec.SealedHeaderLength;
            int signedLength = SecureCodec.SealedHeaderLength + plainLength + SecureCodec.TagLength;
            var datagram = new byte[headerAt + signedLength + SecureCodec.SignatureLength];
            TlvWriter.WriteHeader(datagram, 0, TlvType.SecureGroupSealed, datagram.Length - TlvRecord.HeaderLength);
            SecureCodec.WriteSealedHeader(datagram, headerAt, epoch, sequence);
            crypto.SealInto(
                groupAead,
                SecureKeySchedule.GroupNonce(epoch, sequence),
                new ArraySegment<byte>(plainScratch, 0, plainLength),
                new ArraySegment<byte>(datagram, headerAt, SecureCodec.SealedHeaderLength),
                datagram,
                sealedAt);
            ArraySegment<byte> signedData = SecureKeySchedule.GroupSignedData(groupAndPort, new ArraySegment<byte>(datagram, headerAt, signedLength), ref signedScratch);
            crypto.SignInto(identity, signedData, datagram, headerAt + signedLength);
            output.Datagrams.Add(datagram);
            Sent(sequence, datagram, heartbeatOnly);
        }

        private uint NewMemberId()
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                uint id = BigEndian.ReadU32(crypto.Random(4), 0);
                if (id != 0 && !peers.ContainsKey(id) && !aliases.ContainsKey(id))
                {
                    return id;
                }
            }

            throw new InvalidOperationException("The random source gave no free member id in 1,000 draws.");
        }

        private void ClearGroupKey()
        {
            if (groupKey is not null)
            {
                Array.Clear(groupKey, 0, groupKey.Length);
                groupKey = null;
            }
        }

        /// <summary>What a Hello is remembered by: the first 128 bits of SHA-256(Im ‖ Nm), bytes 66 to 147 of its value.</summary>
        private static (ulong, ulong) HelloKey(byte[] value)
        {
            using (SHA256 sha = SHA256.Create())
            {
                byte[] hash = sha.ComputeHash(value, 1 + SecureCodec.PointLength, SecureCodec.PointLength + SecureCodec.NonceLength);
                return (BigEndian.ReadU64(hash, 0), BigEndian.ReadU64(hash, 8));
            }
        }

        /// <summary>A Hello the relay checked: its bytes, the answer while it may be sent again, and how long its nonce is remembered.</summary>
        private sealed class HelloSeen
        {
            public HelloSeen(byte[] helloValue, byte[]? welcome, DateTimeOffset answerableUntil, DateTimeOffset lastSent, DateTimeOffset forgetAt)
            {
                HelloValue = helloValue;
                Welcome = welcome;
                AnswerableUntil = answerableUntil;
                LastSent = lastSent;
                ForgetAt = forgetAt;
            }

            public byte[] HelloValue { get; }

            /// <summary>The Welcome datagram, while a repeat of the Hello is answered with it; null once the handshake ended.</summary>
            public byte[]? Welcome { get; set; }

            public DateTimeOffset AnswerableUntil { get; }

            public DateTimeOffset LastSent { get; set; }

            /// <summary>When the nonce is forgotten: never while the member stays, HelloMemory after it went.</summary>
            public DateTimeOffset ForgetAt { get; set; }
        }

        private sealed class Tracked
        {
            public int Fragments { get; set; }

            public int Bytes { get; set; }
        }

        /// <summary>A sender's messages being forwarded, fragment by fragment, to report each once whole (at most MaxTrackedMessagesPerMember).</summary>
        private sealed class MessageTracker
        {
            private readonly Dictionary<ulong, Tracked> incomplete = new Dictionary<ulong, Tracked>();
            private readonly Queue<ulong> order = new Queue<ulong>();

            /// <summary>Counts a forwarded fragment; the message's bytes when it was its last, else null.</summary>
            public int? Complete(SecureFragment fragment, int length)
            {
                if (fragment.Count == 1)
                {
                    return length;
                }

                if (!incomplete.TryGetValue(fragment.MessageId, out Tracked? tracked))
                {
                    if (incomplete.Count >= SecureDefaults.MaxTrackedMessagesPerMember)
                    {
                        // Forget the oldest: it is only bookkeeping for the Relayed event.
                        ulong oldest = order.Dequeue();
                        incomplete.Remove(oldest);
                    }

                    tracked = new Tracked();
                    incomplete.Add(fragment.MessageId, tracked);
                    order.Enqueue(fragment.MessageId);
                }

                tracked.Fragments++;
                tracked.Bytes += length;
                if (tracked.Fragments < fragment.Count)
                {
                    return null;
                }

                incomplete.Remove(fragment.MessageId);
                var left = order.Where(id => id != fragment.MessageId).ToList();
                order.Clear();
                foreach (ulong id in left)
                {
                    order.Enqueue(id);
                }

                return tracked.Bytes;
            }
        }

        /// <summary>
        /// A member of another site as this relay shows it: an id of this relay's, the member's entry
        /// (identity key, name), its site, and <c>base</c>, its <c>Q</c> at the origin when it appeared
        /// here, so that its stream starts at 0 for this site's members.
        /// </summary>
        private sealed class Alias
        {
            public Alias(uint id, string origin, uint originId, SecureMemberEntry entry, string site, ulong baseQ, DateTimeOffset now)
            {
                Id = id;
                Origin = origin;
                OriginId = originId;
                Entry = entry;
                Site = site;
                Base = baseQ;
                Identity = new MemberIdentity(SecureCodec.FormatMemberId(id), entry.Name, entry.Fingerprint, null, site);
                JoinedAt = now;
                LastSeen = now;
            }

            public uint Id { get; }

            /// <summary>The origin relay's fingerprint.</summary>
            public string Origin { get; }

            /// <summary>The member id the origin relay gave it.</summary>
            public uint OriginId { get; }

            public SecureMemberEntry Entry { get; }

            public string Site { get; }

            /// <summary>The origin's Q of the member's next fragment when it appeared here: what this site's Q 0 is.</summary>
            public ulong Base { get; }

            public MemberIdentity Identity { get; }

            /// <summary>Q' (from <see cref="Base"/>) of the member's next fragment here.</summary>
            public ulong NextQ { get; set; }

            /// <summary>The Q' of the last Ack or Lost record sent for it; null before any.</summary>
            public ulong? AckedQ { get; set; }

            /// <summary>The message of this alias refused last here, and why (its other fragments are refused without another record).</summary>
            public ulong RefusedMessageId { get; set; }

            public string? RefusedDrop { get; set; }

            public DateTimeOffset JoinedAt { get; }

            public DateTimeOffset LastSeen { get; set; }

            public MessageTracker Messages { get; } = new MessageTracker();
        }

        /// <summary>A member, pending (handshake answered, Join awaited) or joined.</summary>
        private sealed class Peer : IDisposable
        {
            public Peer(
                uint id,
                SecureMemberEntry entry,
                string fingerprint,
                IPEndPoint source,
                (ulong, ulong) helloNonce,
                AesGcm256 fromMember,
                AesGcm256 toMember,
                ReplayWindow window,
                PerSecondBudget nacks,
                PerSecondBudget repairs,
                DateTimeOffset now,
                DateTimeOffset pendingUntil,
                string? site)
            {
                Id = id;
                Entry = entry;
                Identity = new MemberIdentity(SecureCodec.FormatMemberId(id), entry.Name, fingerprint, source, site);
                HelloNonce = helloNonce;
                FromMember = fromMember;
                ToMember = toMember;
                Window = window;
                Nacks = nacks;
                Repairs = repairs;
                HelloAt = now;
                LastSeen = now;
                PendingUntil = pendingUntil;
            }

            public uint Id { get; }

            public SecureMemberEntry Entry { get; }

            public MemberIdentity Identity { get; }

            public (ulong, ulong) HelloNonce { get; }

            /// <summary>Opens the member's datagrams (Km2r).</summary>
            public AesGcm256 FromMember { get; }

            /// <summary>Seals the group key for the member (Kr2m).</summary>
            public AesGcm256 ToMember { get; }

            /// <summary>The member's send sequence numbers seen.</summary>
            public ReplayWindow Window { get; }

            /// <summary>T: the next sequence number of a Rekey entry sealed for this member.</summary>
            public ulong NextRelaySequence { get; set; }

            public bool Joined { get; set; }

            public DateTimeOffset HelloAt { get; }

            public DateTimeOffset PendingUntil { get; }

            public DateTimeOffset LastSeen { get; set; }

            public DateTimeOffset? LastKeyAnswer { get; set; }

            /// <summary>The member's messages being forwarded, for the Relayed event.</summary>
            public MessageTracker Messages { get; } = new MessageTracker();

            /// <summary>Q of the member's next Data fragment to take: 0 at the Join.</summary>
            public ulong NextQ { get; set; }

            /// <summary>Fragments that came before the ones below them, by Q (at most MemberWindow ahead).</summary>
            public SortedDictionary<ulong, SecureFragment> Early { get; } = new SortedDictionary<ulong, SecureFragment>();

            public long EarlyBytes { get; set; }

            /// <summary>When the last Ack that did not move NextQ was queued.</summary>
            public DateTimeOffset? LastUnmovedAck { get; set; }

            /// <summary>The NextQ the last Ack for an early fragment named: the missing fragment the member was told of.</summary>
            public ulong? HoleAcked { get; set; }

            /// <summary>The last message refused (its Refused record went out) and the drop its fragments count; null before any.</summary>
            public string? RefusedDrop { get; set; }

            public ulong RefusedMessageId { get; set; }

            /// <summary>The member's Nacks this second.</summary>
            public PerSecondBudget Nacks { get; }

            /// <summary>The datagrams sent again for the member's Nacks this second.</summary>
            public PerSecondBudget Repairs { get; }

            public void Dispose()
            {
                FromMember.Dispose();
                ToMember.Dispose();
            }
        }
    }
}
