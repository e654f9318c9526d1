using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>
    /// The relay of the Classic protocol (docs/protocol.md, "The relay"), as a pure state machine:
    /// it registers members' keys, answers key requests, reassembles and decrypts messages, announces
    /// joins and leaves, and re-encrypts every message for every other registered member.
    /// </summary>
    public sealed class ClassicRelay : IRelayProtocol
    {
        private readonly RsaPrivateKey key;
        private readonly ClassicRelayOptions options;
        private readonly byte[] keyAnswer;
        private readonly Dictionary<IPEndPoint, Client> clients = new Dictionary<IPEndPoint, Client>();
        private readonly Reassembly<IPEndPoint> reassembly;
        private readonly PerSecondBudget keyAnswers;
        private readonly PerSecondBudget keyImports;

        /// <param name="self">The relay's send address:port; what it hears from there is its own.</param>
        /// <param name="key">The relay's key pair; the relay owns and disposes it.</param>
        /// <param name="options">Settings; validated here.</param>
        public ClassicRelay(IPEndPoint self, RsaPrivateKey key, ClassicRelayOptions options)
        {
            ClassicAddresses.RequireIPv4EndPoint(self, nameof(self));
            Self = self;
            this.key = key ?? throw new ArgumentNullException(nameof(key));
            this.options = options ?? throw new ArgumentNullException(nameof(options));
            options.Validate();
            keyAnswers = new PerSecondBudget(options.MaxKeyAnswersPerSecond);
            keyImports = new PerSecondBudget(options.MaxKeyImportsPerSecond);
            keyAnswer = TlvWriter.Encode(TlvType.ServerPublicKey, Encoding.ASCII.GetBytes(key.PublicKey.ToPem()));
            MaxPayloadBytes = ClassicMessages.MaxPayloadBytes(options.MaxMessageBytes, key.PublicKey);
            reassembly = new Reassembly<IPEndPoint>(options.Reassembly, Drops, MaxPayloadBytes);
        }

        public McastProtocol Protocol => McastProtocol.Classic;

        public IPEndPoint Self { get; }

        public string KeyFingerprint => key.PublicKey.Fingerprint;

        /// <summary>Classic has no group key: no epochs.</summary>
        public long? Epoch => null;

        public DropCounter Drops { get; } = new DropCounter();

        public long MessagesRelayed { get; private set; }

        /// <inheritdoc/>
        public DateTimeOffset? NextDeadline => null;

        /// <summary>Incomplete messages held for reassembly now.</summary>
        public int PendingMessages => reassembly.PendingMessages;

        /// <summary>Bytes held for reassembly now, slots and overhead included.</summary>
        public long PendingBytes => reassembly.PendingBytes;

        /// <summary>
        /// The longest reassembled payload the relay takes: the ciphertext of
        /// <see cref="ClassicRelayOptions.MaxMessageBytes"/> of text under the relay's key (89,700 bytes
        /// for 64 KiB and RSA-2048).
        /// </summary>
        public long MaxPayloadBytes { get; }

        public IReadOnlyList<RelayMember> Members =>
            clients.Values.Select(c => new RelayMember(c.Identity, c.Connected, c.RegisteredAt, c.LastSeen)).ToList();

        public void Receive(byte[] datagram, IPEndPoint source, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (source.Equals(Self))
            {
                return;
            }

            if (!TlvReader.TryReadSingle(datagram, out TlvRecord? record, out _))
            {
                Drops.Add("MalformedTlv");
                return;
            }

            clients.TryGetValue(source, out Client? client);
            switch (record!.Type)
            {
                case TlvType.RegisterPublicKey:
                    OnRegister(record, source, client, now, output);
                    break;
                case TlvType.RequestServerKey:
                    Seen(client, now);
                    OnKeyRequest(now, output);
                    break;
                case TlvType.KeepAlive:
                    if (client is null)
                    {
                        Drops.Add("UnregisteredSender");
                    }

                    Seen(client, now);
                    break;
                case TlvType.FragmentedData:
                    if (client is null)
                    {
                        Drops.Add("UnregisteredSender");
                        return;
                    }

                    Seen(client, now);
                    OnFragment(record, client, now, output);
                    break;
                case TlvType.ServerPublicKey:
                case TlvType.RelayedMessage:
                case TlvType.SenderInfo:
                case TlvType.ClientConnect:
                case TlvType.ClientDisconnect:
                case TlvType.EncryptedBlock:
                    Drops.Add("IgnoredType");
                    break;
                default:
                    Drops.Add("UnknownType");
                    break;
            }
        }

        public void Tick(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            foreach (Client client in clients.Values.Where(c => now - c.LastSeen >= options.ClientTimeout).ToList())
            {
                Forget(client);
                output.Datagrams.Add(Notice(TlvType.ClientDisconnect, client.EndPoint));
                output.Events.Add(new RelayEvent(RelayEventKind.TimedOut, now, client.Identity));
            }

            reassembly.Expire(now);
        }

        /// <summary>Classic sends one datagram per block per recipient as it goes: nothing is held back.</summary>
        public void Flush(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
        }

        public void Stop(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            foreach (Client client in clients.Values.ToList())
            {
                Forget(client);
                output.Datagrams.Add(Notice(TlvType.ClientDisconnect, client.EndPoint));
                output.Events.Add(new RelayEvent(RelayEventKind.Left, now, client.Identity));
            }
        }

        public void Dispose()
        {
            key.Dispose();
        }

        private void OnRegister(TlvRecord record, IPEndPoint source, Client? client, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            // Everything that can refuse a registration without importing the key comes first: an
            // import costs 20 ms (RSA-2048) to 110 ms (RSA-4096) on BouncyCastle.
            if (client is not null && record.Value.SequenceEqual(client.KeyPem))
            {
                // The same key again (a joining member repeats its registration).
                client.LastSeen = now;
                output.Events.Add(new RelayEvent(RelayEventKind.Registered, now, client.Identity));
                return;
            }

            if (client is null && clients.Count >= options.MaxClients)
            {
                Drops.Add("TooManyClients");
                return;
            }

            if (!keyImports.TrySpend(now))
            {
                Drops.Add("KeyImportRateLimited");
                return;
            }

            RsaPublicKey memberKey;
            try
            {
                memberKey = RsaOaep.ImportPublicKeyPem(Encoding.ASCII.GetString(record.Value));
            }
            catch (CryptographicException)
            {
                Drops.Add("BadPublicKey");
                return;
            }

            if (client is null)
            {
                client = new Client(source, memberKey, record.Value, now);
                clients.Add(source, client);
            }
            else
            {
                client.Key = memberKey;
                client.KeyPem = record.Value;
            }

            client.LastSeen = now;
            output.Events.Add(new RelayEvent(RelayEventKind.Registered, now, client.Identity));
        }

        private void OnKeyRequest(DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (!keyAnswers.TrySpend(now))
            {
                Drops.Add("KeyRequestRateLimited");
                return;
            }

            output.Datagrams.Add(keyAnswer);
        }

        private void OnFragment(TlvRecord record, Client client, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            Fragment fragment;
            try
            {
                fragment = ClassicCodec.DecodeFragment(record);
            }
            catch (TlvFormatException)
            {
                Drops.Add("MalformedFragment");
                return;
            }

            byte[]? payload = reassembly.Add(client.EndPoint, fragment.MessageIdValue, fragment.Sequence, fragment.Total, fragment.Chunk, now);
            if (payload is null)
            {
                return;
            }

            byte[]? plain = ClassicMessages.Decrypt(payload, key, out string? reason);
            if (plain is null)
            {
                Drops.Add(reason!);
                return;
            }

            if (plain.Length > options.MaxMessageBytes)
            {
                // The payload limit rounds up to whole blocks (345 x 190 = 65,550 bytes under RSA-2048),
                // and a larger relay key lets a sender fill blocks past 190 bytes: the text is checked too.
                Drops.Add("MessageTooLarge");
                return;
            }

            string? text = ClassicMessages.TryDecodeText(plain);
            if (text is null)
            {
                Drops.Add("InvalidText");
                return;
            }

            OnMessage(client, text, plain, now, output);
        }

        private void OnMessage(Client sender, string text, byte[] utf8, DateTimeOffset now, ProtocolOutput<RelayEvent> output)
        {
            if (text == ClassicMessages.Connect)
            {
                bool first = !sender.Connected;
                sender.Connected = true;
                output.Datagrams.Add(Notice(TlvType.ClientConnect, sender.EndPoint));
                if (first)
                {
                    output.Events.Add(new RelayEvent(RelayEventKind.Joined, now, sender.Identity));
                }

                return;
            }

            if (text == ClassicMessages.Disconnect)
            {
                Forget(sender);
                output.Datagrams.Add(Notice(TlvType.ClientDisconnect, sender.EndPoint));
                output.Events.Add(new RelayEvent(RelayEventKind.Left, now, sender.Identity));
                return;
            }

            byte[] from = ClassicCodec.EncodeEndPoint(sender.EndPoint);
            var recipients = clients.Values.Where(c => !c.EndPoint.Equals(sender.EndPoint)).ToList();
            foreach (Client recipient in recipients)
            {
                foreach (byte[] piece in ClassicMessages.SplitUtf8(utf8, Math.Min(ClassicMessages.MaxBlockBytes, recipient.Key.MaxPlaintextLength)))
                {
                    byte[] inner = TlvWriter.Encode(TlvType.RelayedMessage, recipient.Key.Encrypt(piece));
                    output.Datagrams.Add(TlvWriter.Encode(TlvType.SenderInfo, from, inner));
                }
            }

            MessagesRelayed++;
            output.Events.Add(new RelayEvent(RelayEventKind.Relayed, now, sender.Identity, recipients.Count, utf8.Length));
        }

        private void Forget(Client client)
        {
            clients.Remove(client.EndPoint);
            reassembly.Forget(client.EndPoint);
        }

        private static void Seen(Client? client, DateTimeOffset now)
        {
            if (client is not null)
            {
                client.LastSeen = now;
            }
        }

        private static byte[] Notice(TlvType type, IPEndPoint member) => TlvWriter.Encode(type, ClassicCodec.EncodeEndPoint(member));

        private sealed class Client
        {
            public Client(IPEndPoint endPoint, RsaPublicKey key, byte[] keyPem, DateTimeOffset now)
            {
                EndPoint = endPoint;
                Key = key;
                KeyPem = keyPem;
                RegisteredAt = now;
                LastSeen = now;
            }

            public IPEndPoint EndPoint { get; }

            public RsaPublicKey Key { get; set; }

            /// <summary>The member as events and snapshots name it: its address, and its key's fingerprint.</summary>
            public MemberIdentity Identity => MemberIdentity.FromEndPoint(EndPoint, Key.Fingerprint);

            /// <summary>The registration's PEM bytes as received, to recognise a repeat without importing it.</summary>
            public byte[] KeyPem { get; set; }

            public bool Connected { get; set; }

            public DateTimeOffset RegisteredAt { get; }

            public DateTimeOffset LastSeen { get; set; }
        }
    }
}
