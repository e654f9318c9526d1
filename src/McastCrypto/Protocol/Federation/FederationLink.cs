using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>
    /// The federation of one Secure relay with the relays of other sites over a publish/subscribe bus
    /// (docs/protocol.md, "Federation"): a pure state machine, bytes and time in, publications and
    /// remote events out. It announces itself, grants its per-boot publish key to every authorized
    /// relay it hears (ECDH between per-boot ephemeral keys), publishes its members' records in
    /// envelopes sealed once and signed once, numbered F without gaps, keeps them to answer repair
    /// requests, and delivers every other relay's envelopes strictly in F order, once each.
    /// Driven from one thread (the relay's actor); not thread-safe.
    /// </summary>
    public sealed class FederationLink : IFederationPort, IDisposable
    {
        /// <summary>Drop reasons this link counts (in <see cref="Drops"/>).</summary>
        public const string UnauthorizedRelay = "UnauthorizedRelay";
        public const string BadSignature = "BadSignature";
        public const string BadTag = "BadTag";
        public const string Replay = "Replay";
        public const string Duplicate = "Duplicate";
        public const string Malformed = "Malformed";
        public const string MalformedRecord = "MalformedRecord";
        public const string WrongSubject = "WrongSubject";
        public const string NotForUs = "NotForUs";
        public const string UnknownRelay = "UnknownRelay";
        public const string NoKey = "NoKey";
        public const string DatagramSizeMismatch = "DatagramSizeMismatch";
        public const string HoldLimit = "HoldLimit";
        public const string RequestRateLimited = "RequestRateLimited";
        public const string RepairRateLimited = "RepairRateLimited";
        public const string UnknownMember = "UnknownMember";
        public const string StaleSequence = "StaleSequence";
        public const string TooManyMembers = "TooManyMembers";
        public const string SiteInUse = "SiteInUse";

        /// <summary>The most members of one other relay remembered (four times a relay's default MaxClients).</summary>
        public const int MaxMembersPerRelay = 4 * SecureDefaults.MaxClients;

        private readonly EcdsaP256PrivateKey identity;
        private readonly FederationOptions options;
        private readonly SecureCrypto crypto;
        private readonly byte[] prefixBinding;
        private readonly byte[] ownHash;
        private readonly byte[] ownId;
        private readonly string ownIdHex;
        private readonly byte[] boot;
        private readonly EcdhP256 ephemeral;
        private readonly byte[] ephemeralPublic;
        private readonly AesGcm256 publishCipher;
        private readonly byte[] publishKey;
        private readonly string relaySubject;
        private readonly string inboxSubjectPrefix;
        private readonly string relaySubjectPrefix;
        private readonly Dictionary<string, byte[]> authorized = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        private readonly Dictionary<string, Peer> peers = new Dictionary<string, Peer>(StringComparer.Ordinal);
        private readonly Dictionary<string, Remembered> remembered = new Dictionary<string, Remembered>(StringComparer.Ordinal);
        private readonly Dictionary<uint, LocalMember> localMembers = new Dictionary<uint, LocalMember>();
        private readonly List<byte[]> pending = new List<byte[]>();
        private readonly RetransmitRing buffer;
        private readonly int maxPlain;
        private List<FederationPublication> publications = new List<FederationPublication>();
        private List<FederationRemoteEvent> events = new List<FederationRemoteEvent>();
        private ulong nextF;
        private ulong grantNumber;
        private ulong requestNumber;
        private ulong lastAnnounceTime;
        private DateTimeOffset nextAnnounceAt;
        private DateTimeOffset nextRosterAt;
        private bool rosterDue;
        private bool connected = true;
        private bool disposed;

        /// <summary>Starts a link: a new boot id, ephemeral key and publish key; the first announce is due at once.</summary>
        /// <param name="identity">The relay's identity key (not owned: the caller disposes it).</param>
        /// <param name="options">The settings; checked here.</param>
        /// <param name="now">The time now.</param>
        public FederationLink(EcdsaP256PrivateKey identity, FederationOptions options, DateTimeOffset now)
        {
            this.identity = identity ?? throw new ArgumentNullException(nameof(identity));
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            crypto = new SecureCrypto(options.Random);
            prefixBinding = FederationCodec.PrefixBinding(options.SubjectPrefix);
            ownHash = FederationCodec.KeyHash(identity.PublicKey);
            ownId = BigEndian.Slice(ownHash, 0, FederationCodec.RelayIdLength);
            ownIdHex = FederationCodec.Hex(ownId, 0, ownId.Length);
            Fingerprint = identity.PublicKey.Fingerprint;
            foreach (string fingerprint in options.AuthorizedRelays)
            {
                byte[] hash = FederationCodec.KeyHashOfFingerprint(fingerprint);
                string id = FederationCodec.Hex(hash, 0, FederationCodec.RelayIdLength);
                if (id != ownIdHex)
                {
                    authorized[id] = hash;
                }
            }

            boot = crypto.Random(FederationCodec.BootLength);
            ephemeral = crypto.NewEphemeral();
            ephemeralPublic = ephemeral.PublicKey;
            publishKey = crypto.Random(FederationCodec.KeyLength);
            publishCipher = AesGcm256.Create(publishKey);
            relaySubjectPrefix = options.SubjectPrefix + ".relay.";
            inboxSubjectPrefix = options.SubjectPrefix + ".inbox.";
            relaySubject = relaySubjectPrefix + ownIdHex;
            Subscriptions = new[] { relaySubjectPrefix + "*", inboxSubjectPrefix + ownIdHex };
            buffer = new RetransmitRing(options.RetransmitBufferSize, options.RetransmitBufferBytes);
            maxPlain = options.MaxEnvelopeBytes - FederationCodec.EnvelopeOverhead;
            nextAnnounceAt = now;
            nextRosterAt = now + options.RosterInterval;
        }

        /// <inheritdoc/>
        public string Site => options.Site;

        /// <summary>This relay's identity fingerprint.</summary>
        public string Fingerprint { get; }

        /// <summary>This relay's id in subjects: 16 hex digits.</summary>
        public string RelayId => ownIdHex;

        /// <summary>This boot's id, 32 hex digits.</summary>
        public string Boot => FederationCodec.Hex(boot, 0, boot.Length);

        /// <inheritdoc/>
        public int AuthorizedRelayCount => authorized.Count;

        /// <inheritdoc/>
        public IReadOnlyList<string> Subscriptions { get; }

        /// <inheritdoc/>
        public DropCounter Drops { get; } = new DropCounter();

        /// <summary>Whether the bus is connected, as last told by <see cref="SetConnected"/> (true at start).</summary>
        public bool IsConnected => connected;

        /// <summary>Envelopes this relay published (its next F).</summary>
        public long EnvelopesPublished { get; private set; }

        /// <summary>Other relays' envelopes accepted (checked, opened; delivered in order, now or after a hole is filled).</summary>
        public long EnvelopesReceived { get; private set; }

        /// <summary>Repair requests this relay sent.</summary>
        public long RepairsRequested { get; private set; }

        /// <summary>Envelopes this relay sent again to answer repair requests.</summary>
        public long RepairsServed { get; private set; }

        /// <summary>Other relays' envelopes skipped because their publisher no longer had them (signed Unavailable).</summary>
        public long Unavailable { get; private set; }

        /// <summary>Other relays' envelopes skipped after the repair time-out (bus connected).</summary>
        public long GivenUp { get; private set; }

        /// <summary>Lost events given to the relay.</summary>
        public long Lost { get; private set; }

        /// <summary>The operation counts (signatures, seals, ...), for the cost tests.</summary>
        internal SecureOperationCounts Operations => crypto.Counts;

        /// <summary>The member ids held for rosters being read, all relays together (for the tests of its bound).</summary>
        internal int RosterEntriesHeld => peers.Values.Sum(p => p.Roster?.Count ?? 0);

        /// <summary>The relays this link knows now (a snapshot).</summary>
        public IReadOnlyList<FederationPeerInfo> Peers =>
            peers.Values.OrderBy(p => p.Fingerprint, StringComparer.Ordinal).Select(p => p.Info()).ToList();

        /// <inheritdoc/>
        public DateTimeOffset? NextDeadline
        {
            get
            {
                DateTimeOffset next = nextRosterAt;
                if (connected)
                {
                    next = Min(next, nextAnnounceAt);
                }

                foreach (Peer peer in peers.Values)
                {
                    if (connected)
                    {
                        next = Min(next, peer.LastHeard + options.PeerTimeout);
                        if (!peer.HasKey && peer.Refusal is null)
                        {
                            next = Min(next, peer.NextKeyRequestAt);
                        }
                    }

                    if (connected && peer.HasKey && peer.ExpectedF < peer.NextF)
                    {
                        next = Min(next, peer.NextRepairAt);
                        next = Min(next, peer.StallSince + options.RepairTimeout);
                    }
                }

                return next;
            }
        }

        /// <summary>
        /// The bus's state. While disconnected nothing is given up and no relay times out; when it comes
        /// back the link announces at once, publishes its roster, re-asks for every hole and restarts
        /// the time-outs from now.
        /// </summary>
        public void SetConnected(bool isConnected, DateTimeOffset now)
        {
            if (isConnected == connected)
            {
                return;
            }

            connected = isConnected;
            if (!isConnected)
            {
                return;
            }

            nextAnnounceAt = now;
            rosterDue = true;
            foreach (Peer peer in peers.Values)
            {
                peer.LastHeard = now;
                peer.StallSince = now;
                peer.NextRepairAt = now;
                peer.NextKeyRequestAt = now;
                peer.RepairBackoff = options.RepairRetry;
            }
        }

        // ---------------- The sink: what the relay's own LAN did ----------------

        /// <inheritdoc/>
        public void LocalJoined(uint memberId, byte[] identityKey, string name, ulong nextQ, DateTimeOffset now)
        {
            if (identityKey is null || identityKey.Length != FederationCodec.PointLength)
            {
                throw new ArgumentException("An identity key is a 65-byte point.", nameof(identityKey));
            }

            byte[] nameBytes = Encoding.UTF8.GetBytes(name ?? throw new ArgumentNullException(nameof(name)));
            if (nameBytes.Length > SecureDefaults.MaxNameBytes)
            {
                throw new ArgumentException("A display name has at most 64 UTF-8 bytes.", nameof(name));
            }

            var member = new LocalMember((byte[])identityKey.Clone(), nameBytes, nextQ);
            localMembers[memberId] = member;
            Queue(FederationCodec.Record(FederationCodec.RecordJoined, FederationCodec.MemberEntry(memberId, nextQ, member.IdentityKey, nameBytes)));
        }

        /// <inheritdoc/>
        public void LocalLeft(uint memberId, SecureLeftReason reason, DateTimeOffset now)
        {
            if (localMembers.Remove(memberId))
            {
                var body = new byte[5];
                BigEndian.WriteU32(body, 0, memberId);
                body[4] = (byte)reason;
                Queue(FederationCodec.Record(FederationCodec.RecordLeft, body));
            }
        }

        /// <inheritdoc/>
        public void LocalData(SecureFragment fragment, DateTimeOffset now)
        {
            if (fragment is null)
            {
                throw new ArgumentNullException(nameof(fragment));
            }

            if (localMembers.TryGetValue(fragment.SenderId, out LocalMember? member))
            {
                member.NextQ = Math.Max(member.NextQ, fragment.Sequence + 1);
                member.SentLately = true;
            }

            Queue(FederationCodec.Record(FederationCodec.RecordData, FederationCodec.DataBody(fragment)));
        }

        /// <inheritdoc/>
        public void LocalRefused(uint memberId, ulong messageId, SecureRefusedReason reason, DateTimeOffset now)
        {
            var body = new byte[13];
            BigEndian.WriteU32(body, 0, memberId);
            BigEndian.WriteU64(body, 4, messageId);
            body[12] = (byte)reason;
            Queue(FederationCodec.Record(FederationCodec.RecordRefused, body));
        }

        /// <inheritdoc/>
        public void LocalProgress(uint memberId, ulong nextQ, DateTimeOffset now)
        {
            if (localMembers.TryGetValue(memberId, out LocalMember? member))
            {
                member.NextQ = Math.Max(member.NextQ, nextQ);
            }

            Queue(ProgressRecord(memberId, nextQ));
        }

        // ---------------- Timers and output ----------------

        /// <inheritdoc/>
        public void Tick(DateTimeOffset now)
        {
            ThrowIfDisposed();
            if (connected && now >= nextAnnounceAt)
            {
                Announce(now);
                nextAnnounceAt = now + options.AnnounceInterval;
            }

            if (now >= nextRosterAt)
            {
                rosterDue = true;
            }

            foreach (Peer peer in peers.Values.ToList())
            {
                if (connected && now - peer.LastHeard >= options.PeerTimeout)
                {
                    Forget(peer, SecureLeftReason.TimedOut, now);
                    continue;
                }

                if (!peer.HasKey)
                {
                    if (connected && peer.Refusal is null && now >= peer.NextKeyRequestAt)
                    {
                        SendKeyRequest(peer);
                        peer.NextKeyRequestAt = now + options.AnnounceInterval;
                    }

                    continue;
                }

                if (peer.ExpectedF >= peer.NextF)
                {
                    continue;
                }

                if (connected && now - peer.StallSince >= options.RepairTimeout)
                {
                    ulong target = peer.Held.Count > 0 ? peer.Held.Keys.First() : peer.NextF;
                    GivenUp += (long)(target - peer.ExpectedF);
                    peer.ExpectedF = target;
                    MarkSuspect(peer);
                    Drain(peer, now);
                    if (peer.ExpectedF >= peer.NextF)
                    {
                        continue;
                    }
                }

                if (connected && now >= peer.NextRepairAt)
                {
                    SendRepairRequest(peer);
                    peer.NextRepairAt = now + peer.RepairBackoff;
                    var ceiling = TimeSpan.FromTicks(Math.Max(options.RepairRetry.Ticks, options.RepairTimeout.Ticks / 4));
                    peer.RepairBackoff = TimeSpan.FromTicks(Math.Min(peer.RepairBackoff.Ticks * 2, ceiling.Ticks));
                }
            }

            Flush(now);
        }

        /// <inheritdoc/>
        public void Flush(DateTimeOffset now)
        {
            ThrowIfDisposed();
            if (rosterDue)
            {
                rosterDue = false;
                nextRosterAt = now + options.RosterInterval;
                QueueRoster();
            }

            if (pending.Count == 0)
            {
                return;
            }

            var plain = new List<byte>();
            foreach (byte[] record in pending)
            {
                if (plain.Count > 0 && plain.Count + record.Length > maxPlain)
                {
                    PublishEnvelope(plain.ToArray());
                    plain.Clear();
                }

                plain.AddRange(record);
            }

            PublishEnvelope(plain.ToArray());
            pending.Clear();
        }

        /// <inheritdoc/>
        public IReadOnlyList<FederationPublication> TakePublications()
        {
            List<FederationPublication> taken = publications;
            publications = new List<FederationPublication>();
            return taken;
        }

        /// <inheritdoc/>
        public IReadOnlyList<FederationRemoteEvent> TakeRemoteEvents()
        {
            List<FederationRemoteEvent> taken = events;
            events = new List<FederationRemoteEvent>();
            return taken;
        }

        // ---------------- Input from the bus ----------------

        /// <inheritdoc/>
        public void Receive(string subject, byte[] payload, DateTimeOffset now)
        {
            ThrowIfDisposed();
            if (payload is null || subject is null || payload.Length > FederationOptions.MaxBusMessageBytes || !FederationCodec.TryReadKind(payload, out byte kind))
            {
                Drops.Add(Malformed);
                return;
            }

            bool inbox;
            string id;
            if (subject.StartsWith(relaySubjectPrefix, StringComparison.Ordinal))
            {
                inbox = false;
                id = subject.Substring(relaySubjectPrefix.Length);
                if (id == ownIdHex)
                {
                    // Our own publications come back on the relay.* subscription.
                    return;
                }
            }
            else if (subject.StartsWith(inboxSubjectPrefix, StringComparison.Ordinal))
            {
                inbox = true;
                id = subject.Substring(inboxSubjectPrefix.Length);
                if (id != ownIdHex)
                {
                    Drops.Add(NotForUs);
                    return;
                }
            }
            else
            {
                Drops.Add(WrongSubject);
                return;
            }

            try
            {
                switch (kind)
                {
                    case FederationCodec.KindAnnounce when !inbox:
                        ReceiveAnnounce(id, payload, now);
                        break;
                    case FederationCodec.KindEnvelope:
                        ReceiveEnvelope(inbox ? null : id, payload, now);
                        break;
                    case FederationCodec.KindGrant when inbox:
                    case FederationCodec.KindKeyRequest when inbox:
                    case FederationCodec.KindRepairRequest when inbox:
                    case FederationCodec.KindUnavailable when inbox:
                        ReceiveInbox(kind, payload, now);
                        break;
                    case FederationCodec.KindAnnounce:
                    case FederationCodec.KindGrant:
                    case FederationCodec.KindKeyRequest:
                    case FederationCodec.KindRepairRequest:
                    case FederationCodec.KindUnavailable:
                        Drops.Add(WrongSubject);
                        break;
                    default:
                        Drops.Add(Malformed);
                        break;
                }
            }
            catch (CryptographicException)
            {
                // A point that is not on the curve, caught where the crypto seam reads it.
                Drops.Add(Malformed);
            }
        }

        /// <summary>Releases the ephemeral key and the ciphers (not the identity key).</summary>
        public void Dispose()
        {
            if (disposed)
            {
                return;
            }

            disposed = true;
            ephemeral.Dispose();
            publishCipher.Dispose();
            Array.Clear(publishKey, 0, publishKey.Length);
            foreach (Peer peer in peers.Values)
            {
                peer.DisposeKeys();
            }
        }

        private void ReceiveAnnounce(string subjectId, byte[] payload, DateTimeOffset now)
        {
            if (!FederationCodec.TryParseAnnounce(payload, out byte[] point, out byte[] peerBoot, out byte[] peerEphemeral, out ulong time, out ulong peerNextF))
            {
                Drops.Add(Malformed);
                return;
            }

            if (!authorized.TryGetValue(subjectId, out byte[]? expectedHash))
            {
                Drops.Add(UnauthorizedRelay);
                return;
            }

            peers.TryGetValue(subjectId, out Peer? peer);
            remembered.TryGetValue(subjectId, out Remembered? memory);

            // Checked against what is remembered of that relay, not only of the peer now known: a
            // relay forgotten (timed out) must not take a recorded Announce of any boot again.
            if (memory is not null && time <= memory.AnnounceTime)
            {
                Drops.Add(Replay);
                return;
            }

            EcdsaP256PublicKey key = EcdsaP256PublicKey.Import(point);
            byte[] hash = FederationCodec.KeyHash(key);
            if (!BigEndian.Equal(hash, expectedHash))
            {
                // An id of a listed relay with another key: a forged identity.
                Drops.Add(UnauthorizedRelay);
                return;
            }

            if (!crypto.Verify(key, FederationCodec.SignedData(FederationCodec.AnnounceLabel, prefixBinding, payload, FederationCodec.AnnounceSignedLength), payload, FederationCodec.AnnounceSignedLength))
            {
                Drops.Add(BadSignature);
                return;
            }

            EcdsaP256PublicKey.Import(peerEphemeral); // a valid point, or CryptographicException (Malformed)
            if (peer is not null && BigEndian.Equal(peer.Boot, peerBoot) && !BigEndian.Equal(peer.Ephemeral, peerEphemeral))
            {
                Drops.Add(Malformed);
                return;
            }

            if (peer is not null && !BigEndian.Equal(peer.Boot, peerBoot))
            {
                // A new boot of that relay: its old members are gone, its stream starts again.
                Forget(peer, SecureLeftReason.RelayStopping, now);
                peer = null;
            }

            if (peer is null)
            {
                peer = new Peer(subjectId, BigEndian.Slice(hash, 0, FederationCodec.RelayIdLength), hash, key, peerBoot, peerEphemeral, options, now);
                peers[subjectId] = peer;
                if (memory?.DeliveredBoot is not null && BigEndian.Equal(memory.DeliveredBoot, peerBoot))
                {
                    peer.LastRequestNumber = memory.LastRequestNumber;
                }
            }

            if (memory is null)
            {
                memory = new Remembered();
                remembered[subjectId] = memory;
            }

            memory.AnnounceTime = time;
            peer.AnnounceTime = time;
            peer.LastHeard = now;
            RaiseNextF(peer, peerNextF, now);

            if (!peer.GrantSent)
            {
                peer.GrantSent = true;
                SendGrant(peer);
            }
        }

        private void ReceiveInbox(byte kind, byte[] payload, DateTimeOffset now)
        {
            if (payload.Length < FederationCodec.PairHeaderLength + FederationCodec.SignatureLength
                || (kind != FederationCodec.KindGrant && payload.Length < FederationCodec.KeyRequestLength))
            {
                Drops.Add(Malformed);
                return;
            }

            FederationCodec.ReadPairHeader(payload, out byte[] fromId, out byte[] toId, out byte[] fromBoot, out byte[] toBoot);
            if (!BigEndian.Equal(toId, ownId))
            {
                Drops.Add(NotForUs);
                return;
            }

            string fromHex = FederationCodec.Hex(fromId, 0, fromId.Length);
            if (!authorized.ContainsKey(fromHex))
            {
                Drops.Add(UnauthorizedRelay);
                return;
            }

            if (!peers.TryGetValue(fromHex, out Peer? peer))
            {
                Drops.Add(UnknownRelay);
                return;
            }

            if (!BigEndian.Equal(toBoot, boot) || !BigEndian.Equal(fromBoot, peer.Boot))
            {
                Drops.Add(Replay);
                return;
            }

            // Requests carry the sender's request number: each is taken once (a recorded one is a Replay).
            ulong number = kind == FederationCodec.KindGrant ? 0 : FederationCodec.ReadRequestNumber(payload);
            switch (kind)
            {
                case FederationCodec.KindGrant:
                    ReceiveGrant(peer, payload, now);
                    break;
                case FederationCodec.KindKeyRequest:
                    if (payload.Length != FederationCodec.KeyRequestLength)
                    {
                        Drops.Add(Malformed);
                    }
                    else if (IsNewRequest(peer, number) && Verified(peer, FederationCodec.KeyRequestLabel, payload) && Admit(peer, now))
                    {
                        peer.LastRequestNumber = number;
                        SendGrant(peer);
                    }

                    break;
                case FederationCodec.KindRepairRequest:
                    if (!FederationCodec.TryParseRanges(payload, out List<FederationRange> wanted))
                    {
                        Drops.Add(Malformed);
                    }
                    else if (IsNewRequest(peer, number) && Verified(peer, FederationCodec.RepairRequestLabel, payload) && Admit(peer, now))
                    {
                        peer.LastRequestNumber = number;
                        ServeRepair(peer, wanted, now);
                    }

                    break;
                default:
                    if (!FederationCodec.TryParseRanges(payload, out List<FederationRange> gone))
                    {
                        Drops.Add(Malformed);
                    }
                    else if (!peer.HasKey)
                    {
                        Drops.Add(NoKey);
                    }
                    else if (IsNewRequest(peer, number) && Verified(peer, FederationCodec.UnavailableLabel, payload) && Admit(peer, now))
                    {
                        peer.LastRequestNumber = number;
                        foreach (FederationRange range in gone)
                        {
                            peer.AddUnavailable(range);
                        }

                        Drain(peer, now);
                    }

                    break;
            }
        }

        private void ReceiveGrant(Peer peer, byte[] payload, DateTimeOffset now)
        {
            if (!FederationCodec.TryParseGrant(payload, out byte[] granterEphemeral, out ulong startF, out ulong number))
            {
                Drops.Add(Malformed);
                return;
            }

            if (peer.HasKey)
            {
                Drops.Add(Duplicate);
                return;
            }

            if (!BigEndian.Equal(granterEphemeral, peer.Ephemeral))
            {
                Drops.Add(Replay);
                return;
            }

            if (!Verified(peer, FederationCodec.GrantSignatureLabel, payload) || !Admit(peer, now))
            {
                return;
            }

            byte[] secret = crypto.Agree(ephemeral, peer.Ephemeral);
            byte[] key = FederationCodec.GrantKey(secret, prefixBinding, peer.Hash, ownHash, peer.Boot, boot, peer.Ephemeral, ephemeralPublic);
            Array.Clear(secret, 0, secret.Length);
            byte[]? plain;
            using (AesGcm256 cipher = AesGcm256.Create(key))
            {
                int sealedLength = payload.Length - FederationCodec.GrantHeaderLength - FederationCodec.SignatureLength;
                bool opened = crypto.TryOpen(
                    cipher, FederationCodec.Nonce(number), payload, FederationCodec.GrantHeaderLength, sealedLength,
                    new ArraySegment<byte>(payload, 0, FederationCodec.GrantHeaderLength), out plain);
                Array.Clear(key, 0, key.Length);
                if (!opened || plain is null)
                {
                    Drops.Add(BadTag);
                    return;
                }
            }

            if (!FederationCodec.TryParseGrantPlaintext(plain, out byte[] peerPublishKey, out int peerDatagram, out string site))
            {
                Drops.Add(Malformed);
                return;
            }

            Array.Clear(plain, 0, plain.Length);
            if (peerDatagram != options.MaxDatagramBytes)
            {
                Drops.Add(DatagramSizeMismatch);
                peer.Refusal = "its MaxDatagramBytes is " + peerDatagram + ", this relay's is " + options.MaxDatagramBytes + ": fragments cross sites unchanged, so every federated relay needs the same";
                peer.Site = site;
                return;
            }

            // A Grant of a boot delivered before (the relay was forgotten, then heard again) starts no
            // lower than where delivery stopped: a recorded Grant cannot roll the stream back.
            if (remembered.TryGetValue(peer.IdHex, out Remembered? memory) && memory.DeliveredBoot is not null && BigEndian.Equal(memory.DeliveredBoot, peer.Boot))
            {
                startF = Math.Max(startF, memory.DeliveredF);
            }

            // A site names one relay: another relay granting with a site in use (this relay's, or a
            // peer's whose key is installed) could otherwise pass its members off as that site's.
            Peer? holder = peers.Values.FirstOrDefault(p => p != peer && p.HasKey && string.Equals(p.Site, site, StringComparison.Ordinal));
            if (string.Equals(site, options.Site, StringComparison.Ordinal) || holder is not null)
            {
                Drops.Add(SiteInUse);
                peer.Refusal = "its site '" + site + "' is already the site of " + (holder is null ? "this relay" : "relay " + holder.Fingerprint + " (until that relay is forgotten)");
                peer.RefusedSite = holder is null ? null : site;
                peer.Site = site;
                Array.Clear(peerPublishKey, 0, peerPublishKey.Length);
                return;
            }

            peer.Install(AesGcm256.Create(peerPublishKey), site, startF, now, options.RepairRetry);
            Array.Clear(peerPublishKey, 0, peerPublishKey.Length);
        }

        private void ReceiveEnvelope(string? subjectId, byte[] payload, DateTimeOffset now)
        {
            if (!FederationCodec.TryParseEnvelope(payload, out byte[] originId, out byte[] originBoot, out ulong f))
            {
                Drops.Add(Malformed);
                return;
            }

            string originHex = FederationCodec.Hex(originId, 0, originId.Length);
            if ((subjectId is not null && originHex != subjectId) || originHex == ownIdHex)
            {
                Drops.Add(WrongSubject);
                return;
            }

            if (!authorized.ContainsKey(originHex))
            {
                Drops.Add(UnauthorizedRelay);
                return;
            }

            if (!peers.TryGetValue(originHex, out Peer? peer))
            {
                Drops.Add(UnknownRelay);
                return;
            }

            if (!BigEndian.Equal(originBoot, peer.Boot))
            {
                Drops.Add(Replay);
                return;
            }

            if (!peer.HasKey)
            {
                Drops.Add(NoKey);
                return;
            }

            if (f < peer.ExpectedF || peer.Held.ContainsKey(f))
            {
                Drops.Add(Duplicate);
                return;
            }

            if (f - peer.ExpectedF >= (ulong)options.HoldEnvelopes || (f != peer.ExpectedF && peer.HeldBytes + payload.Length > options.HoldBytes))
            {
                // Not checked yet (its signature is not): it must not move what this relay thinks the
                // publisher has. The publisher's signed Announce says so within AnnounceInterval.
                Drops.Add(HoldLimit);
                return;
            }

            if (!Verified(peer, FederationCodec.EnvelopeLabel, payload))
            {
                return;
            }

            int sealedLength = payload.Length - FederationCodec.EnvelopeHeaderLength - FederationCodec.SignatureLength;
            if (!crypto.TryOpen(
                peer.PublishCipher!, FederationCodec.Nonce(f), payload, FederationCodec.EnvelopeHeaderLength, sealedLength,
                new ArraySegment<byte>(payload, 0, FederationCodec.EnvelopeHeaderLength), out byte[]? plain) || plain is null)
            {
                Drops.Add(BadTag);
                return;
            }

            EnvelopesReceived++;
            RaiseNextF(peer, f + 1, now);
            peer.Held[f] = plain;
            peer.HeldBytes += plain.Length;
            Drain(peer, now);
        }

        // ---------------- Delivery in F order ----------------

        private void Drain(Peer peer, DateTimeOffset now)
        {
            bool advanced = false;
            while (true)
            {
                if (peer.Held.TryGetValue(peer.ExpectedF, out byte[]? plain))
                {
                    peer.Held.Remove(peer.ExpectedF);
                    peer.HeldBytes -= plain.Length;
                    peer.ExpectedF++;
                    Apply(peer, plain);
                    advanced = true;
                    continue;
                }

                if (peer.TryUnavailableEnd(peer.ExpectedF, out ulong end))
                {
                    ulong stop = peer.Held.Count > 0 ? Math.Min(end, peer.Held.Keys.First()) : end;
                    Unavailable += (long)(stop - peer.ExpectedF);
                    peer.ExpectedF = stop;
                    peer.NextF = Math.Max(peer.NextF, stop);
                    MarkSuspect(peer);
                    advanced = true;
                    continue;
                }

                break;
            }

            peer.PruneUnavailable();
            if (advanced)
            {
                peer.StallSince = now;
                peer.RepairBackoff = options.RepairRetry;
                peer.NextRepairAt = now;
            }
        }

        /// <summary>
        /// The publisher has published up to <paramref name="next"/> (exclusive). When nothing was
        /// missing until now, a hole starts now: its repair is due at once and its give-up clock starts
        /// now, not at the last time delivery moved (which may be long ago on a quiet stream).
        /// </summary>
        private void RaiseNextF(Peer peer, ulong next, DateTimeOffset now)
        {
            if (next <= peer.NextF)
            {
                return;
            }

            if (peer.ExpectedF >= peer.NextF)
            {
                peer.StallSince = now;
                peer.NextRepairAt = now;
                peer.RepairBackoff = options.RepairRetry;
            }

            peer.NextF = next;
        }

        private static void MarkSuspect(Peer peer)
        {
            peer.Roster = null;
            foreach (RemoteMember member in peer.Members.Values)
            {
                member.Suspect = true;
            }
        }

        private void Apply(Peer peer, byte[] plain)
        {
            // Check the whole plaintext first, so that an envelope is taken whole or not at all.
            int offset = 0;
            bool bad;
            while (true)
            {
                if (!FederationCodec.TryReadRecord(plain, ref offset, out byte kind, out int at, out int length, out bool malformed))
                {
                    bad = malformed;
                    break;
                }

                if (!RecordIsWellFormed(plain, kind, at, length))
                {
                    bad = true;
                    break;
                }
            }

            if (bad)
            {
                Drops.Add(MalformedRecord);
                MarkSuspect(peer);
                return;
            }

            offset = 0;
            while (FederationCodec.TryReadRecord(plain, ref offset, out byte kind, out int at, out int length, out _))
            {
                switch (kind)
                {
                    case FederationCodec.RecordJoined:
                        FederationCodec.TryParseMemberEntry(plain, at, at + length, out uint id, out ulong q, out byte[] key, out string name, out _);
                        ApplyJoined(peer, id, q, key, name);
                        break;
                    case FederationCodec.RecordLeft:
                        ApplyLeft(peer, BigEndian.ReadU32(plain, at), (SecureLeftReason)plain[at + 4]);
                        break;
                    case FederationCodec.RecordRoster:
                        ApplyRoster(peer, plain, at, length);
                        break;
                    case FederationCodec.RecordData:
                        FederationCodec.TryParseData(plain, at, length, out SecureFragment? fragment);
                        ApplyData(peer, fragment!);
                        break;
                    case FederationCodec.RecordRefused:
                        uint refusedId = BigEndian.ReadU32(plain, at);
                        if (peer.Members.ContainsKey(refusedId))
                        {
                            Emit(new FederationRemoteEvent(FederationRemoteEventKind.Refused, peer.Fingerprint, peer.Site!, refusedId)
                            {
                                MessageId = BigEndian.ReadU64(plain, at + 4),
                                RefusedReason = (SecureRefusedReason)plain[at + 12],
                            });
                        }

                        break;
                    case FederationCodec.RecordProgress:
                        ApplyProgress(peer, BigEndian.ReadU32(plain, at), BigEndian.ReadU64(plain, at + 4));
                        break;
                    default:
                        break; // a kind from a later version: skipped
                }
            }
        }

        private bool RecordIsWellFormed(byte[] plain, byte kind, int at, int length)
        {
            switch (kind)
            {
                case FederationCodec.RecordJoined:
                    return FederationCodec.TryParseMemberEntry(plain, at, at + length, out _, out _, out _, out _, out int used) && used == length;
                case FederationCodec.RecordLeft:
                    return length == 5 && Enum.IsDefined(typeof(SecureLeftReason), plain[at + 4]);
                case FederationCodec.RecordRoster:
                    if (length < 3)
                    {
                        return false;
                    }

                    int count = BigEndian.ReadU16(plain, at + 1);
                    int position = at + 3;
                    for (int i = 0; i < count; i++)
                    {
                        if (!FederationCodec.TryParseMemberEntry(plain, position, at + length, out _, out _, out _, out _, out int entry))
                        {
                            return false;
                        }

                        position += entry;
                    }

                    return position == at + length;
                case FederationCodec.RecordData:
                    // A fragment crosses unchanged: it must fit this relay's datagrams as it fitted the origin's,
                    // and it carries 1 byte or more, as every Secure fragment does.
                    return length > FederationCodec.DataFixedLength
                        && length - FederationCodec.DataFixedLength <= options.MaxDatagramBytes - SecureDefaults.FragmentOverhead
                        && FederationCodec.TryParseData(plain, at, length, out _);
                case FederationCodec.RecordRefused:
                    return length == 13 && Enum.IsDefined(typeof(SecureRefusedReason), plain[at + 12]);
                case FederationCodec.RecordProgress:
                    return length == 12;
                default:
                    return true;
            }
        }

        private void ApplyJoined(Peer peer, uint id, ulong nextQ, byte[] key, string name)
        {
            if (peer.Members.ContainsKey(id))
            {
                ApplyLeft(peer, id, SecureLeftReason.Left);
            }
            else if (peer.Members.Count >= MaxMembersPerRelay)
            {
                Drops.Add(TooManyMembers);
                return;
            }

            peer.Members[id] = new RemoteMember(nextQ);
            AddToRoster(peer, id);
            Emit(new FederationRemoteEvent(FederationRemoteEventKind.Joined, peer.Fingerprint, peer.Site!, id) { IdentityKey = key, Name = name, NextQ = nextQ });
        }

        private void ApplyLeft(Peer peer, uint id, SecureLeftReason reason)
        {
            if (peer.Members.Remove(id))
            {
                Emit(new FederationRemoteEvent(FederationRemoteEventKind.Left, peer.Fingerprint, peer.Site!, id) { LeftReason = reason });
            }
        }

        private void ApplyRoster(Peer peer, byte[] plain, int at, int length)
        {
            byte flags = plain[at];
            int count = BigEndian.ReadU16(plain, at + 1);
            if ((flags & FederationCodec.RosterFirst) != 0)
            {
                peer.Roster = new HashSet<uint>();
            }

            int position = at + 3;
            for (int i = 0; i < count; i++)
            {
                FederationCodec.TryParseMemberEntry(plain, position, at + length, out uint id, out ulong nextQ, out byte[] key, out string name, out int used);
                position += used;
                AddToRoster(peer, id);
                if (!peer.Members.TryGetValue(id, out RemoteMember? member))
                {
                    ApplyJoined(peer, id, nextQ, key, name);
                }
                else
                {
                    // Known already: Joined again all the same (the relay ignores it for a member it
                    // shows), so that a member the relay could not show before gets shown now.
                    CheckJump(peer, id, member, nextQ);
                    Emit(new FederationRemoteEvent(FederationRemoteEventKind.Joined, peer.Fingerprint, peer.Site!, id) { IdentityKey = key, Name = name, NextQ = nextQ });
                }
            }

            if ((flags & FederationCodec.RosterLast) != 0 && peer.Roster is not null)
            {
                HashSet<uint> listed = peer.Roster;
                peer.Roster = null;
                foreach (uint id in peer.Members.Keys.Where(k => !listed.Contains(k)).ToList())
                {
                    ApplyLeft(peer, id, SecureLeftReason.Left);
                }
            }
        }

        /// <summary>
        /// Notes a member listed by the roster being read, at most <see cref="MaxMembersPerRelay"/>: a
        /// roster listing more (or never ending) is given up (nobody leaves by it), counted TooManyMembers.
        /// </summary>
        private void AddToRoster(Peer peer, uint id)
        {
            if (peer.Roster is null || peer.Roster.Contains(id))
            {
                return;
            }

            if (peer.Roster.Count >= MaxMembersPerRelay)
            {
                Drops.Add(TooManyMembers);
                peer.Roster = null;
                return;
            }

            peer.Roster.Add(id);
        }

        /// <summary>After a skipped envelope: the member's first Q seen above the one expected means the ones between are lost.</summary>
        private void CheckJump(Peer peer, uint id, RemoteMember member, ulong nextQ)
        {
            if (!member.Suspect)
            {
                return;
            }

            if (nextQ > member.ExpectedQ)
            {
                Lost++;
                Emit(new FederationRemoteEvent(FederationRemoteEventKind.Lost, peer.Fingerprint, peer.Site!, id) { NextQ = nextQ });
                member.ExpectedQ = nextQ;
            }

            member.Suspect = false;
        }

        private void ApplyData(Peer peer, SecureFragment fragment)
        {
            if (!peer.Members.TryGetValue(fragment.SenderId, out RemoteMember? member))
            {
                Drops.Add(UnknownMember);
                return;
            }

            CheckJump(peer, fragment.SenderId, member, fragment.Sequence);
            if (fragment.Sequence < member.ExpectedQ)
            {
                Drops.Add(StaleSequence);
                return;
            }

            member.ExpectedQ = fragment.Sequence + 1;
            Emit(new FederationRemoteEvent(FederationRemoteEventKind.Data, peer.Fingerprint, peer.Site!, fragment.SenderId) { Fragment = fragment });
        }

        private void ApplyProgress(Peer peer, uint id, ulong nextQ)
        {
            if (!peer.Members.TryGetValue(id, out RemoteMember? member))
            {
                return;
            }

            CheckJump(peer, id, member, nextQ);
            member.ExpectedQ = Math.Max(member.ExpectedQ, nextQ);
            Emit(new FederationRemoteEvent(FederationRemoteEventKind.Progress, peer.Fingerprint, peer.Site!, id) { NextQ = nextQ });
        }

        private void Emit(FederationRemoteEvent remote) => events.Add(remote);

        private void Forget(Peer peer, SecureLeftReason reason, DateTimeOffset now)
        {
            // The site it held is free again: relays refused for granting with it are asked again at
            // once (a KeyRequest brings a new Grant), so a site taken while its relay was forgotten
            // is not lost to it for good.
            if (peer.HasKey && peer.Site is not null)
            {
                foreach (Peer refused in peers.Values.Where(p => p != peer && string.Equals(p.RefusedSite, peer.Site, StringComparison.Ordinal)))
                {
                    refused.Refusal = null;
                    refused.RefusedSite = null;
                    refused.NextKeyRequestAt = now;
                }
            }

            foreach (uint id in peer.Members.Keys.ToList())
            {
                ApplyLeft(peer, id, reason);
            }

            if (remembered.TryGetValue(peer.IdHex, out Remembered? memory))
            {
                memory.DeliveredBoot = peer.Boot;
                memory.DeliveredF = peer.ExpectedF;
                memory.LastRequestNumber = peer.LastRequestNumber;
            }

            peer.DisposeKeys();
            peers.Remove(peer.IdHex);
        }

        // ---------------- What this relay publishes ----------------

        private void Queue(byte[] record)
        {
            ThrowIfDisposed();
            pending.Add(record);
        }

        private static byte[] ProgressRecord(uint memberId, ulong nextQ)
        {
            var body = new byte[12];
            BigEndian.WriteU32(body, 0, memberId);
            BigEndian.WriteU64(body, 4, nextQ);
            return FederationCodec.Record(FederationCodec.RecordProgress, body);
        }

        private void QueueRoster()
        {
            int room = maxPlain - FederationCodec.RecordHeaderLength - 3;
            var chunks = new List<List<byte[]>> { new List<byte[]>() };
            int used = 0;
            foreach (KeyValuePair<uint, LocalMember> pair in localMembers.OrderBy(p => p.Key))
            {
                byte[] entry = FederationCodec.MemberEntry(pair.Key, pair.Value.NextQ, pair.Value.IdentityKey, pair.Value.Name);
                List<byte[]> chunk = chunks[chunks.Count - 1];
                if (chunk.Count == ushort.MaxValue || used + entry.Length > room)
                {
                    chunk = new List<byte[]>();
                    chunks.Add(chunk);
                    used = 0;
                }

                chunk.Add(entry);
                used += entry.Length;
            }

            for (int i = 0; i < chunks.Count; i++)
            {
                byte flags = (byte)((i == 0 ? FederationCodec.RosterFirst : 0) | (i == chunks.Count - 1 ? FederationCodec.RosterLast : 0));
                var body = new List<byte> { flags, (byte)(chunks[i].Count >> 8), (byte)chunks[i].Count };
                foreach (byte[] entry in chunks[i])
                {
                    body.AddRange(entry);
                }

                pending.Add(FederationCodec.Record(FederationCodec.RecordRoster, body.ToArray()));
            }

            foreach (KeyValuePair<uint, LocalMember> pair in localMembers)
            {
                if (pair.Value.SentLately)
                {
                    pair.Value.SentLately = false;
                    pending.Add(ProgressRecord(pair.Key, pair.Value.NextQ));
                }
            }
        }

        private void PublishEnvelope(byte[] plain)
        {
            ulong f = nextF++;
            byte[] header = FederationCodec.EnvelopeHeader(ownId, boot, f);
            var value = new byte[FederationCodec.EnvelopeOverhead + plain.Length];
            Buffer.BlockCopy(header, 0, value, 0, header.Length);
            crypto.SealInto(publishCipher, FederationCodec.Nonce(f), new ArraySegment<byte>(plain), new ArraySegment<byte>(header), value, header.Length);
            SignInto(FederationCodec.EnvelopeLabel, value);
            buffer.Add(f, value);
            EnvelopesPublished++;
            publications.Add(new FederationPublication(relaySubject, value));
        }

        private void Announce(DateTimeOffset now)
        {
            // Strictly increasing within a boot, even if the clock steps back: peers take only newer announces.
            lastAnnounceTime = Math.Max((ulong)Math.Max(0, now.ToUnixTimeMilliseconds()), lastAnnounceTime + 1);
            byte[] value = FederationCodec.AnnounceUnsigned(identity.PublicKey.Point, boot, ephemeralPublic, lastAnnounceTime, nextF);
            SignInto(FederationCodec.AnnounceLabel, value);
            publications.Add(new FederationPublication(relaySubject, value));
        }

        private void SendGrant(Peer peer)
        {
            ulong number = ++grantNumber;
            byte[] header = FederationCodec.GrantHeader(ownId, peer.Id, boot, peer.Boot, ephemeralPublic, nextF, number);
            if (peer.GrantCipher is null)
            {
                byte[] secret = crypto.Agree(ephemeral, peer.Ephemeral);
                byte[] key = FederationCodec.GrantKey(secret, prefixBinding, ownHash, peer.Hash, boot, peer.Boot, ephemeralPublic, peer.Ephemeral);
                peer.GrantCipher = AesGcm256.Create(key);
                Array.Clear(secret, 0, secret.Length);
                Array.Clear(key, 0, key.Length);
            }

            byte[] plain = FederationCodec.GrantPlaintext(publishKey, options.MaxDatagramBytes, options.Site);
            var value = new byte[header.Length + plain.Length + FederationCodec.TagLength + FederationCodec.SignatureLength];
            Buffer.BlockCopy(header, 0, value, 0, header.Length);
            crypto.SealInto(peer.GrantCipher, FederationCodec.Nonce(number), new ArraySegment<byte>(plain), new ArraySegment<byte>(header), value, header.Length);
            Array.Clear(plain, 0, plain.Length);
            SignInto(FederationCodec.GrantSignatureLabel, value);
            publications.Add(new FederationPublication(inboxSubjectPrefix + peer.IdHex, value));

            // The grantee starts at this F: it learns who is here from the roster that follows.
            rosterDue = true;
        }

        private void SendKeyRequest(Peer peer)
        {
            byte[] value = FederationCodec.KeyRequestUnsigned(ownId, peer.Id, boot, peer.Boot, ++requestNumber);
            SignInto(FederationCodec.KeyRequestLabel, value);
            publications.Add(new FederationPublication(inboxSubjectPrefix + peer.IdHex, value));
        }

        private void SendRepairRequest(Peer peer)
        {
            var ranges = new List<FederationRange>();
            ulong limit = Math.Min(peer.NextF, peer.ExpectedF + (ulong)options.HoldEnvelopes);
            ulong start = peer.ExpectedF;
            foreach (ulong held in peer.Held.Keys)
            {
                if (held >= limit || ranges.Count == FederationCodec.MaxRanges)
                {
                    break;
                }

                if (held > start)
                {
                    ranges.Add(new FederationRange(start, held - 1));
                }

                start = held + 1;
            }

            if (start < limit && ranges.Count < FederationCodec.MaxRanges)
            {
                ranges.Add(new FederationRange(start, limit - 1));
            }

            if (ranges.Count == 0)
            {
                return;
            }

            byte[] value = FederationCodec.RangesUnsigned(FederationCodec.KindRepairRequest, ownId, peer.Id, boot, peer.Boot, ++requestNumber, ranges);
            SignInto(FederationCodec.RepairRequestLabel, value);
            RepairsRequested++;
            publications.Add(new FederationPublication(inboxSubjectPrefix + peer.IdHex, value));
        }

        private void ServeRepair(Peer peer, List<FederationRange> wanted, DateTimeOffset now)
        {
            var gone = new List<FederationRange>();
            bool limited = false;
            string inbox = inboxSubjectPrefix + peer.IdHex;

            // In F order, each F at most once however the ranges overlap.
            ulong from = 0;
            foreach (FederationRange asked in wanted.OrderBy(r => r.First))
            {
                if (asked.Last < from)
                {
                    continue;
                }

                var range = new FederationRange(Math.Max(asked.First, from), asked.Last);
                if (range.First >= nextF)
                {
                    continue; // not published yet: nothing to say
                }

                ulong last = Math.Min(range.Last, nextF - 1);
                from = last + 1;
                if (range.First < buffer.OldestF)
                {
                    gone.Add(new FederationRange(range.First, Math.Min(last, buffer.OldestF - 1)));
                }

                for (ulong f = Math.Max(range.First, buffer.OldestF); f <= last && !limited; f++)
                {
                    if (!peer.RepairBudget.TryTake(now))
                    {
                        limited = true;
                        break;
                    }

                    publications.Add(new FederationPublication(inbox, buffer.Get(f)));
                    RepairsServed++;
                }
            }

            if (limited)
            {
                Drops.Add(RepairRateLimited);
            }

            if (gone.Count > 0)
            {
                byte[] value = FederationCodec.RangesUnsigned(FederationCodec.KindUnavailable, ownId, peer.Id, boot, peer.Boot, ++requestNumber, gone);
                SignInto(FederationCodec.UnavailableLabel, value);
                publications.Add(new FederationPublication(inbox, value));
            }
        }

        // ---------------- Helpers ----------------

        private void SignInto(string label, byte[] value)
        {
            int signed = value.Length - FederationCodec.SignatureLength;
            crypto.SignInto(identity, new ArraySegment<byte>(FederationCodec.SignedData(label, prefixBinding, value, signed)), value, signed);
        }

        /// <summary>The signature at the end of <paramref name="payload"/> is the peer's over the label, the prefix and the rest; counted BadSignature otherwise.</summary>
        private bool Verified(Peer peer, string label, byte[] payload)
        {
            int signed = payload.Length - FederationCodec.SignatureLength;
            if (crypto.Verify(peer.Key, FederationCodec.SignedData(label, prefixBinding, payload, signed), payload, signed))
            {
                return true;
            }

            Drops.Add(BadSignature);
            return false;
        }

        /// <summary>A request number above the last taken from the peer's boot; counted Replay otherwise.</summary>
        private bool IsNewRequest(Peer peer, ulong number)
        {
            if (number > peer.LastRequestNumber)
            {
                return true;
            }

            Drops.Add(Replay);
            return false;
        }

        /// <summary>
        /// Takes one from the peer's request budget, once its signature is checked: messages forged in
        /// its name never spend it (they cost a check each, as Announces and Envelopes do). Counted
        /// RequestRateLimited otherwise.
        /// </summary>
        private bool Admit(Peer peer, DateTimeOffset now)
        {
            if (peer.RequestBudget.TryTake(now))
            {
                return true;
            }

            Drops.Add(RequestRateLimited);
            return false;
        }

        private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a <= b ? a : b;

        private void ThrowIfDisposed()
        {
            if (disposed)
            {
                throw new ObjectDisposedException(nameof(FederationLink));
            }
        }

        private sealed class LocalMember
        {
            public LocalMember(byte[] identityKey, byte[] name, ulong nextQ)
            {
                IdentityKey = identityKey;
                Name = name;
                NextQ = nextQ;
            }

            public byte[] IdentityKey { get; }

            public byte[] Name { get; }

            public ulong NextQ { get; set; }

            public bool SentLately { get; set; }
        }

        private sealed class RemoteMember
        {
            public RemoteMember(ulong expectedQ)
            {
                ExpectedQ = expectedQ;
            }

            public ulong ExpectedQ { get; set; }

            /// <summary>Envelopes of its relay were skipped since its last record: its next Q may jump.</summary>
            public bool Suspect { get; set; }
        }

        /// <summary>
        /// What this link keeps of an authorized relay for as long as it runs, whether the relay is
        /// known now or was forgotten: the newest announce time taken (announce times only go up, so
        /// no earlier boot can be taken again), and, for the last boot forgotten only (the one boot
        /// that can be heard again), where its delivery and request numbers stood. So nothing
        /// recorded can be taken twice.
        /// </summary>
        private sealed class Remembered
        {
            public ulong AnnounceTime { get; set; }

            public byte[]? DeliveredBoot { get; set; }

            public ulong DeliveredF { get; set; }

            public ulong LastRequestNumber { get; set; }
        }

        /// <summary>Another relay, from its first accepted announce of a boot.</summary>
        private sealed class Peer
        {
            private readonly List<FederationRange> unavailable = new List<FederationRange>();

            public Peer(string idHex, byte[] id, byte[] hash, EcdsaP256PublicKey key, byte[] boot, byte[] ephemeral, FederationOptions options, DateTimeOffset now)
            {
                IdHex = idHex;
                Id = id;
                Hash = hash;
                Key = key;
                Fingerprint = key.Fingerprint;
                Boot = boot;
                Ephemeral = ephemeral;
                LastHeard = now;
                NextKeyRequestAt = now + options.AnnounceInterval;
                RepairBackoff = options.RepairRetry;
                RequestBudget = new TokenBucket(options.RequestsPerSecond, now);
                RepairBudget = new TokenBucket(options.RepairEnvelopesPerSecond, now);
            }

            public string IdHex { get; }

            public byte[] Id { get; }

            public byte[] Hash { get; }

            public EcdsaP256PublicKey Key { get; }

            public string Fingerprint { get; }

            public byte[] Boot { get; }

            public byte[] Ephemeral { get; }

            public ulong AnnounceTime { get; set; }

            public DateTimeOffset LastHeard { get; set; }

            public ulong NextF { get; set; }

            public bool GrantSent { get; set; }

            /// <summary>The last request number taken from this boot of the relay.</summary>
            public ulong LastRequestNumber { get; set; }

            public AesGcm256? GrantCipher { get; set; }

            public AesGcm256? PublishCipher { get; private set; }

            public bool HasKey => PublishCipher is not null;

            public string? Site { get; set; }

            public string? Refusal { get; set; }

            /// <summary>The site another relay held when this one was refused for it (SiteInUse), else null.</summary>
            public string? RefusedSite { get; set; }

            public ulong ExpectedF { get; set; }

            public SortedDictionary<ulong, byte[]> Held { get; } = new SortedDictionary<ulong, byte[]>();

            public long HeldBytes { get; set; }

            public DateTimeOffset StallSince { get; set; }

            public DateTimeOffset NextRepairAt { get; set; }

            public TimeSpan RepairBackoff { get; set; }

            public DateTimeOffset NextKeyRequestAt { get; set; }

            public Dictionary<uint, RemoteMember> Members { get; } = new Dictionary<uint, RemoteMember>();

            /// <summary>The members listed so far by a roster being read (first record seen, last not yet).</summary>
            public HashSet<uint>? Roster { get; set; }

            public TokenBucket RequestBudget { get; }

            public TokenBucket RepairBudget { get; }

            public void Install(AesGcm256 cipher, string site, ulong startF, DateTimeOffset now, TimeSpan retry)
            {
                PublishCipher = cipher;
                Site = site;
                Refusal = null;
                RefusedSite = null;
                ExpectedF = startF;
                NextF = Math.Max(NextF, startF);
                StallSince = now;
                NextRepairAt = now;
                RepairBackoff = retry;
            }

            /// <summary>
            /// Remembers that the publisher no longer has a range, cut to what it has published as far
            /// as this relay knows (so it never skips past that): at most 16 ranges kept; more are asked again.
            /// </summary>
            public void AddUnavailable(FederationRange range)
            {
                if (NextF == 0 || range.Last < ExpectedF || range.First >= NextF || unavailable.Count >= FederationCodec.MaxRanges)
                {
                    return;
                }

                unavailable.Add(new FederationRange(range.First, Math.Min(range.Last, NextF - 1)));
            }

            /// <summary>When <paramref name="f"/> is in a range the publisher no longer has: the F after that range.</summary>
            public bool TryUnavailableEnd(ulong f, out ulong end)
            {
                foreach (FederationRange range in unavailable)
                {
                    if (range.First <= f && f <= range.Last)
                    {
                        end = range.Last + 1;
                        return true;
                    }
                }

                end = 0;
                return false;
            }

            public void PruneUnavailable() => unavailable.RemoveAll(r => r.Last < ExpectedF);

            public FederationPeerInfo Info()
            {
                ulong missing = NextF > ExpectedF ? NextF - ExpectedF - (ulong)Held.Count : 0;
                return new FederationPeerInfo(
                    Fingerprint, IdHex, Site, FederationCodec.Hex(Boot, 0, Boot.Length), LastHeard, NextF, ExpectedF, Held.Count, missing, HasKey, Members.Count, Refusal);
            }

            public void DisposeKeys()
            {
                GrantCipher?.Dispose();
                PublishCipher?.Dispose();
            }
        }

        /// <summary>A budget of <c>rate</c> a second, holding at most one second's worth.</summary>
        private sealed class TokenBucket
        {
            private readonly int rate;
            private double tokens;
            private DateTimeOffset last;

            public TokenBucket(int rate, DateTimeOffset now)
            {
                this.rate = rate;
                tokens = rate;
                last = now;
            }

            public bool TryTake(DateTimeOffset now)
            {
                if (now > last)
                {
                    tokens = Math.Min(rate, tokens + (now - last).TotalSeconds * rate);
                    last = now;
                }

                if (tokens < 1)
                {
                    return false;
                }

                tokens--;
                return true;
            }
        }

        /// <summary>The envelopes this relay published last, by F (consecutive), bounded in count and bytes.</summary>
        private sealed class RetransmitRing
        {
            private readonly byte[][] slots;
            private readonly long maxBytes;
            private int start;
            private int count;
            private long bytes;

            public RetransmitRing(int capacity, long maxBytes)
            {
                slots = new byte[capacity][];
                this.maxBytes = maxBytes;
            }

            /// <summary>The oldest F kept (the next F to publish when empty).</summary>
            public ulong OldestF { get; private set; }

            public void Add(ulong f, byte[] value)
            {
                if (count == 0)
                {
                    OldestF = f;
                }

                while (count > 0 && (count == slots.Length || bytes + value.Length > maxBytes))
                {
                    bytes -= slots[start].Length;
                    slots[start] = null!;
                    start = (start + 1) % slots.Length;
                    count--;
                    OldestF++;
                }

                if (count == 0)
                {
                    OldestF = f;
                }

                slots[(start + count) % slots.Length] = value;
                count++;
                bytes += value.Length;
            }

            /// <summary>The envelope <paramref name="f"/>, which the caller knows is kept (OldestF ≤ f &lt; OldestF + count).</summary>
            public byte[] Get(ulong f) => slots[(int)(((ulong)start + (f - OldestF)) % (ulong)slots.Length)];
        }
    }
}
