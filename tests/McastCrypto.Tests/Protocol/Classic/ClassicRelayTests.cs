using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Classic
{
    public class ClassicRelayTests
    {
        private static readonly IPEndPoint RelayAt = new IPEndPoint(IPAddress.Loopback, 40000);
        private static readonly IPEndPoint Alice = new IPEndPoint(IPAddress.Loopback, 40001);
        private static readonly IPEndPoint Bob = new IPEndPoint(IPAddress.Loopback, 40002);
        private static readonly IPEndPoint Carol = new IPEndPoint(IPAddress.Parse("127.0.0.2"), 40003);

        private readonly FakeClock clock = new FakeClock();
        private readonly RsaPrivateKey relayKey = TestKeys.Get(1);
        private readonly Dictionary<IPEndPoint, RsaPrivateKey> keys = new Dictionary<IPEndPoint, RsaPrivateKey>
        {
            [Alice] = TestKeys.Get(0),
            [Bob] = TestKeys.Get(2),
            [Carol] = TestKeys.Get(3),
        };

        private readonly ProtocolOutput<RelayEvent> output = new ProtocolOutput<RelayEvent>();
        private uint nextId = 0xA0000000;

        [Fact]
        public void AKeyRequestIsAnsweredWithThePemKey()
        {
            var relay = NewRelay();

            relay.Receive(new byte[] { 0, 7, 0, 0 }, Alice, clock.Now, output);

            Assert.Equal(Wire.Tlv(5, Encoding.ASCII.GetBytes(relayKey.PublicKey.ToPem())), Assert.Single(output.Datagrams));
        }

        [Fact]
        public void KeyAnswersAreRateLimitedAndCounted()
        {
            var relay = NewRelay();

            for (int i = 0; i < 25; i++)
            {
                relay.Receive(new byte[] { 0, 7, 0, 9 }.Concat(new byte[9]).ToArray(), Alice, clock.Now, output);
            }

            Assert.Equal(20, output.Datagrams.Count);
            Assert.Equal(5, relay.Drops["KeyRequestRateLimited"]);
            output.Clear();
            relay.Receive(new byte[] { 0, 7, 0, 0 }, Alice, clock.Advance(1), output);
            Assert.Single(output.Datagrams);
        }

        [Fact]
        public void ConnectFromARegisteredMemberIsAnnouncedWithItsAddress()
        {
            var relay = NewRelay();
            Register(relay, Alice);

            Deliver(relay, Alice, "CONNECT");

            Assert.Equal(new byte[] { 0, 11, 0, 6, 127, 0, 0, 1, 0x9C, 0x41 }, Assert.Single(output.Datagrams));
            Assert.Contains(output.Events, e => e.Kind == RelayEventKind.Joined && Alice.Equals(e.Member.EndPoint));
            Assert.True(Assert.Single(relay.Members).Connected);
        }

        [Fact]
        public void AMessageGoesToEveryRegisteredMemberButTheSenderEncryptedForEach()
        {
            var relay = Group(Alice, Bob, Carol);

            Deliver(relay, Alice, "ciao a tutti");

            Assert.Equal(2, output.Datagrams.Count);

            // TLV(10, inet_aton('127.0.0.1') + pack('!H', 40001) + TLV(6, 256-byte ciphertext)), by hand.
            byte[] expectedPrefix = { 0, 10, 0x01, 0x0A, 127, 0, 0, 1, 0x9C, 0x41, 0, 6, 0x01, 0x00 };
            Assert.All(output.Datagrams, d =>
            {
                Assert.Equal(4 + 6 + 4 + 256, d.Length);
                Assert.Equal(expectedPrefix, d.Take(expectedPrefix.Length).ToArray());
            });

            var received = output.Datagrams.Select(d => ClassicCodec.DecodeSenderInfo(Assert.Single(TlvReader.ReadAll(d)))).ToList();
            Assert.All(received, r => Assert.Equal(Alice, r.Sender));
            Assert.All(received, r => Assert.Equal(TlvType.RelayedMessage, r.Inner.Type));
            Assert.Equal(new[] { "ciao a tutti", "ciao a tutti" }, new[] { Bob, Carol }.Select(m => DecryptFor(m, received)));
            Assert.Null(DecryptFor(Alice, received));
            Assert.Equal(1, relay.MessagesRelayed);
            var relayed = Assert.Single(output.Events);
            Assert.Equal(2, relayed.Recipients);
        }

        [Fact]
        public void ALongNonAsciiMessageIsSplitOnCharacterBoundariesInOrder()
        {
            var relay = Group(Alice, Bob);
            string text = string.Concat(Enumerable.Repeat("è€𝄞a", 400));

            Deliver(relay, Alice, text);

            var pieces = output.Datagrams.Select(d =>
            {
                var info = ClassicCodec.DecodeSenderInfo(Assert.Single(TlvReader.ReadAll(d)));
                Assert.True(keys[Bob].TryDecrypt(info.Inner.Value, out byte[]? plain));
                Assert.True(plain!.Length <= 190);
                return ClassicMessages.TryDecodeText(plain!);
            }).ToList();
            Assert.All(pieces, Assert.NotNull);
            Assert.Equal(text, string.Concat(pieces));
        }

        [Fact]
        public void FragmentsReassembleInAnyOrder()
        {
            var relay = Group(Alice, Bob);
            var datagrams = Encode(Alice, new string('z', 1000));
            datagrams.Reverse();

            foreach (byte[] d in datagrams)
            {
                relay.Receive(d, Alice, clock.Now, output);
            }

            Assert.Equal(6, output.Datagrams.Count);
            Assert.Equal(1, relay.MessagesRelayed);
        }

        [Fact]
        public void AnIncompleteMessageExpiresAndIsCounted()
        {
            var relay = Group(Alice, Bob);
            var datagrams = Encode(Alice, new string('z', 1000));

            foreach (byte[] d in datagrams.Skip(1))
            {
                relay.Receive(d, Alice, clock.Now, output);
            }

            Assert.Equal(1, relay.PendingMessages);
            relay.Receive(new byte[] { 0, 9, 0, 0 }, Alice, clock.Advance(10), output);
            relay.Tick(clock.Now, output);

            Assert.Equal(0, relay.PendingMessages);
            Assert.Equal(1, relay.Drops["FragmentTimeout"]);
            Assert.Empty(output.Datagrams);
        }

        [Fact]
        public void DuplicateFragmentsAreCountedNotRelayedTwice()
        {
            var relay = Group(Alice, Bob);
            var datagrams = Encode(Alice, new string('z', 400));

            relay.Receive(datagrams[0], Alice, clock.Now, output);
            relay.Receive(datagrams[0], Alice, clock.Now, output);
            foreach (byte[] d in datagrams.Skip(1))
            {
                relay.Receive(d, Alice, clock.Now, output);
            }

            Assert.Equal(1, relay.Drops["DuplicateFragment"]);
            Assert.Equal(1, relay.MessagesRelayed);
        }

        [Fact]
        public void DisconnectForgetsTheMemberAndAnnouncesIt()
        {
            var relay = Group(Alice, Bob);

            Deliver(relay, Alice, "DISCONNECT");

            Assert.Equal(new byte[] { 0, 12, 0, 6, 127, 0, 0, 1, 0x9C, 0x41 }, Assert.Single(output.Datagrams));
            Assert.Equal(new[] { Bob }, relay.Members.Select(m => m.EndPoint));
        }

        [Fact]
        public void AMemberSilentForTheClientTimeoutIsForgottenAndTheOthersAreTold()
        {
            var relay = Group(Alice, Bob);
            for (int second = 1; second <= 15; second++)
            {
                clock.Advance(1);
                if (second % 5 == 0)
                {
                    relay.Receive(new byte[] { 0, 9, 0, 0 }, Bob, clock.Now, output);
                }

                relay.Tick(clock.Now, output);
            }

            Assert.Equal(new byte[] { 0, 12, 0, 6, 127, 0, 0, 1, 0x9C, 0x41 }, Assert.Single(output.Datagrams));
            Assert.Equal(RelayEventKind.TimedOut, Assert.Single(output.Events).Kind);
            Assert.Equal(new[] { Bob }, relay.Members.Select(m => m.EndPoint));
        }

        [Fact]
        public void StopAnnouncesTheLeaveOfEveryMember()
        {
            var relay = Group(Alice, Bob);

            relay.Stop(clock.Now, output);

            Assert.Equal(2, output.Datagrams.Count(d => d[1] == 12));
            Assert.Empty(relay.Members);
        }

        [Fact]
        public void HostileDatagramsAreCountedByReasonAndNeverRelayed()
        {
            var relay = Group(Alice, Bob);
            var stranger = new IPEndPoint(IPAddress.Loopback, 40999);
            var hostile = new List<(byte[] Datagram, IPEndPoint From)>
            {
                (new byte[] { 0, 1, 0 }, Alice),
                (Wire.Tlv(1, new byte[] { 1, 2, 3 }), Alice),
                (Wire.Tlv(1, new byte[] { 1, 2, 3, 4, 0, 0, 0, 0 }), Alice),
                (Wire.Tlv(1, new byte[] { 1, 2, 3, 4, 0, 0, 0xFF, 0xFF, 9 }), Alice),
                (Wire.Tlv(1, new byte[] { 1, 2, 3, 4, 0, 0, 0, 1 }.Concat(Wire.Tlv(3, new byte[256])).ToArray()), Alice),
                (Wire.Tlv(1, new byte[] { 1, 2, 3, 5, 0, 0, 0, 1 }.Concat(Wire.Tlv(6, new byte[4])).ToArray()), Alice),
                (Encode(Alice, "hello")[0], stranger),
                (Wire.Tlv(4, Encoding.ASCII.GetBytes("not a key")), stranger),
                (Wire.Tlv(11, Wire.Address(Bob)), stranger),
                (Wire.Tlv(4242, new byte[0]), Alice),
            };

            foreach (var (datagram, from) in hostile)
            {
                relay.Receive(datagram, from, clock.Now, output);
            }

            Assert.Empty(output.Datagrams);
            Assert.Equal(0, relay.MessagesRelayed);
            Assert.Equal(hostile.Count, relay.Drops.Total);
            Assert.Equal(1, relay.Drops["MalformedTlv"]);
            Assert.Equal(2, relay.Drops["MalformedFragment"]);
            Assert.Equal(1, relay.Drops["MessageTooLarge"]);
            Assert.Equal(1, relay.Drops["UndecryptableBlock"]);
            Assert.Equal(1, relay.Drops["MalformedPayload"]);
            Assert.Equal(1, relay.Drops["UnregisteredSender"]);
            Assert.Equal(1, relay.Drops["BadPublicKey"]);
            Assert.Equal(1, relay.Drops["IgnoredType"]);
            Assert.Equal(1, relay.Drops["UnknownType"]);
            Assert.Equal(2, relay.Members.Count);
        }

        [Fact]
        public void AFloodOfIncompleteMessagesIsBoundedPerSender()
        {
            var relay = Group(Alice, Bob);

            for (uint id = 0; id < 100; id++)
            {
                relay.Receive(Wire.Tlv(1, new[] { (byte)(id >> 24), (byte)(id >> 16), (byte)(id >> 8), (byte)id, (byte)0, (byte)0, (byte)0, (byte)2, (byte)1 }), Alice, clock.Now, output);
            }

            Assert.Equal(16, relay.PendingMessages);
            Assert.Equal(84, relay.Drops["ReassemblyLimit"]);
        }

        [Fact]
        public void ItRelaysTextUpToItsLargestMessageAndNoMore()
        {
            var relay = new ClassicRelay(RelayAt, relayKey, new ClassicRelayOptions { MaxMessageBytes = 1000 });
            foreach (IPEndPoint member in new[] { Alice, Bob })
            {
                Register(relay, member);
                Deliver(relay, member, "CONNECT");
            }

            output.Clear();

            // 1000 and 1001 bytes both take 6 blocks: the payload passes, the text decides.
            Deliver(relay, Alice, new string('x', 1001));
            Assert.Equal(0, relay.MessagesRelayed);
            Assert.Equal(1, relay.Drops["MessageTooLarge"]);

            Deliver(relay, Alice, new string('x', 1000));
            Assert.Equal(1, relay.MessagesRelayed);
            Assert.Equal(1560, relay.MaxPayloadBytes);

            // 7 blocks (1820 bytes) cannot be 1000 bytes of text: refused at the first fragment.
            relay.Receive(Encode(Alice, new string('x', 1200))[0], Alice, clock.Now, output);
            Assert.Equal(2, relay.Drops["MessageTooLarge"]);
            Assert.Equal(0, relay.PendingMessages);
        }

        [Fact]
        public void ItsLargestMessageIsTheMembersByDefault()
        {
            using var relay = NewRelay();

            Assert.Equal(new ClassicMemberOptions().MaxMessageBytes, new ClassicRelayOptions().MaxMessageBytes);
            Assert.Equal(345 * 260, relay.MaxPayloadBytes);
            Assert.Throws<ArgumentException>(() => new ClassicRelayOptions { MaxMessageBytes = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new ClassicRelayOptions { MaxKeyImportsPerSecond = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new ClassicMemberOptions { MaxKeyImportsPerSecond = 0 }.Validate());
        }

        [Fact]
        public void ItsOwnDatagramsAreIgnored()
        {
            var relay = NewRelay();

            relay.Receive(new byte[] { 0, 7, 0, 0 }, RelayAt, clock.Now, output);

            Assert.Empty(output.Datagrams);
            Assert.Equal(0, relay.Drops.Total);
        }

        private ClassicRelay NewRelay() => new ClassicRelay(RelayAt, relayKey, new ClassicRelayOptions());

        private ClassicRelay Group(params IPEndPoint[] members)
        {
            var relay = NewRelay();
            foreach (IPEndPoint member in members)
            {
                Register(relay, member);
                Deliver(relay, member, "CONNECT");
            }

            output.Clear();
            return relay;
        }

        private void Register(ClassicRelay relay, IPEndPoint member)
        {
            relay.Receive(Wire.Tlv(4, Encoding.ASCII.GetBytes(keys[member].PublicKey.ToPem())), member, clock.Now, output);
            output.Clear();
        }

        private void Deliver(ClassicRelay relay, IPEndPoint from, string text)
        {
            foreach (byte[] datagram in Encode(from, text))
            {
                relay.Receive(datagram, from, clock.Now, output);
            }
        }

        private List<byte[]> Encode(IPEndPoint from, string text) =>
            ClassicMessages.Encode(Encoding.UTF8.GetBytes(text), relayKey.PublicKey, nextId++, 256);

        private string? DecryptFor(IPEndPoint member, IEnumerable<SenderInfo> received)
        {
            foreach (SenderInfo info in received)
            {
                if (keys[member].TryDecrypt(info.Inner.Value, out byte[]? plain))
                {
                    return Encoding.UTF8.GetString(plain!);
                }
            }

            return null;
        }
    }
}
