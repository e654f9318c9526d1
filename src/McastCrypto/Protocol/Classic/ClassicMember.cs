using System;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>
    /// <para>
    /// The member's half of the Classic protocol (docs/protocol.md, "The member"), as a pure state
    /// machine. Where the seed article leaves room, it adds only what the article's relay already
    /// answers: the registration and CONNECT are repeated until the relay confirms them, and a
    /// Request Server Key (TLV 7) asks a silent relay for a sign of life.
    /// </para>
    /// <para>
    /// The first relay key the member accepts is pinned for its whole life. While it has a relay (Joining
    /// or Connected, before or after a rejoin), a key answer with other bytes is dropped and counted
    /// RelayKeyChanged without even being imported, so no forged datagram, nor any sequence of them,
    /// swaps the key the member encrypts to. Only once the relay is lost (no sign of life, below, for
    /// three keep-alive intervals) does another key mean something: a restarted relay or an impostor,
    /// which Classic cannot tell apart. The member then ends in <see cref="MemberState.Failed"/> with
    /// <see cref="MemberFailureReason.RelayKeyChanged"/>, unless
    /// <see cref="ClassicMemberOptions.AllowRelayKeyChange"/> lets it join the new relay (and pin its key).
    /// Failed is terminal: <see cref="Receive"/> and <see cref="Tick"/> do nothing (what the group says
    /// is not counted as dropped: the member is no longer listening), <see cref="Leave"/> sends nothing,
    /// and <see cref="Send"/> throws InvalidOperationException with the failure's message.
    /// </para>
    /// <para>
    /// A leave notice (TLV 12) about the member makes it register and CONNECT again, at most once per
    /// keep-alive interval (a notice inside the window is counted RejoinRateLimited and the rejoin is
    /// done when the window ends).
    /// </para>
    /// <para>
    /// What counts as the relay's life (<see cref="LastRelayTraffic"/>, and the return of a lost relay)
    /// is only what a forger cannot make for free: a relayed block (TLV 6, bare or in a TLV 10) that
    /// decrypts with this member's key, or a key answer (TLV 5) whose bytes are exactly the relay key
    /// this member holds. Blocks that do not decrypt (other members' copies, or forgeries) and presence
    /// notices (TLV 11, 12: no cryptography at all) are reported or counted but prove nothing, so they
    /// neither keep a dead relay alive nor bring a lost one back.
    /// </para>
    /// <para>
    /// Neither sign is proof, and nothing in the Classic wire format is: the relay's key and this
    /// member's key both cross the group in the clear (TLV 5, TLV 4), so anyone on the LAN can echo the
    /// one or encrypt a block to the other. The key answer is kept as a sign of life all the same,
    /// because it is the only one a quiet group has: when nobody talks, the relay sends nothing but its
    /// answers to the member's key requests, and the page gives a member no way to make the relay
    /// encrypt anything for it alone (a message it sends goes to every other member; a CONNECT is
    /// answered by a TLV 11, which is no better than a TLV 5 and is announced to everyone). Without it a
    /// joined member in a quiet group would be declared lost every three keep-alive intervals. What an
    /// attacker gains by echoing the key is to hide a relay that really died; it learns nothing, since
    /// the member still encrypts only to the key it holds.
    /// </para>
    /// </summary>
    public sealed class ClassicMember : IMemberProtocol
    {
        private readonly RsaPrivateKey key;
        private readonly ClassicMemberOptions options;
        private readonly Func<uint> messageIds;
        private readonly byte[] registration;
        private MemberIdentity? identity;
        private readonly PerSecondBudget keyImports;
        private RsaPublicKey? relayKey;
        private byte[]? relayKeyPem;
        private DateTimeOffset nextRetry;
        private DateTimeOffset nextKeepAlive;
        private DateTimeOffset? lastRejoin;
        private bool rejoinOwed;

        /// <param name="self">The address:port of this member's send socket: the relay names it by that.</param>
        /// <param name="key">The member's key pair; the member owns and disposes it.</param>
        /// <param name="options">Settings; validated here.</param>
        /// <param name="messageIds">Message ids (random by default; fixed in tests).</param>
        public ClassicMember(IPEndPoint self, RsaPrivateKey key, ClassicMemberOptions options, Func<uint>? messageIds = null)
        {
            ClassicAddresses.RequireIPv4EndPoint(self, nameof(self));
            Self = self;
            this.key = key ?? throw new ArgumentNullException(nameof(key));
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            this.messageIds = messageIds ?? ClassicMessages.RandomMessageId;
            keyImports = new PerSecondBudget(options.MaxKeyImportsPerSecond);
            registration = TlvWriter.Encode(TlvType.RegisterPublicKey, Encoding.ASCII.GetBytes(key.PublicKey.ToPem()));
        }

        public McastProtocol Protocol => McastProtocol.Classic;

        public MemberState State { get; private set; } = MemberState.New;

        public IPEndPoint Self { get; }

        /// <summary>The member by its address: the only name Classic has for it.</summary>
        public MemberIdentity Identity => identity ??= MemberIdentity.FromEndPoint(Self, KeyFingerprint);

        public string? RelayFingerprint => relayKey?.Fingerprint;

        public IPEndPoint? Relay { get; private set; }

        public DateTimeOffset? LastRelayTraffic { get; private set; }

        public MemberFailure? Failure { get; private set; }

        /// <summary>Classic has one key for the relay's life and no group key: no epochs.</summary>
        public long? Epoch => null;

        public DropCounter Drops { get; } = new DropCounter();

        public int MaxMessageBytes => options.MaxMessageBytes;

        /// <summary>Classic has no delivery report: MessageSent is all it says.</summary>
        public bool HasAcknowledgements => false;

        /// <inheritdoc/>
        public DateTimeOffset? NextDeadline => null;

        /// <inheritdoc/>
        public SendProgress? GetSendProgress(string messageId) => null;

        /// <summary>The member's own key fingerprint.</summary>
        public string KeyFingerprint => key.PublicKey.Fingerprint;

        private DateTimeOffset RelayLostAt => (LastRelayTraffic ?? DateTimeOffset.MinValue) + RelaySilenceLimit;

        private TimeSpan RelaySilenceLimit => TimeSpan.FromTicks(options.KeepAliveInterval.Ticks * 3);

        public void Start(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State != MemberState.New)
            {
                throw new InvalidOperationException("The member has started already.");
            }

            Register(output, requestKey: true);
            nextRetry = now + options.RetryInterval;
            nextKeepAlive = now + options.KeepAliveInterval;
            ChangeState(MemberState.AwaitingRelayKey, now, output);
        }

        public void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State == MemberState.New || State == MemberState.Closed || State == MemberState.Failed || source.Equals(Self))
            {
                // Nothing to do, and nothing counted: a member that has not started, or has ended,
                // is not listening, so what the group says is not dropped by it.
                return;
            }

            if (!TlvReader.TryReadSingle(datagram, out TlvRecord? record, out _))
            {
                Drops.Add("MalformedTlv");
                return;
            }

            switch (record!.Type)
            {
                case TlvType.ServerPublicKey:
                    OnRelayKey(record, source, now, output);
                    break;
                case TlvType.SenderInfo:
                case TlvType.RelayedMessage:
                    OnRelayed(record, now, output);
                    break;
                case TlvType.ClientConnect:
                case TlvType.ClientDisconnect:
                    OnPresence(record, now, output);
                    break;
                case TlvType.FragmentedData:
                case TlvType.EncryptedBlock:
                case TlvType.RegisterPublicKey:
                case TlvType.RequestServerKey:
                case TlvType.KeepAlive:
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
                    if (now >= nextRetry)
                    {
                        Register(output, requestKey: true);
                        nextRetry = now + options.RetryInterval;
                    }

                    return;
                case MemberState.Joining:
                    if (now >= RelayLostAt)
                    {
                        // A relay that went away says goodbye to its members, who try to join again:
                        // silence while joining is a lost relay too.
                        ChangeState(MemberState.RelayLost, now, output);
                        break;
                    }

                    if (RejoinDue(now))
                    {
                        Rejoin(now, output);
                    }
                    else if (now >= nextRetry)
                    {
                        // The relay may have missed the registration or the CONNECT: both again, and a key
                        // request, whose answer is the relay's sign of life while the member waits.
                        Register(output, requestKey: true);
                        output.Datagrams.AddRange(Encode(ClassicMessages.Connect));
                        nextRetry = now + options.RetryInterval;
                    }

                    break;
                case MemberState.Connected:
                    if (now >= RelayLostAt)
                    {
                        ChangeState(MemberState.RelayLost, now, output);
                    }
                    else if (RejoinDue(now))
                    {
                        Rejoin(now, output);
                    }

                    break;
                case MemberState.RelayLost:
                    break;
                default:
                    return;
            }

            if (now >= nextKeepAlive)
            {
                output.Datagrams.Add(TlvWriter.Encode(TlvType.KeepAlive, Array.Empty<byte>()));
                if (LastRelayTraffic is null || now - LastRelayTraffic.Value >= options.KeepAliveInterval)
                {
                    // The relay speaks only when it has something to say; its answer to a key request
                    // is the only sign of life the page lets a member ask for.
                    output.Datagrams.Add(TlvWriter.Encode(TlvType.RequestServerKey, Array.Empty<byte>()));
                }

                nextKeepAlive = now + options.KeepAliveInterval;
            }
        }

        public SentMessage Send(MessageContent content, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (content is null)
            {
                throw new ArgumentNullException(nameof(content));
            }

            if (content.Kind != MessageContentKind.Text)
            {
                throw new ArgumentException("The Classic protocol carries text only: send a text, or use the Secure protocol for bytes and files." , nameof(content));
            }

            string text = content.Text!;

            MemberSendCheck.ThrowUnlessConnected(State, Failure, RelaySilenceLimit);

            byte[] data = Encoding.UTF8.GetBytes(text);
            if (data.Length == 0)
            {
                throw new ArgumentException("A message cannot be empty: the Classic protocol has no way to carry it.", nameof(text));
            }

            if (data.Length > options.MaxMessageBytes)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The message has {0} UTF-8 bytes; the most this session sends is {1}.", data.Length, options.MaxMessageBytes),
                    nameof(text));
            }

            uint id = messageIds();
            var datagrams = ClassicMessages.Encode(data, relayKey!, id, options.FragmentSize);
            output.Datagrams.AddRange(datagrams);
            string messageId = id.ToString("x8", CultureInfo.InvariantCulture);

            // Classic has no delivery report: "sent" is all it can ever say.
            output.Events.Add(MemberEvent.Outcome(now, MemberEventKind.MessageSent, messageId, State));
            return new SentMessage(messageId, text, data.Length, datagrams.Sum(d => d.Length), datagrams.Count);
        }

        /// <summary>
        /// Says goodbye (DISCONNECT) and closes. A Failed member stays Failed and sends nothing: its relay
        /// is gone, and the key it holds is not the one now answering.
        /// </summary>
        public void Leave(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (State == MemberState.Closed || State == MemberState.Failed)
            {
                return;
            }

            if (relayKey is not null && State != MemberState.New)
            {
                output.Datagrams.AddRange(Encode(ClassicMessages.Disconnect));
            }

            ChangeState(MemberState.Closed, now, output);
        }

        public void Dispose()
        {
            key.Dispose();
        }

        private void OnRelayKey(TlvRecord record, IPEndPoint source, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (relayKeyPem is not null && record.Value.SequenceEqual(relayKeyPem))
            {
                // The key this member holds, as the relay answers every key request (every member hears
                // every answer). It proves only that the sender has the relay's public key, which is
                // public: see the class comment for why it still counts as a sign of life.
                Relay = source;
                OnSignOfLife(now, output);
                return;
            }

            if (relayKey is not null && State != MemberState.RelayLost)
            {
                // The member holds a relay key and its relay is not lost: another key is a forgery, or a
                // second relay, and never replaces the one it has. Comparing bytes needs no import.
                Drops.Add("RelayKeyChanged");
                return;
            }

            if (!keyImports.TrySpend(now))
            {
                // An import costs milliseconds; a flood of keys must not take the member's time.
                Drops.Add("KeyImportRateLimited");
                return;
            }

            RsaPublicKey offered;
            try
            {
                offered = RsaOaep.ImportPublicKeyPem(Encoding.ASCII.GetString(record.Value));
            }
            catch (CryptographicException)
            {
                Drops.Add("BadRelayKey");
                return;
            }

            if (relayKey is null)
            {
                // The first key: trusted on first use, and pinned from now on.
                relayKey = offered;
                relayKeyPem = record.Value;
                Relay = source;
                LastRelayTraffic = now;
                output.Datagrams.AddRange(Encode(ClassicMessages.Connect));
                nextRetry = now + options.RetryInterval;
                ChangeState(MemberState.Joining, now, output);
                return;
            }

            if (relayKey.SubjectPublicKeyInfo.SequenceEqual(offered.SubjectPublicKeyInfo))
            {
                // The same key in other PEM bytes (line ends, say): still the relay this member joined.
                Relay = source;
                OnSignOfLife(now, output);
                return;
            }

            // The relay fell silent for three keep-alive intervals, and a relay with another key answers:
            // a restarted relay, or an impostor that waited for the real one to go. Classic cannot tell.
            if (!options.AllowRelayKeyChange)
            {
                Fail(relayKey.Fingerprint, offered.Fingerprint, now, output);
                return;
            }

            relayKey = offered;
            relayKeyPem = record.Value;
            Relay = source;
            LastRelayTraffic = now;
            Rejoin(now, output);
        }

        /// <summary>Ends the member for good: the user decides whether to trust the new relay key.</summary>
        private void Fail(string expected, string offered, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            string message = string.Format(
                CultureInfo.InvariantCulture,
                "The relay was lost, and a relay now answers with the key {0} instead of {1}, the key this member joined with. "
                + "The Classic protocol cannot tell a restarted relay from an impostor, so the member stopped rather than encrypt to a key it never agreed to. "
                + "If the relay was restarted, check its fingerprint (Get-McastRelay) and start a new session, or allow the change with New-McastSession -AllowRelayKeyChange.",
                offered,
                expected);
            Failure = new MemberFailure(MemberFailureReason.RelayKeyChanged, message, expected, offered);
            ChangeState(MemberState.Failed, now, output);
        }

        private void OnRelayed(TlvRecord record, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            IPEndPoint? sender = null;
            TlvRecord block = record;
            if (record.Type == TlvType.SenderInfo)
            {
                SenderInfo info;
                try
                {
                    info = ClassicCodec.DecodeSenderInfo(record);
                }
                catch (TlvFormatException)
                {
                    Drops.Add("MalformedTlv");
                    return;
                }

                if (info.Inner.Type != TlvType.RelayedMessage)
                {
                    Drops.Add("UnexpectedInnerType");
                    return;
                }

                sender = info.Sender;
                block = info.Inner;
            }

            if (relayKey is null)
            {
                Drops.Add("BeforeRelayKey");
                return;
            }

            if (!key.TryDecrypt(block.Value, out byte[]? plain))
            {
                // The relay sends one copy per member; the others' copies do not decrypt with our key.
                // Nor does a forgery, so neither is a sign of the relay's life.
                Drops.Add("NotForUs");
                return;
            }

            OnSignOfLife(now, output);
            string? text = ClassicMessages.TryDecodeText(plain!);
            if (text is null)
            {
                Drops.Add("InvalidText");
                return;
            }

            output.Events.Add(MemberEvent.Message(now, sender is null ? null : MemberIdentity.FromEndPoint(sender), text, null, verified: false, State));
        }

        private void OnPresence(TlvRecord record, DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            PresenceNotice notice;
            try
            {
                notice = ClassicCodec.DecodePresence(record);
            }
            catch (TlvFormatException)
            {
                Drops.Add("MalformedTlv");
                return;
            }

            if (relayKey is null)
            {
                Drops.Add("BeforeRelayKey");
                return;
            }

            // A presence notice carries no cryptography: anyone can send one, from any address. It is
            // reported, and drives the member's own join, but it is no sign of the relay's life.
            if (notice.Member.Equals(Self))
            {
                if (notice.Joined && State == MemberState.Joining)
                {
                    ChangeState(MemberState.Connected, now, output);
                }
                else if (!notice.Joined && (State == MemberState.Connected || State == MemberState.Joining) && !TryRejoin(now, output))
                {
                    // Counted, and owed: Tick rejoins when the window is over. No event: it said nothing new.
                    return;
                }
            }

            output.Events.Add(MemberEvent.Presence(now, notice.Joined, MemberIdentity.FromEndPoint(notice.Member), verified: false, State));
        }

        /// <summary>
        /// A relayed block that decrypted with the member's key, or the relay's key as pinned, arrived:
        /// the relay counts as alive (see the class comment for what that proves), and a lost relay as back.
        /// </summary>
        private void OnSignOfLife(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            LastRelayTraffic = now;
            if (State == MemberState.RelayLost)
            {
                // The relay is back, but may have forgotten this member meanwhile.
                Rejoin(now, output);
            }
        }

        /// <summary>
        /// A leave notice about this member asks it to register and CONNECT again: the relay forgot it
        /// (its keep-alives were lost, or the relay restarted). Anyone can send one, and each rejoin
        /// costs the member and the relay RSA work and the group a join notice, so it happens at most
        /// once per keep-alive interval. A notice inside the window is counted RejoinRateLimited and the
        /// rejoin is owed: <see cref="Tick"/> pays it when the window is over, so a real notice that
        /// follows a forged one is late, not lost. A lost member waits for a sign of life instead.
        /// </summary>
        private bool TryRejoin(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            if (lastRejoin is not null && now < lastRejoin.Value + options.KeepAliveInterval)
            {
                Drops.Add("RejoinRateLimited");
                rejoinOwed = true;
                return false;
            }

            Rejoin(now, output);
            return true;
        }

        private bool RejoinDue(DateTimeOffset now) =>
            rejoinOwed && lastRejoin is not null && now >= lastRejoin.Value + options.KeepAliveInterval;

        private void Rejoin(DateTimeOffset now, ProtocolOutput<MemberEvent> output)
        {
            lastRejoin = now;
            rejoinOwed = false;
            Register(output, requestKey: false);
            output.Datagrams.AddRange(Encode(ClassicMessages.Connect));
            nextRetry = now + options.RetryInterval;
            ChangeState(MemberState.Joining, now, output);
        }

        private void Register(ProtocolOutput<MemberEvent> output, bool requestKey)
        {
            output.Datagrams.Add(registration);
            if (requestKey)
            {
                output.Datagrams.Add(TlvWriter.Encode(TlvType.RequestServerKey, Array.Empty<byte>()));
            }
        }

        private System.Collections.Generic.List<byte[]> Encode(string text) =>
            ClassicMessages.Encode(Encoding.UTF8.GetBytes(text), relayKey!, messageIds(), options.FragmentSize);

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
