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
    /// <summary>
    /// The attacks on a Classic member and relay that were reproduced on loopback, sent as an attacker
    /// on the LAN would send them: hand-built datagrams, any source address, the public keys everyone hears.
    /// </summary>
    public class ClassicAttackTests
    {
        private static readonly IPEndPoint RelayAt = new IPEndPoint(IPAddress.Loopback, 40000);
        private static readonly IPEndPoint Alice = new IPEndPoint(IPAddress.Loopback, 40001);
        private static readonly IPEndPoint Bob = new IPEndPoint(IPAddress.Loopback, 40002);
        private static readonly IPEndPoint Mallory = new IPEndPoint(IPAddress.Parse("127.0.0.66"), 40666);

        private readonly FakeClock clock = new FakeClock();
        private readonly RsaPrivateKey aliceKey = TestKeys.Get(0);
        private readonly RsaPrivateKey relayKey = TestKeys.Get(1);
        private readonly RsaPrivateKey malloryKey = TestKeys.Get(2);
        private readonly RsaPrivateKey bobKey = TestKeys.Get(3);
        private readonly ProtocolOutput<RelayEvent> relayOutput = new ProtocolOutput<RelayEvent>();
        private readonly ProtocolOutput<MemberEvent> memberOutput = new ProtocolOutput<MemberEvent>();
        private uint nextId = 0xB0000000;

        [Fact]
        public void FirstFragmentsDeclaring4096ChunksCostTheRelayTheirSlotsAndStopAtItsByteLimit()
        {
            var relay = Relay(new ClassicRelayOptions { Reassembly = new ReassemblyLimits { MaxBytesTotal = 256 * 1024 } });
            Register(relay, Alice, aliceKey);
            Register(relay, Bob, bobKey);

            // The 12-byte datagram of the report: message id, sequence 0, total 4096, no chunk.
            for (uint id = 0; id < 16; id++)
            {
                foreach (IPEndPoint from in new[] { Alice, Bob })
                {
                    relay.Receive(Wire.Tlv(1, BigEndian(id), Wire.U16(0), Wire.U16(4096)), from, clock.Now, relayOutput);
                }
            }

            Assert.InRange(relay.PendingMessages, 1, 256 * 1024 / (4096 * IntPtr.Size));
            Assert.Equal(32 - relay.PendingMessages, relay.Drops["ReassemblyLimit"]);
            Assert.Equal(relay.PendingMessages * (Reassembly<IPEndPoint>.MessageOverheadBytes + (4096L * IntPtr.Size)), relay.PendingBytes);
            Assert.Empty(relayOutput.Datagrams);
        }

        [Fact]
        public void TheRelayRefusesAMessageDeclaredLargerThan64KiBAtItsFirstFragment()
        {
            var relay = Relay(new ClassicRelayOptions());
            Register(relay, Alice, aliceKey);

            // 400 fragments of 256 bytes: over 100 KB of ciphertext, more than 64 KiB of text ever takes
            // (345 blocks of 260 bytes, 89,700 bytes, with the relay's RSA-2048 key).
            relay.Receive(Wire.Tlv(1, BigEndian(1), Wire.U16(0), Wire.U16(400), new byte[256]), Alice, clock.Now, relayOutput);

            Assert.Equal(0, relay.PendingMessages);
            Assert.Equal(1, relay.Drops["MessageTooLarge"]);
        }

        [Fact]
        public void TheRelayDoesNotRelayMoreThan64KiBOfText()
        {
            var relay = Relay(new ClassicRelayOptions());
            Register(relay, Alice, aliceKey);
            Register(relay, Bob, bobKey);

            // 65,537 bytes fill 345 blocks, the most the limit allows, and decrypt to one byte too many.
            foreach (byte[] datagram in ClassicMessages.Encode(new byte[64 * 1024 + 1].Select(_ => (byte)'a').ToArray(), relayKey.PublicKey, nextId++, 256))
            {
                relay.Receive(datagram, Alice, clock.Now, relayOutput);
            }

            Assert.Equal(0, relay.MessagesRelayed);
            Assert.Empty(relayOutput.Datagrams);
            Assert.Equal(1, relay.Drops["MessageTooLarge"]);
            Assert.Equal(0, relay.PendingMessages);
        }

        [Fact]
        public void AFullRelayRefusesNewKeysBeforeImportingThem()
        {
            var relay = Relay(new ClassicRelayOptions { MaxClients = 1 });
            Register(relay, Alice, aliceKey);

            // Keys that would cost an import each (these are not even keys): the limit answers first.
            for (int port = 1; port <= 20; port++)
            {
                relay.Receive(Wire.Tlv(4, Encoding.ASCII.GetBytes("-----BEGIN PUBLIC KEY-----\nAAAA" + port + "\n-----END PUBLIC KEY-----\n")), new IPEndPoint(Mallory.Address, port), clock.Now, relayOutput);
            }

            Assert.Equal(20, relay.Drops["TooManyClients"]);
            Assert.Equal(0, relay.Drops["BadPublicKey"]);
            Assert.Single(relay.Members);
        }

        [Fact]
        public void AFloodOfRegistrationsImportsAtMostTheBudgetPerSecond()
        {
            var relay = Relay(new ClassicRelayOptions());

            for (int port = 1; port <= 15; port++)
            {
                relay.Receive(Wire.Tlv(4, Pem(malloryKey)), new IPEndPoint(Mallory.Address, port), clock.Now, relayOutput);
            }

            Assert.Equal(10, relay.Members.Count);
            Assert.Equal(5, relay.Drops["KeyImportRateLimited"]);

            // A registration repeated with the same bytes costs no import, so no budget either.
            relay.Receive(Wire.Tlv(4, Pem(malloryKey)), new IPEndPoint(Mallory.Address, 1), clock.Now, relayOutput);
            Assert.Equal(5, relay.Drops["KeyImportRateLimited"]);

            relay.Receive(Wire.Tlv(4, Pem(aliceKey)), Alice, clock.Advance(1), relayOutput);
            Assert.Equal(11, relay.Members.Count);
        }

        [Fact]
        public void AMemberWaitingForTheRelaysKeyImportsAtMostTwoAsecond()
        {
            var member = Started();

            for (int i = 0; i < 5; i++)
            {
                member.Receive(Wire.Tlv(5, Encoding.ASCII.GetBytes("-----BEGIN PUBLIC KEY-----\nAAAA" + i + "\n-----END PUBLIC KEY-----\n")), Mallory, clock.Now, memberOutput);
            }

            Assert.Equal(2, member.Drops["BadRelayKey"]);
            Assert.Equal(3, member.Drops["KeyImportRateLimited"]);

            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, memberOutput);
            Assert.Equal(MemberState.AwaitingRelayKey, member.State);
            Assert.Equal(4, member.Drops["KeyImportRateLimited"]);

            member.Receive(RelayKeyDatagram(), RelayAt, clock.Advance(1), memberOutput);
            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
        }

        [Fact]
        public void AJoinedMemberComparesRelayKeysWithoutImportingThem()
        {
            var member = Connected();

            for (int i = 0; i < 10; i++)
            {
                // Garbage would fail an import (BadRelayKey); a joined member does not get that far.
                member.Receive(Wire.Tlv(5, Encoding.ASCII.GetBytes("-----BEGIN PUBLIC KEY-----\nAAAA" + i + "\n-----END PUBLIC KEY-----\n")), Mallory, clock.Now, memberOutput);
                member.Receive(Wire.Tlv(5, Pem(malloryKey)), Mallory, clock.Now, memberOutput);
            }

            Assert.Equal(20, member.Drops["RelayKeyChanged"]);
            Assert.Equal(0, member.Drops["BadRelayKey"]);
            Assert.Equal(0, member.Drops["KeyImportRateLimited"]);
            Assert.Equal(MemberState.Connected, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
        }

        [Fact]
        public void ForgedRelayTrafficDoesNotHideALostRelay()
        {
            var member = Connected();
            DateTimeOffset? joined = member.LastRelayTraffic;

            // The relay is gone; every second the attacker sends what a relay would, without its keys:
            // a wrapped block and a bare block that do not decrypt, presence notices, a key request's echo.
            for (int second = 0; second < 20 && member.State == MemberState.Connected; second++)
            {
                clock.Advance(1);
                member.Receive(Wire.Tlv(10, Wire.Address(Bob), Wire.Tlv(6, new byte[256])), Mallory, clock.Now, memberOutput);
                member.Receive(Wire.Tlv(6, new byte[256]), Mallory, clock.Now, memberOutput);
                member.Receive(Wire.Tlv(11, Wire.Address(Bob)), Mallory, clock.Now, memberOutput);
                member.Receive(Wire.Tlv(12, Wire.Address(Bob)), Mallory, clock.Now, memberOutput);
                member.Tick(clock.Now, memberOutput);
            }

            Assert.Equal(MemberState.RelayLost, member.State);
            Assert.Equal(joined, member.LastRelayTraffic);
        }

        [Fact]
        public void ForgedPresenceNoticesDoNotBringBackALostRelay()
        {
            var member = Lost();
            memberOutput.Clear();

            member.Receive(Wire.Tlv(11, Wire.Address(Bob)), Mallory, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(12, Wire.Address(Alice)), Mallory, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(11, Wire.Address(Alice)), Mallory, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(10, Wire.Address(Bob), Wire.Tlv(6, new byte[256])), Mallory, clock.Now, memberOutput);

            Assert.Equal(MemberState.RelayLost, member.State);
            Assert.Empty(memberOutput.Datagrams);

            // The notices still tell what they say (nothing checks them, in Classic).
            Assert.Equal(new[] { MemberEventKind.Joined, MemberEventKind.Left, MemberEventKind.Joined }, memberOutput.Events.Select(e => e.Kind));
        }

        [Fact]
        public void ABlockThatDecryptsBringsBackALostRelay()
        {
            var member = Lost();
            memberOutput.Clear();

            member.Receive(Wire.Tlv(10, Wire.Address(Bob), Wire.Tlv(6, aliceKey.PublicKey.Encrypt(Encoding.UTF8.GetBytes("back")))), RelayAt, clock.Now, memberOutput);

            Assert.Equal(MemberState.Joining, member.State);
            Assert.Equal(clock.Now, member.LastRelayTraffic);
            Assert.Equal(new[] { 4, 1, 1 }, memberOutput.Datagrams.Select(d => (int)d[1]));
            Assert.Contains(memberOutput.Events, e => e.Kind == MemberEventKind.Message && e.Text == "back");
        }

        [Fact]
        public void ThreeForgedDatagramsDoNotGiveTheAttackerTheMembersNextMessage()
        {
            var member = Connected();

            // "You left" about the member, the attacker's key as the relay's, "you joined" about the member.
            member.Receive(Wire.Tlv(12, Wire.Address(Alice)), Mallory, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(5, Pem(malloryKey)), Mallory, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(11, Wire.Address(Alice)), Mallory, clock.Now, memberOutput);
            memberOutput.Clear();

            Assert.Equal(MemberState.Connected, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Equal(1, member.Drops["RelayKeyChanged"]);
            member.Send("the secret", clock.Now, memberOutput);
            var (_, payload) = Wire.Reassemble(memberOutput.Datagrams);
            byte[] block = Assert.Single(TlvReader.ReadAll(payload)).Value;
            Assert.False(malloryKey.TryDecrypt(block, out _));
            Assert.True(relayKey.TryDecrypt(block, out byte[]? plain));
            Assert.Equal("the secret", Encoding.UTF8.GetString(plain!));
        }

        [Fact]
        public void NoSingleForgedDatagramEndsAJoinedSession()
        {
            byte[][] forgeries =
            {
                Wire.Tlv(5, Pem(malloryKey)),
                Wire.Tlv(5, Encoding.ASCII.GetBytes("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")),
                Wire.Tlv(12, Wire.Address(Alice)),
                Wire.Tlv(11, Wire.Address(Alice)),
                Wire.Tlv(10, Wire.Address(Bob), Wire.Tlv(6, new byte[256])),
            };

            foreach (byte[] forgery in forgeries)
            {
                var member = Connected();
                member.Receive(forgery, Mallory, clock.Now, memberOutput);

                // Then the attacker's key, as often as it likes, until the relay would be lost if it said nothing.
                for (int i = 0; i < 40; i++)
                {
                    member.Receive(Wire.Tlv(5, Pem(malloryKey)), Mallory, clock.Advance(0.1), memberOutput);
                    member.Tick(clock.Now, memberOutput);
                    member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, memberOutput);
                }

                Assert.NotEqual(MemberState.Failed, member.State);
                Assert.Null(member.Failure);
                Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            }
        }

        [Fact]
        public void AnotherKeyAfterTheRelayWasReallyLostEndsTheMemberInFailed()
        {
            var member = Lost();
            memberOutput.Clear();

            member.Receive(Wire.Tlv(5, Pem(malloryKey)), Mallory, clock.Now, memberOutput);

            Assert.Equal(MemberState.Failed, member.State);
            Assert.Equal(relayKey.PublicKey.Fingerprint, member.RelayFingerprint);
            Assert.Empty(memberOutput.Datagrams);
            Assert.Contains(memberOutput.Events, e => e.Kind == MemberEventKind.StateChanged && e.State == MemberState.Failed);
            MemberFailure failure = member.Failure!;
            Assert.Equal(MemberFailureReason.RelayKeyChanged, failure.Reason);
            Assert.Equal(relayKey.PublicKey.Fingerprint, failure.ExpectedRelayFingerprint);
            Assert.Equal(malloryKey.PublicKey.Fingerprint, failure.OfferedRelayFingerprint);
            Assert.Contains(relayKey.PublicKey.Fingerprint, failure.Message);
            Assert.Contains(malloryKey.PublicKey.Fingerprint, failure.Message);
            Assert.Contains("New-McastSession -AllowRelayKeyChange", failure.Message);

            // Failed is the end: nothing brings it back, nothing goes out, sending says why.
            memberOutput.Clear();
            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(11, Wire.Address(Alice)), RelayAt, clock.Now, memberOutput);
            member.Tick(clock.Advance(30), memberOutput);
            member.Leave(clock.Now, memberOutput);
            Assert.Empty(memberOutput.Datagrams);
            Assert.Empty(memberOutput.Events);
            Assert.Equal(MemberState.Failed, member.State);
            var refused = Assert.Throws<InvalidOperationException>(() => member.Send("anyone?", clock.Now, memberOutput));
            Assert.Equal(failure.Message, refused.Message);
        }

        [Fact]
        public void ForgedLeaveNoticesAboutTheMemberMakeItRejoinAtMostOncePerKeepAliveInterval()
        {
            var member = Connected();

            // Ten "you left" notices within a second, each followed by "you joined" to make it Connected again.
            for (int i = 0; i < 10; i++)
            {
                member.Receive(Wire.Tlv(12, Wire.Address(Alice)), Mallory, clock.Advance(0.1), memberOutput);
                member.Receive(Wire.Tlv(11, Wire.Address(Alice)), Mallory, clock.Now, memberOutput);
            }

            Assert.Equal(1, memberOutput.Datagrams.Count(d => d[1] == 4));
            Assert.Equal(9, member.Drops["RejoinRateLimited"]);
            Assert.Equal(1, memberOutput.Events.Count(e => e.Kind == MemberEventKind.Left));
            Assert.Equal(MemberState.Connected, member.State);
        }

        [Fact]
        public void AFloodOfLeaveNoticesCostsOneRejoinPerKeepAliveInterval()
        {
            var member = Connected();

            for (int step = 0; step < 600; step++)
            {
                member.Receive(Wire.Tlv(12, Wire.Address(Alice)), Mallory, clock.Advance(0.1), memberOutput);
                member.Receive(Wire.Tlv(11, Wire.Address(Alice)), Mallory, clock.Now, memberOutput);
                member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, memberOutput);
                member.Tick(clock.Now, memberOutput);
            }

            // 60 seconds, one keep-alive interval of 5 s: 12 rejoins, give or take the edges.
            int rejoins = memberOutput.Datagrams.Count(d => d[1] == 4);
            Assert.InRange(rejoins, 11, 13);
            Assert.Equal(MemberState.Connected, member.State);
        }

        [Fact]
        public void ALeaveNoticeInsideTheWindowIsOwedNotLost()
        {
            // The relay really forgot the member twice within a keep-alive interval (a forged notice
            // may have spent the budget): the second rejoin waits for the window, it is not dropped.
            var member = Connected();
            member.Receive(Wire.Tlv(12, Wire.Address(Alice)), RelayAt, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(11, Wire.Address(Alice)), RelayAt, clock.Advance(0.1), memberOutput);
            member.Receive(Wire.Tlv(12, Wire.Address(Alice)), RelayAt, clock.Advance(1), memberOutput);
            Assert.Equal(1, member.Drops["RejoinRateLimited"]);
            memberOutput.Clear();

            member.Tick(clock.Advance(3.8), memberOutput);
            Assert.DoesNotContain(memberOutput.Datagrams, d => d[1] == 4);

            member.Tick(clock.Advance(0.1), memberOutput);
            Assert.Equal(new[] { 4, 1, 1 }, memberOutput.Datagrams.Where(d => d[1] != 9 && d[1] != 7).Select(d => (int)d[1]));
            Assert.Equal(MemberState.Joining, member.State);

            memberOutput.Clear();
            member.Tick(clock.Advance(0.5), memberOutput);
            Assert.DoesNotContain(memberOutput.Datagrams, d => d[1] == 4);
        }

        private ClassicMember Lost(ClassicMemberOptions? options = null)
        {
            var member = Connected(options);
            for (int i = 0; i < 40 && member.State == MemberState.Connected; i++)
            {
                member.Tick(clock.Advance(0.5), memberOutput);
            }

            Assert.Equal(MemberState.RelayLost, member.State);
            return member;
        }

        private ClassicMember Member(ClassicMemberOptions? options = null) =>
            new ClassicMember(Alice, aliceKey, options ?? new ClassicMemberOptions(), () => nextId++);

        private ClassicMember Started(ClassicMemberOptions? options = null)
        {
            var member = Member(options);
            member.Start(clock.Now, memberOutput);
            memberOutput.Clear();
            return member;
        }

        private ClassicMember Connected(ClassicMemberOptions? options = null)
        {
            var member = Started(options);
            member.Receive(RelayKeyDatagram(), RelayAt, clock.Now, memberOutput);
            member.Receive(Wire.Tlv(11, Wire.Address(Alice)), RelayAt, clock.Now, memberOutput);
            Assert.Equal(MemberState.Connected, member.State);
            memberOutput.Clear();
            return member;
        }

        private byte[] RelayKeyDatagram() => Wire.Tlv(5, Pem(relayKey));

        private ClassicRelay Relay(ClassicRelayOptions options) => new ClassicRelay(RelayAt, relayKey, options);

        private void Register(ClassicRelay relay, IPEndPoint member, RsaPrivateKey key)
        {
            relay.Receive(Wire.Tlv(4, Pem(key)), member, clock.Now, relayOutput);
            relayOutput.Clear();
        }

        private static byte[] Pem(RsaPrivateKey key) => Encoding.ASCII.GetBytes(key.PublicKey.ToPem());

        private static byte[] BigEndian(uint value) => new[] { (byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value };
    }
}
