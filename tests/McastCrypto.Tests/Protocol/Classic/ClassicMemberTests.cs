using System;
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
    public class ClassicMemberTests
    {
        private static readonly IPEndPoint Self = new IPEndPoint(IPAddress.Loopback, 40001);
        private static readonly IPEndPoint RelayAt = new IPEndPoint(IPAddress.Loopback, 40000);
        private static readonly IPEndPoint Other = new IPEndPoint(IPAddress.Parse("127.0.0.1"), 40002);

        private readonly FakeClock clock = new FakeClock();
        private readonly RsaPrivateKey memberKey = TestKeys.Get(0);
        private readonly RsaPrivateKey relayKey = TestKeys.Get(1);
        private readonly RsaPrivateKey otherKey = TestKeys.Get(2);
        private readonly ProtocolOutput<MemberEvent> output = new ProtocolOutput<MemberEvent>();
        private uint nextId = 0x01020304;

        [Fact]
        public void StartRegistersThePemKeyThenAsksForTheRelaysKey()
        {
            var member = NewMember();

            member.Start(clock.Now, output);

            Assert.Equal(MemberState.AwaitingRelayKey, member.State);
            Assert.Equal(2, output.Datagrams.Count);
            byte[] pem = Encoding.ASCII.GetBytes(memberKey.PublicKey.ToPem());
            Assert.Equal(Wire.Tlv(4, pem), output.Datagrams[0]);
            Assert.StartsWith("-----BEGIN PUBLIC KEY-----\n", Encoding.ASCII.GetString(pem));
            Assert.Equal(new byte[] { 0, 7, 0, 0 }, output.Datagrams[1]);
        }

        [Fact]
        public void WithoutAnAnswerItAsksAgainEachRetryInterval()
        {
            var member = NewMember();
            member.Start(clock.Now, output);
            output.Clear();

            member.Tick(clock.Advance(0.5), output);
            Assert.Empty(output.Datagrams);

            member.Tick(clock.Advance(0.5), output);
            Assert.Equal(new[] { 4, 7 }, output.Datagrams.Select(d => (int)d[1]));
        }

        [Fact]
        public void TheRelaysKeyTriggersAnEncryptedConnectInTwoFragments()
        {
            var member = Started();

            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            // One TLV 3 block is 260 bytes: with 256-byte fragments that is two datagrams (256 + 4).
            Assert.Equal(2, output.Datagrams.Count);
            Assert.Equal(new byte[] { 0, 1, 1, 8, 1, 2, 3, 4, 0, 0, 0, 2 }, output.Datagrams[0].Take(12).ToArray());
            Assert.Equal(new byte[] { 0, 1, 0, 12, 1, 2, 3, 4, 0, 1, 0, 2 }, output.Datagrams[1].Take(12).ToArray());
            var (id, payload) = Wire.Reassemble(output.Datagrams);
            Assert.Equal(0x01020304u, id);
            Assert.Equal(260, payload.Length);
            var block = Assert.Single(TlvReader.ReadAll(payload));
            Assert.Equal(TlvType.EncryptedBlock, block.Type);
            Assert.True(relayKey.TryDecrypt(block.Value, out byte[]? plain));
            Assert.Equal("CONNECT", Encoding.UTF8.GetString(plain!));
        }

        [Fact]
        public void TheFirstRelayKeyIsPinnedAtOnceAndASecondAnswerDoesNotReplaceIt()
        {
            var member = Joining();

            member.Receive(Wire.Tlv(5, Encoding.ASCII.GetBytes(otherKey.PublicKey.ToPem())), Other, clock.Now, output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Equal(RelayAt, member.Relay);
            Assert.Empty(output.Datagrams);
            Assert.Equal(1, member.Drops["RelayKeyChanged"]);
        }

        [Fact]
        public void ItsOwnJoinNoticeConnectsIt()
        {
            var member = Joining();

            member.Receive(Wire.Tlv(11, Wire.Address(Self)), RelayAt, clock.Now, output);

            Assert.Equal(MemberState.Connected, member.State);
            Assert.Contains(output.Events, e => e.Kind == MemberEventKind.StateChanged && e.State == MemberState.Connected);
            var joined = Assert.Single(output.Events, e => e.Kind == MemberEventKind.Joined);
            Assert.Equal(Self, joined.Member!.EndPoint);
        }

        [Fact]
        public void WithoutItsJoinNoticeItRegistersAndConnectsAgain()
        {
            var member = Joining();

            member.Tick(clock.Advance(1), output);

            Assert.Equal(new[] { 4, 7, 1, 1 }, output.Datagrams.Select(d => (int)d[1]));
        }

        [Fact]
        public void ARelayedBlockForItIsAMessageFromTheSenderNamedByTheWrapper()
        {
            var member = Connected();
            byte[] ciphertext = memberKey.PublicKey.Encrypt(Encoding.UTF8.GetBytes("ciao è"));

            member.Receive(Wire.Tlv(10, Wire.Address(Other), Wire.Tlv(6, ciphertext)), RelayAt, clock.Now, output);

            var message = Assert.Single(output.Events);
            Assert.Equal(MemberEventKind.Message, message.Kind);
            Assert.Equal("ciao è", message.Text);
            Assert.Equal(Other, message.Member!.EndPoint);
        }

        [Fact]
        public void ABlockForAnotherMemberIsDroppedSilentlyAndCounted()
        {
            var member = Connected();
            byte[] ciphertext = otherKey.PublicKey.Encrypt(Encoding.UTF8.GetBytes("not yours"));

            member.Receive(Wire.Tlv(10, Wire.Address(Other), Wire.Tlv(6, ciphertext)), RelayAt, clock.Now, output);

            Assert.Empty(output.Events);
            Assert.Equal(1, member.Drops["NotForUs"]);
        }

        [Fact]
        public void OnlyABlockThatDecryptsOrTheRelaysOwnKeyIsRelayTraffic()
        {
            var member = Connected();
            DateTimeOffset? joined = member.LastRelayTraffic;

            member.Receive(Wire.Tlv(10, Wire.Address(Other), Wire.Tlv(6, otherKey.PublicKey.Encrypt(new byte[] { 1 }))), RelayAt, clock.Advance(1), output);
            member.Receive(Wire.Tlv(11, Wire.Address(Other)), RelayAt, clock.Advance(1), output);
            member.Receive(Wire.Tlv(12, Wire.Address(Other)), RelayAt, clock.Advance(1), output);
            Assert.Equal(joined, member.LastRelayTraffic);

            member.Receive(Wire.Tlv(10, Wire.Address(Other), Wire.Tlv(6, memberKey.PublicKey.Encrypt(new byte[] { 0x41 }))), RelayAt, clock.Advance(1), output);
            Assert.Equal(clock.Now, member.LastRelayTraffic);

            member.Receive(RelayKeyDatagram(), RelayAt, clock.Advance(1), output);
            Assert.Equal(clock.Now, member.LastRelayTraffic);
        }

        [Fact]
        public void AQuietRelayThatAnswersTheProbesStaysConnected()
        {
            // Nobody talks for a minute: only the member's key requests and the relay's answers keep it joined.
            var relay = new ClassicRelay(RelayAt, relayKey, new ClassicRelayOptions());
            var member = NewMember();
            var relayOutput = new ProtocolOutput<RelayEvent>();
            member.Start(clock.Now, output);
            for (int step = 0; step < 240; step++)
            {
                for (int round = 0; round < 10 && output.Datagrams.Count > 0; round++)
                {
                    var sent = output.Datagrams.ToList();
                    output.Clear();
                    foreach (byte[] d in sent)
                    {
                        relay.Receive(d, Self, clock.Now, relayOutput);
                    }

                    foreach (byte[] d in relayOutput.Datagrams)
                    {
                        member.Receive(d, RelayAt, clock.Now, output);
                    }

                    relayOutput.Clear();
                }

                if (step > 0)
                {
                    Assert.Equal(MemberState.Connected, member.State);
                }

                clock.Advance(0.25);
                member.Tick(clock.Now, output);
                relay.Tick(clock.Now, relayOutput);
            }

            Assert.Equal(MemberState.Connected, member.State);
            Assert.True(clock.Now - member.LastRelayTraffic!.Value <= TimeSpan.FromSeconds(10));
            Assert.True(Assert.Single(relay.Members).Connected);
        }

        [Fact]
        public void OthersJoinAndLeaveBecomePresenceEvents()
        {
            var member = Connected();

            member.Receive(Wire.Tlv(11, Wire.Address(Other)), RelayAt, clock.Now, output);
            member.Receive(Wire.Tlv(12, Wire.Address(Other)), RelayAt, clock.Now, output);

            Assert.Equal(new[] { MemberEventKind.Joined, MemberEventKind.Left }, output.Events.Select(e => e.Kind));
            Assert.All(output.Events, e => Assert.Equal(Other, e.Member!.EndPoint));
            Assert.Equal(MemberState.Connected, member.State);
        }

        [Fact]
        public void KeepAlivesGoOutEveryInterval()
        {
            var member = Connected();

            member.Tick(clock.Advance(4.9), output);
            Assert.DoesNotContain(output.Datagrams, d => d[1] == 9);

            member.Tick(clock.Advance(0.1), output);
            Assert.Contains(new byte[] { 0, 9, 0, 0 }, output.Datagrams);
        }

        [Fact]
        public void ASilentRelayIsLostAfterThreeIntervalsAndItsReturnRejoins()
        {
            var member = Connected();
            for (int i = 0; i < 30 && member.State == MemberState.Connected; i++)
            {
                member.Tick(clock.Advance(0.5), output);
            }

            Assert.Equal(MemberState.RelayLost, member.State);
            Assert.Contains(output.Datagrams, d => d[1] == 7);
            Assert.Throws<InvalidOperationException>(() => member.Send("hello?", clock.Now, output));

            output.Clear();
            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(new[] { 4, 1, 1 }, output.Datagrams.Select(d => (int)d[1]));
        }

        [Fact]
        public void ARelayThatSaysGoodbyeAndFallsSilentIsLostWhileRejoining()
        {
            var member = Connected();
            member.Receive(Wire.Tlv(12, Wire.Address(Self)), RelayAt, clock.Now, output);
            Assert.Equal(MemberState.Joining, member.State);

            for (int i = 0; i < 40 && member.State == MemberState.Joining; i++)
            {
                member.Tick(clock.Advance(0.5), output);
            }

            Assert.Equal(MemberState.RelayLost, member.State);
            Assert.Contains(output.Events, e => e.Kind == MemberEventKind.StateChanged && e.State == MemberState.RelayLost);
        }

        [Fact]
        public void AfterItsRelaySaidGoodbyeAnotherKeyIsRefusedUntilTheRelayIsReallyLost()
        {
            // Even a member that allows a new relay key keeps its own while its relay may still be there:
            // a leave notice is no proof, anyone can send one.
            var member = Connected(new ClassicMemberOptions { AllowRelayKeyChange = true });
            member.Receive(Wire.Tlv(12, Wire.Address(Self)), RelayAt, clock.Now, output);
            Assert.Equal(MemberState.Joining, member.State);
            output.Clear();

            member.Receive(Wire.Tlv(5, Encoding.ASCII.GetBytes(otherKey.PublicKey.ToPem())), Other, clock.Advance(0.2), output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Empty(output.Datagrams);
            Assert.Equal(1, member.Drops["RelayKeyChanged"]);
        }

        [Fact]
        public void WhenAllowedALostMemberJoinsANewRelayWithTheNewKeyAndKeepsThatOne()
        {
            var member = Connected(new ClassicMemberOptions { AllowRelayKeyChange = true });
            for (int i = 0; i < 40 && member.State != MemberState.RelayLost; i++)
            {
                member.Tick(clock.Advance(0.5), output);
            }

            Assert.Equal(MemberState.RelayLost, member.State);
            output.Clear();

            member.Receive(Wire.Tlv(5, Encoding.ASCII.GetBytes(otherKey.PublicKey.ToPem())), Other, clock.Now, output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Null(member.Failure);
            Assert.Equal(otherKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Equal(Other, member.Relay);
            Assert.Equal(new[] { 4, 1, 1 }, output.Datagrams.Select(d => (int)d[1]));
            var (_, payload) = Wire.Reassemble(output.Datagrams.Skip(1));
            Assert.True(otherKey.TryDecrypt(Assert.Single(TlvReader.ReadAll(payload)).Value, out byte[]? plain));
            Assert.Equal("CONNECT", Encoding.UTF8.GetString(plain!));
            Assert.Equal(0, member.Drops["RelayKeyChanged"]);

            // The new key is the pinned one now: the old one is just another key.
            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, output);
            Assert.Equal(otherKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Equal(1, member.Drops["RelayKeyChanged"]);
        }

        [Fact]
        public void ALostRelayThatAnswersWithItsKeyInOtherPemBytesIsStillItsRelay()
        {
            var member = Connected();
            for (int i = 0; i < 40 && member.State != MemberState.RelayLost; i++)
            {
                member.Tick(clock.Advance(0.5), output);
            }

            output.Clear();
            string crlf = relayKey.PublicKey.ToPem().Replace("\n", "\r\n");

            member.Receive(Wire.Tlv(5, Encoding.ASCII.GetBytes(crlf)), RelayAt, clock.Now, output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Null(member.Failure);
            Assert.Equal(new[] { 4, 1, 1 }, output.Datagrams.Select(d => (int)d[1]));
        }

        [Fact]
        public void BeingForgottenByTheRelayMakesItJoinAgain()
        {
            var member = Connected();

            member.Receive(Wire.Tlv(12, Wire.Address(Self)), RelayAt, clock.Now, output);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(new[] { 4, 1, 1 }, output.Datagrams.Select(d => (int)d[1]));
        }

        [Fact]
        public void SendEncryptsBlocksOf190AndCutsThePayloadInto256ByteFragments()
        {
            var member = Connected();
            string text = new string('a', 1000);

            var sent = member.Send(text, clock.Now, output);

            // 1000 bytes: 6 blocks (5 x 190 + 50), each TLV 3 of 260 bytes; 1560 bytes in 7 fragments.
            Assert.Equal(7, sent.Fragments);
            Assert.Equal(7, output.Datagrams.Count);
            var (id, payload) = Wire.Reassemble(output.Datagrams);
            Assert.Equal(sent.MessageId, id.ToString("x8"));
            Assert.Equal(1560, payload.Length);
            Assert.All(output.Datagrams.Take(6), d => Assert.Equal(4 + 8 + 256, d.Length));
            var blocks = TlvReader.ReadAll(payload);
            Assert.Equal(6, blocks.Count);
            var plain = blocks.SelectMany(b =>
            {
                Assert.True(relayKey.TryDecrypt(b.Value, out byte[]? p));
                return p!;
            }).ToArray();
            Assert.Equal(text, Encoding.UTF8.GetString(plain));
            Assert.Equal(190, relayKey.TryDecrypt(blocks[0].Value, out byte[]? first) ? first!.Length : -1);
        }

        [Fact]
        public void EmptyAndOversizedMessagesAreRefused()
        {
            var member = Connected();

            Assert.Throws<ArgumentException>(() => member.Send(string.Empty, clock.Now, output));
            var e = Assert.Throws<ArgumentException>(() => member.Send(new string('x', 64 * 1024 + 1), clock.Now, output));
            Assert.Contains("65536", e.Message);
            Assert.Empty(output.Datagrams);
        }

        [Fact]
        public void SendingBeforeTheJoinIsRefused()
        {
            var member = Joining();

            Assert.Throws<InvalidOperationException>(() => member.Send("early", clock.Now, output));
        }

        [Fact]
        public void LeaveSendsDisconnectAndCloses()
        {
            var member = Connected();

            member.Leave(clock.Now, output);

            Assert.Equal(MemberState.Closed, member.State);
            var (_, payload) = Wire.Reassemble(output.Datagrams);
            Assert.True(relayKey.TryDecrypt(Assert.Single(TlvReader.ReadAll(payload)).Value, out byte[]? plain));
            Assert.Equal("DISCONNECT", Encoding.UTF8.GetString(plain!));
        }

        [Fact]
        public void HostileDatagramsAreCountedByReasonAndChangeNothing()
        {
            var member = Connected();
            byte[][] hostile =
            {
                new byte[] { 0, 10, 0 },
                new byte[] { 0, 10, 0, 9, 1, 2 },
                Wire.Tlv(10, new byte[] { 1, 2, 3 }),
                Wire.Tlv(10, Wire.Address(Other), Wire.Tlv(3, new byte[4])),
                Wire.Tlv(6, new byte[256]),
                Wire.Tlv(11, new byte[5]),
                Wire.Tlv(1, new byte[] { 1, 2, 3, 4, 0, 0, 0, 0 }),
                Wire.Tlv(1, new byte[] { 1, 2, 3, 4, 0, 0, 0xFF, 0xFF }),
                Wire.Tlv(5, Encoding.ASCII.GetBytes("-----BEGIN PUBLIC KEY-----\ngarbage\n-----END PUBLIC KEY-----\n")),
                Wire.Tlv(5, Encoding.ASCII.GetBytes(otherKey.PublicKey.ToPem())),
                Wire.Tlv(999, new byte[1]),
            };

            foreach (byte[] datagram in hostile)
            {
                member.Receive(datagram, Other, clock.Now, output);
            }

            Assert.Empty(output.Events);
            Assert.Empty(output.Datagrams);
            Assert.Equal(MemberState.Connected, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Equal(hostile.Length, member.Drops.Total);
            Assert.Equal(4, member.Drops["MalformedTlv"]);
            Assert.Equal(1, member.Drops["UnexpectedInnerType"]);
            Assert.Equal(1, member.Drops["NotForUs"]);
            Assert.Equal(2, member.Drops["IgnoredType"]);
            // A joined member compares a relay key's bytes with its own and imports nothing: garbage
            // and another valid key are both just not its relay's key.
            Assert.Equal(0, member.Drops["BadRelayKey"]);
            Assert.Equal(2, member.Drops["RelayKeyChanged"]);
            Assert.Equal(1, member.Drops["UnknownType"]);
        }

        [Fact]
        public void ItsOwnEchoesAreNotDrops()
        {
            var member = Connected();

            member.Receive(new byte[] { 0, 9, 0, 0 }, Self, clock.Now, output);

            Assert.Equal(0, member.Drops.Total);
        }

        private ClassicMember NewMember(ClassicMemberOptions? options = null) =>
            new ClassicMember(Self, memberKey, options ?? new ClassicMemberOptions(), () => nextId++);

        private ClassicMember Started(ClassicMemberOptions? options = null)
        {
            var member = NewMember(options);
            member.Start(clock.Now, output);
            output.Clear();
            return member;
        }

        private ClassicMember Joining(ClassicMemberOptions? options = null)
        {
            var member = Started(options);
            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, output);
            output.Clear();
            return member;
        }

        private ClassicMember Connected(ClassicMemberOptions? options = null)
        {
            var member = Joining(options);
            member.Receive(Wire.Tlv(11, Wire.Address(Self)), RelayAt, clock.Now, output);
            output.Clear();
            return member;
        }

        private byte[] RelayKeyDatagram() => Wire.Tlv(5, Encoding.ASCII.GetBytes(relayKey.PublicKey.ToPem()));
    }
}
