using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>The Secure protocol as an attacker sees it: on the link, or inside the group with the group key.</summary>
    public class SecureAttackTests : IDisposable
    {
        private readonly List<SecureNet> nets = new List<SecureNet>();

        public void Dispose()
        {
            foreach (SecureNet n in nets)
            {
                n.Dispose();
            }
        }

        [Fact]
        public void AHelloWithABadSignatureIsDroppedBeforeAnyStateOrAnswer()
        {
            var net = Net();
            var a = net.AddMember("a");
            var hello = new ProtocolOutput<MemberEvent>();
            a.Member.Start(net.Clock.Now, hello);
            byte[] genuine = Assert.Single(hello.Datagrams);

            foreach (int offset in new[] { 10, 70, 140, 148, genuine.Length - 1 })
            {
                // Em, Im, Nm, the name, the signature: every part is covered.
                var output = net.DeliverToRelay(SecureWire.Flip(genuine, offset, 0), a.Member.Self);
                Assert.Empty(output.Datagrams);
            }

            Assert.True(net.Relay.Drops["BadSignature"] + net.Relay.Drops["BadKey"] == 5, net.Relay.Drops.ToString());
            Assert.Empty(net.Relay.Members);
            Assert.Equal(0, net.Relay.HellosRemembered);

            // Five Hellos spent this second's budget for the address: the genuine one waits a second.
            Assert.Empty(net.DeliverToRelay(genuine, a.Member.Self).Datagrams);
            Assert.Equal(1, net.Relay.Drops["HandshakeRateLimited"]);
            net.Clock.Advance(1);
            var answered = net.DeliverToRelay(genuine, a.Member.Self);
            Assert.True(SecureWire.Is(Assert.Single(answered.Datagrams), TlvType.SecureWelcome));
        }

        [Fact]
        public void AWelcomeWithABadSignatureIsDroppedAndTheGenuineOneStillWorks()
        {
            var net = Net();
            var a = net.AddMember("a");
            net.Deliver = (d, s) => !SecureWire.Is(d, TlvType.SecureWelcome);
            net.Do(a, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            byte[] welcome = Assert.Single(net.Held).Datagram;
            net.Deliver = null;

            foreach (int offset in new[] { 5, 20, 90, 150, 166, 170, welcome.Length - 1 })
            {
                net.DeliverTo(a, SecureWire.Flip(welcome, offset, 3), net.Relay.Self);
                Assert.Equal(MemberState.AwaitingRelayKey, a.Member.State);
            }

            // A flip in the echoed nonce makes it someone else's; in a key, a bad key or a bad signature; elsewhere a bad signature.
            Assert.Equal(7, a.Member.Drops.Total);
            Assert.True(a.Member.Drops["BadSignature"] >= 5, a.Member.Drops.ToString());
            Assert.Null(a.Member.RelayFingerprint);

            net.Inject(welcome, net.Relay.Self);
            net.Pump();
            Assert.Equal(MemberState.Connected, a.Member.State);
        }

        [Fact]
        public void ARelayKeyOtherThanThePinnedOneFailsTheMemberWithBothFingerprints()
        {
            var net = Net();
            string pinned;
            using (var other = EcdsaP256PrivateKey.Generate())
            {
                pinned = other.PublicKey.Fingerprint;
            }

            var a = net.AddMember("a", new SecureMemberOptions { RelayTrust = new PinnedRelayTrust(pinned) });
            net.Do(a, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            Assert.Equal(MemberState.AwaitingRelayKey, a.Member.State);
            Assert.Equal(1, a.Member.Drops["UntrustedRelay"]);

            net.Run(3);

            Assert.Equal(MemberState.Failed, a.Member.State);
            Assert.Equal(MemberFailureReason.RelayNotTrusted, a.Member.Failure!.Reason);
            Assert.Equal(pinned, a.Member.Failure.ExpectedRelayFingerprint);
            Assert.Equal(net.Relay.KeyFingerprint, a.Member.Failure.OfferedRelayFingerprint);
            Assert.Contains("-RelayFingerprint", a.Member.Failure.Message);
            Assert.DoesNotContain(net.Relay.Members, m => m.Connected);
        }

        [Fact]
        public void TheRightPinJoinsEvenWhenAnImpostorAnswersFirst()
        {
            var net = Net();
            var a = net.AddMember("a", new SecureMemberOptions { RelayTrust = new PinnedRelayTrust(net.Relay.KeyFingerprint) });
            using var impostor = new SecureRelay(new IPEndPoint(IPAddress.Loopback, 50999), EcdsaP256PrivateKey.Generate(), new SecureRelayOptions { Group = SecureNet.Group, Port = SecureNet.Port });
            var start = new ProtocolOutput<MemberEvent>();
            a.Member.Start(net.Clock.Now, start);
            byte[] hello = start.Datagrams[0];

            // The impostor sees the Hello on the link and answers first, correctly signed with its own key.
            var forged = new ProtocolOutput<RelayEvent>();
            impostor.Receive(hello, a.Member.Self, net.Clock.Now, forged);
            net.DeliverTo(a, forged.Datagrams[0], impostor.Self);
            Assert.Equal(1, a.Member.Drops["UntrustedRelay"]);

            net.Inject(hello, a.Member.Self);
            net.Pump();
            Assert.Equal(MemberState.Connected, a.Member.State);
            net.Run(3);
            Assert.Equal(MemberState.Connected, a.Member.State);
        }

        [Fact]
        public void TrustOnFirstUseRemembersTheFirstRelayAndRefusesAnotherKeyForTheSameGroup()
        {
            var trust = new TrustOnFirstUseRelayTrust();
            var first = Net();
            var a = first.AddMember("a", new SecureMemberOptions { RelayTrust = trust });
            first.JoinAll();
            Assert.Equal(first.Relay.KeyFingerprint, trust.Known(SecureNet.Group, SecureNet.Port));

            var second = Net();
            var b = second.AddMember("b", new SecureMemberOptions { RelayTrust = trust });
            second.Do(b, (m, o) => m.Start(second.Clock.Now, o));
            second.Pump();
            second.Run(3);

            Assert.Equal(MemberState.Failed, b.Member.State);
            Assert.Equal(MemberFailureReason.RelayNotTrusted, b.Member.Failure!.Reason);
            Assert.Equal(first.Relay.KeyFingerprint, b.Member.Failure.ExpectedRelayFingerprint);
            Assert.Equal(second.Relay.KeyFingerprint, b.Member.Failure.OfferedRelayFingerprint);
            Assert.Equal(first.Relay.KeyFingerprint, trust.Known(SecureNet.Group, SecureNet.Port));
        }

        [Fact]
        public void ARelayWithAnAuthorizedKeyListRefusesOtherKeysWithASignedRefusal()
        {
            var allowed = EcdsaP256PrivateKey.Generate();
            var net = Net(new SecureRelayOptions { AuthorizedKeys = new[] { allowed.PublicKey.Fingerprint } });
            var a = net.AddMember("allowed", key: allowed);
            var b = net.AddMember("stranger");
            net.Do(a, (m, o) => m.Start(net.Clock.Now, o));
            net.Do(b, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();

            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(MemberState.Failed, b.Member.State);
            Assert.Equal(MemberFailureReason.AdmissionRefused, b.Member.Failure!.Reason);
            Assert.Contains(b.Member.KeyFingerprint, b.Member.Failure.Message);
            Assert.Equal(1, net.Relay.Drops["AdmissionRefused"]);
            var refused = Assert.Single(net.RelayEvents, e => e.Kind == RelayEventKind.Refused);
            Assert.Equal(b.Fingerprint, refused.Member.KeyFingerprint);
            Assert.Equal(new[] { a.Member.Identity!.Id }, net.Relay.Members.Select(m => m.Id));

            // The refused member's later Hellos, and a forged refusal for a, change nothing.
            net.Run(3);
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(1, net.Relay.Drops["AdmissionRefused"]);
        }

        [Fact]
        public void ARepeatedHelloIsAnsweredFromTheStoredWelcomeWithoutPublicKeyWorkAndAReplayAfterTheJoinIsDropped()
        {
            var net = Net();
            var a = net.AddMember("a");
            var start = new ProtocolOutput<MemberEvent>();
            a.Member.Start(net.Clock.Now, start);
            byte[] hello = start.Datagrams[0];

            byte[] welcome = Assert.Single(net.DeliverToRelay(hello, a.Member.Self).Datagrams);
            long work = net.Relay.Operations.PublicKeyOperations;
            Assert.Empty(net.DeliverToRelay(hello, a.Member.Self).Datagrams);
            Assert.Equal(1, net.Relay.Drops["Replay"]);
            net.Clock.Advance(1);
            Assert.Equal(welcome, Assert.Single(net.DeliverToRelay(hello, a.Member.Self).Datagrams));
            Assert.Equal(work, net.Relay.Operations.PublicKeyOperations);
            Assert.Equal(1, net.Relay.PendingHandshakes);

            net.Inject(welcome, net.Relay.Self);
            net.Pump();
            Assert.Equal(MemberState.Connected, a.Member.State);
            long epoch = net.Relay.Epoch!.Value;
            work = net.Relay.Operations.PublicKeyOperations;

            for (int i = 0; i < 3; i++)
            {
                net.Clock.Advance(1);
                Assert.Empty(net.DeliverToRelay(hello, SecureWire.Somewhere(i)).Datagrams);
            }

            Assert.Equal(4, net.Relay.Drops["Replay"]);
            Assert.Equal(0, net.Relay.PendingHandshakes);
            Assert.Single(net.Relay.Members);
            Assert.Equal(epoch, net.Relay.Epoch);
            Assert.Equal(work, net.Relay.Operations.PublicKeyOperations);
        }

        [Fact]
        public void ReplaysOfEveryDatagramTypeAreDroppedCountedAndChangeNothing()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            var c = net.AddMember("c");
            net.JoinAll();
            var log = net.Log.ToList();

            // Welcome: each member's own, again: a replay to it, someone else's to the others.
            foreach (var node in net.Members)
            {
                byte[] hello = SecureWire.Of(log, TlvType.SecureHello, node.Member.Self).First();
                byte[] own = SecureWire.Of(log, TlvType.SecureWelcome).Single(w => w.Skip(5).Take(16).SequenceEqual(hello.Skip(4 + 131).Take(16)));
                foreach (var other in net.Members)
                {
                    long replay = other.Member.Drops["Replay"];
                    long notForUs = other.Member.Drops["NotForUs"];
                    net.DeliverTo(other, own, net.Relay.Self);
                    Assert.Equal(replay + (other == node ? 1 : 0), other.Member.Drops["Replay"]);
                    Assert.Equal(notForUs + (other == node ? 0 : 1), other.Member.Drops["NotForUs"]);
                }
            }

            Assert.All(net.Members, n => Assert.Equal(MemberState.Connected, n.Member.State));

            // Rekey: every one sent so far, again, to everyone: a number taken already is a Duplicate
            // before any cryptography; one from before a member's stream began is not for it.
            long epoch = a.Member.Epoch!.Value;
            foreach (byte[] rekey in SecureWire.Of(log, TlvType.SecureRekey))
            {
                foreach (var node in net.Members)
                {
                    long dropped = node.Member.Drops["Duplicate"] + node.Member.Drops["Replay"] + node.Member.Drops["NotForUs"];
                    long work = node.Member.Operations.PublicKeyOperations;
                    net.DeliverTo(node, rekey, net.Relay.Self);
                    Assert.Equal(dropped + 1, node.Member.Drops["Duplicate"] + node.Member.Drops["Replay"] + node.Member.Drops["NotForUs"]);
                    Assert.Equal(work, node.Member.Operations.PublicKeyOperations);
                }
            }

            Assert.All(net.Members, n => Assert.Equal(epoch, n.Member.Epoch));

            // GroupSealed: a message, heard once, then again.
            int before = net.Log.Count;
            net.Say(a, "once");
            byte[] carrying = SecureWire.Of(net.Log.Skip(before), TlvType.SecureGroupSealed).Single();
            net.DeliverTo(b, carrying, net.Relay.Self);
            net.DeliverTo(c, carrying, net.Relay.Self);
            Assert.Equal(new[] { "once" }, b.Messages.Select(m => m.Text));
            Assert.Equal(new[] { "once" }, c.Messages.Select(m => m.Text));
            Assert.True(b.Member.Drops["Duplicate"] >= 1 && c.Member.Drops["Duplicate"] >= 1);

            // MemberSealed of every kind, again, to the relay.
            var replays = new List<(string Kind, byte[] Datagram)>();
            replays.Add(("Join", SecureWire.Of(log, TlvType.SecureMemberSealed, a.Member.Self).First()));
            var tick = new ProtocolOutput<MemberEvent>();
            net.Clock.Advance(SecureDefaults.KeepAliveInterval);
            a.Member.Tick(net.Clock.Now, tick);
            replays.Add(("KeepAlive", Assert.Single(tick.Datagrams)));
            replays.Add(("Data", SecureWire.Of(net.Log.Skip(before), TlvType.SecureMemberSealed, a.Member.Self).Single()));
            var ask = new ProtocolOutput<MemberEvent>();
            using (var nobody = EcdsaP256PrivateKey.Generate())
            {
                var key = a.Member.CurrentGroupKey!.Value;
                a.Member.Receive(SecureWire.GroupSealed(key.Epoch + 1, 9_000_000, key.Key, nobody, SecureCodec.HeartbeatRecord()), net.Relay.Self, net.Clock.Now, ask);
            }

            replays.Add(("KeyRequest", Assert.Single(ask.Datagrams)));
            foreach (var (_, datagram) in replays)
            {
                net.Inject(datagram, a.Member.Self);
            }

            net.Pump();
            foreach (var (kind, datagram) in replays)
            {
                long dropped = net.Relay.Drops["Replay"];
                int members = net.Relay.Members.Count;
                long relayed = net.Relay.MessagesRelayed;
                int sent = net.Log.Count;
                net.Inject(datagram, a.Member.Self);
                net.Pump();
                Assert.True(dropped + 1 == net.Relay.Drops["Replay"], kind);
                Assert.Equal(members, net.Relay.Members.Count);
                Assert.Equal(relayed, net.Relay.MessagesRelayed);
                Assert.Equal(sent, net.Log.Count);
            }

            Assert.Equal(new[] { "once" }, b.Messages.Select(m => m.Text));

            // Leave: once it took a out, its replay names nobody the relay knows.
            var leave = new ProtocolOutput<MemberEvent>();
            a.Member.Leave(net.Clock.Now, leave);
            net.Inject(leave.Datagrams[0], a.Member.Self);
            net.Pump();
            int lefts = b.Events.Count(e => e.Kind == MemberEventKind.Left);
            long relayEpoch = net.Relay.Epoch!.Value;
            net.Inject(leave.Datagrams[0], a.Member.Self);
            net.Pump();
            Assert.Equal(1, net.Relay.Drops["UnknownMember"]);
            Assert.Equal(lefts, b.Events.Count(e => e.Kind == MemberEventKind.Left));
            Assert.Equal(relayEpoch, net.Relay.Epoch);
        }

        [Fact]
        public void ADatagramOfTheRetiredEpochIsAcceptedWithinTheGraceAndDroppedAfterIt()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();

            // Two messages under the current epoch, each in its own datagram, held back from everyone.
            net.Deliver = (d, s) => !(SecureWire.Is(d, TlvType.SecureGroupSealed) && s.Equals(net.Relay.Self));
            net.Say(a, "late one");
            net.Say(a, "late two");
            var held = net.Held.Select(h => h.Datagram).ToList();
            Assert.Equal(2, held.Count);
            net.Deliver = null;
            uint oldEpoch = SecureWire.EpochOf(held[0]);

            // A third member joins: a new epoch, which b installs.
            net.AddMember("c");
            net.JoinAll();
            Assert.Equal(oldEpoch + 1, b.Member.Epoch);

            net.Clock.Advance(SecureDefaults.EpochGrace - TimeSpan.FromMilliseconds(100));
            net.DeliverTo(b, held[0], net.Relay.Self);
            Assert.Equal(new[] { "late one" }, b.Messages.Select(m => m.Text));

            net.Clock.Advance(TimeSpan.FromMilliseconds(100));
            net.DeliverTo(b, held[1], net.Relay.Self);
            Assert.Equal(new[] { "late one" }, b.Messages.Select(m => m.Text));
            Assert.Equal(1, b.Member.Drops["OldEpoch"]);
        }

        [Fact]
        public void AMemberRemovedByTimeOutCannotOpenWhatIsSentAfterTheRekey()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            var gone = net.AddMember("gone");
            net.JoinAll();
            long epoch = gone.Member.Epoch!.Value;

            gone.Dead = true;
            net.Run(16);
            Assert.Contains(net.RelayEvents, e => e.Kind == RelayEventKind.TimedOut && e.Member.Id == gone.Member.Identity!.Id);
            Assert.Equal(epoch + 1, net.Relay.Epoch);

            int before = net.Log.Count;
            net.Say(a, "not for the departed");
            Assert.Equal("not for the departed", Assert.Single(b.Messages).Text);
            foreach (byte[] d in net.Log.Skip(before).Where(l => l.Source.Equals(net.Relay.Self)).Select(l => l.Datagram))
            {
                net.DeliverTo(gone, d, net.Relay.Self);
            }

            Assert.Empty(gone.Messages);
            Assert.True(gone.Member.Drops["UnknownEpoch"] >= 1);
            Assert.Equal(epoch, gone.Member.Epoch);
            Assert.Equal(0, gone.Member.Drops["BadSignature"]);
        }

        [Fact]
        public void AJoiningMemberCannotOpenWhatWasSentBeforeItsJoin()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();
            int before = net.Log.Count;
            net.Say(a, "before you came");
            var earlier = net.Log.Skip(before).Where(l => l.Source.Equals(net.Relay.Self)).Select(l => l.Datagram).ToList();

            var late = net.AddMember("late");
            net.JoinAll();
            long dropped = late.Member.Drops["Duplicate"];
            long opened = late.Member.Operations.PublicKeyOperations;
            foreach (byte[] d in earlier)
            {
                net.DeliverTo(late, d, net.Relay.Self);
            }

            // Numbered before its stream began: refused before any cryptography (and sealed under an epoch it never had).
            Assert.Empty(late.Messages);
            Assert.Equal(dropped + earlier.Count, late.Member.Drops["Duplicate"]);
            Assert.Equal(opened, late.Member.Operations.PublicKeyOperations);
            Assert.True(SecureWire.EpochOf(earlier[0]) < late.Member.Epoch);
        }

        [Fact]
        public void AMemberHoldingTheGroupKeyCannotForgeTheRelay()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            var insider = net.AddMember("insider");
            net.JoinAll();
            var key = insider.Member.CurrentGroupKey!.Value;
            using var insiderKey = EcdsaP256PrivateKey.Generate();
            uint bId = Convert.ToUInt32(b.Member.Identity!.Id, 16);
            var forgeries = new Dictionary<string, byte[]>
            {
                ["Data in b's name"] = SecureCodec.DataRecord(new SecureFragment(bId, 0, 42, 0, 1, SecureCodec.ContentText, new[] { (byte)'!' })),
                ["Joined"] = SecureCodec.JoinedRecord(new SecureMemberEntry(0x0badf00d, insiderKey.PublicKey.Point, "ghost")),
                ["Left of b"] = SecureCodec.LeftRecord(bId, SecureLeftReason.Left),
                ["Heartbeat"] = SecureCodec.HeartbeatRecord(),
            };

            ulong sequence = 5_000_000;
            foreach (var forgery in forgeries)
            {
                // A valid tag under the group key, and a signature by a key that is not the relay's.
                byte[] datagram = SecureWire.GroupSealed(key.Epoch, sequence++, key.Key, insiderKey, forgery.Value);
                net.Inject(datagram, insider.Member.Self);
            }

            var before = net.Members.ToDictionary(n => n, n => n.Events.Count);
            DateTimeOffset? aLife = a.Member.LastRelayTraffic;
            net.Clock.Advance(1);
            net.Pump();

            foreach (var node in new[] { a, b })
            {
                Assert.Equal(forgeries.Count, node.Member.Drops["BadSignature"]);
                Assert.Equal(before[node], node.Events.Count);
                Assert.Equal(MemberState.Connected, node.Member.State);
            }

            Assert.Equal(aLife, a.Member.LastRelayTraffic);
            Assert.Equal(3, a.Member.KnownMembers.Count);
            Assert.Equal(forgeries.Count, net.Relay.Drops["IgnoredType"]);
        }

        [Fact]
        public void AForgedRekeyWithAGenuineEntryFailsOnTheSignatureAndTheGenuineOneStillInstalls()
        {
            var net = Net();
            var a = net.AddMember("a");
            var insider = net.AddMember("insider");
            net.JoinAll();
            long epoch = a.Member.Epoch!.Value;

            // A third member joins; the insider sees the Rekey before a does and sends a copy with its own header and signature.
            net.Deliver = (d, s) => !SecureWire.Is(d, TlvType.SecureRekey);
            net.AddMember("c");
            var c = net.Members[2];
            net.Do(c, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            byte[] genuine = net.Held.Select(h => h.Datagram).First(d => SecureWire.Is(d, TlvType.SecureRekey));
            net.Deliver = null;
            net.Held.Clear();

            using var insiderKey = EcdsaP256PrivateKey.Generate();
            byte[] value = SecureWire.ValueOf(genuine);
            value[12] ^= 1; // another relay sequence number
            int signed = value.Length - 64;
            byte[] signature = insiderKey.Sign(SecureKeySchedule.RekeySignedData(SecureKeySchedule.GroupAndPort(SecureNet.Group, SecureNet.Port), value, signed));
            Buffer.BlockCopy(signature, 0, value, signed, 64);
            byte[] forged = SecureCodec.Datagram(TlvType.SecureRekey, value);

            net.DeliverTo(a, forged, insider.Member.Self);
            Assert.Equal(1, a.Member.Drops["BadSignature"]);
            Assert.Equal(epoch, a.Member.Epoch);

            net.DeliverTo(a, genuine, net.Relay.Self);
            Assert.Equal(epoch + 1, a.Member.Epoch);
        }

        [Fact]
        public void AForgedLeaveOrKeepAliveForAnotherMemberIsDroppedAndChangesNothing()
        {
            var net = Net();
            var a = net.AddMember("a");
            var victim = net.AddMember("victim");
            var attacker = net.AddMember("attacker");
            net.JoinAll();
            uint victimId = Convert.ToUInt32(victim.Member.Identity!.Id, 16);
            long epoch = net.Relay.Epoch!.Value;

            // The attacker knows the victim's id (it is in every roster) and holds a pairwise key of its own, not the victim's.
            var own = new ProtocolOutput<MemberEvent>();
            attacker.Member.Leave(net.Clock.Now, own);
            byte[] attackersLeave = own.Datagrams[0];
            byte[] asVictim = (byte[])attackersLeave.Clone();
            asVictim[5] = (byte)(victimId >> 24);
            asVictim[6] = (byte)(victimId >> 16);
            asVictim[7] = (byte)(victimId >> 8);
            asVictim[8] = (byte)victimId;
            net.Inject(asVictim, attacker.Member.Self);

            var random = new Random(7);
            foreach (SecureMemberKind kind in new[] { SecureMemberKind.Leave, SecureMemberKind.KeepAlive })
            {
                for (ulong s = 0; s < 5; s++)
                {
                    var sealedPart = new byte[1 + 16];
                    random.NextBytes(sealedPart);
                    net.Inject(SecureCodec.Datagram(TlvType.SecureMemberSealed, SecureCodec.SealedHeader(victimId, 1_000 + s + (ulong)kind * 10), sealedPart), attacker.Member.Self);
                }
            }

            net.Pump();

            Assert.Equal(11, net.Relay.Drops["BadTag"]);
            Assert.Contains(net.Relay.Members, m => m.Id == victim.Member.Identity!.Id);
            Assert.DoesNotContain(a.Events, e => e.Kind == MemberEventKind.Left);
            Assert.Equal(epoch, net.Relay.Epoch);

            // Nor does a forged keep-alive keep a dead member alive.
            victim.Dead = true;
            for (int t = 0; t < 20; t++)
            {
                var keep = new byte[17];
                random.NextBytes(keep);
                net.Inject(SecureCodec.Datagram(TlvType.SecureMemberSealed, SecureCodec.SealedHeader(victimId, 5_000 + (ulong)t), keep), attacker.Member.Self);
                net.Run(1);
            }

            Assert.DoesNotContain(net.Relay.Members, m => m.Id == victim.Member.Identity!.Id);
        }

        [Fact]
        public void AHandshakeFloodCostsAtMostTheBudgetAndDataIsStillRelayedInTheSameStep()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();
            var ops = net.Relay.Operations;
            long publicKeyBefore = ops.PublicKeyOperations;
            long verifiesBefore = ops.Verifications;

            var random = new Random(2026);
            var attackers = Enumerable.Range(0, 4).Select(_ => EcdsaP256PrivateKey.Generate()).ToList();
            byte[] ephemeral;
            using (var e = EcdhP256.Generate())
            {
                ephemeral = e.PublicKey;
            }

            int welcomes = 0;
            for (int i = 0; i < 5000; i++)
            {
                // A fifth carry valid signatures (the expensive kind), from a thousand addresses.
                byte[] hello = SecureWire.Hello(attackers[i % 4], ephemeral, random, sign: i % 5 == 0);
                welcomes += net.DeliverToRelay(hello, SecureWire.Somewhere(i % 1000)).Datagrams.Count;
            }

            int budget = SecureDefaults.HandshakesPerSecond;
            Assert.True(ops.Verifications - verifiesBefore <= budget, ops.ToString());
            Assert.True(ops.PublicKeyOperations - publicKeyBefore <= budget * 4, ops.ToString());
            Assert.True(welcomes <= budget / 5 + 1, "welcomes " + welcomes);
            Assert.True(net.Relay.Drops["HandshakeRateLimited"] >= 4800);
            Assert.True(net.Relay.PendingHandshakes <= budget);
            Assert.True(net.Relay.HellosRemembered <= budget + 2);
            Assert.True(net.Relay.HandshakeSourcesTracked <= budget);

            // The data path: one Receive, and the flush the runner makes when nothing else waits.
            var send = new ProtocolOutput<MemberEvent>();
            a.Member.Send("through the flood", net.Clock.Now, send);
            var relayed = net.DeliverToRelay(send.Datagrams[0], a.Member.Self);
            net.Relay.Flush(net.Clock.Now, relayed);
            byte[] groupSealed = Assert.Single(relayed.Datagrams);
            net.DeliverTo(b, groupSealed, net.Relay.Self);
            Assert.Equal("through the flood", Assert.Single(b.Messages).Text);
            foreach (var k in attackers)
            {
                k.Dispose();
            }
        }

        [Fact]
        public void AFloodOfForgedWelcomesWithTheMembersNonceCostsAtMostTheBudgetAndTheGenuineOneStillJoins()
        {
            var net = Net();
            var a = net.AddMember("a");

            // The relay's first answer is lost: the member waits, and everyone heard its nonce in its Hello.
            net.Deliver = (d, s) => !SecureWire.Is(d, TlvType.SecureWelcome);
            net.Do(a, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            byte[] genuine = Assert.Single(net.Held).Datagram;
            net.Deliver = null;

            // An outsider copies the genuine Welcome (the member's nonce, a valid relay key) with a random
            // signature: each would cost the member a signature check. 10,000 of them over 5 s.
            var random = new Random(2029);
            IPEndPoint outsider = SecureWire.Somewhere(7);
            int budget = SecureDefaults.WelcomeChecksPerSecond;
            long before = a.Member.Operations.Verifications;
            for (int second = 0; second < 5; second++)
            {
                long secondBefore = a.Member.Operations.Verifications;
                for (int step = 0; step < 10; step++)
                {
                    // Forgeries come before and after whatever the member and the relay say in each 100 ms.
                    net.Clock.Advance(0.1);
                    Forge(100);
                    net.TickAll();
                    Forge(100);
                }

                Assert.True(a.Member.Operations.Verifications - secondBefore <= budget, "second " + second + ": " + a.Member.Operations);
            }

            Assert.True(a.Member.Operations.Verifications - before <= 5 * budget, a.Member.Operations.ToString());
            // Every forgery past the budget was dropped unchecked (or as a Replay, had the genuine Welcome got in first).
            Assert.True(a.Member.Drops["WelcomeRateLimited"] > 0, a.Member.Drops.ToString());
            Assert.True(a.Member.Drops["WelcomeRateLimited"] + a.Member.Drops["Replay"] >= 10000 - (5 * budget), a.Member.Drops.ToString());

            // Whenever the flood lets it, the member's next Hello brings the stored Welcome again, and a second's budget lets it in.
            net.Run(2);
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Single(net.Relay.Members);

            void Forge(int count)
            {
                for (int i = 0; i < count; i++)
                {
                    byte[] forged = (byte[])genuine.Clone();
                    var signature = new byte[64];
                    random.NextBytes(signature);
                    Buffer.BlockCopy(signature, 0, forged, 4 + 170, 64);
                    net.DeliverTo(a, forged, outsider);
                }
            }
        }

        [Fact]
        public void FakeGroupSealedOfAHighEpochCannotKeepAMemberThatMissedARekeyFromTheKey()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();

            // b misses the Rekeys (and the answer to its first KeyRequest) of c's join.
            var held = new List<byte[]>();
            net.Deliver = (d, s) =>
            {
                if (SecureWire.Is(d, TlvType.SecureRekey))
                {
                    held.Add(d);
                    return false;
                }

                return true;
            };
            var c = net.AddMember("c");
            net.Do(c, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            net.Deliver = null;
            foreach (byte[] d in held)
            {
                net.DeliverTo(a, d, net.Relay.Self);
                net.DeliverTo(c, d, net.Relay.Self);
            }

            Assert.True(b.Member.Epoch < net.Relay.Epoch);

            // An outsider sends b GroupSealed datagrams of a far epoch every 100 ms, each just before a's
            // message: b spends its one KeyRequest a second on the far epoch, never on the real one.
            var random = new Random(2030);
            IPEndPoint outsider = SecureWire.Somewhere(9);
            int said = 0;
            for (int step = 0; step < 15 && b.Member.Epoch != net.Relay.Epoch; step++)
            {
                net.Clock.Advance(0.1);
                var fake = new byte[100];
                random.NextBytes(fake);
                byte[] fakeDatagram = SecureCodec.Datagram(TlvType.SecureGroupSealed, SecureCodec.SealedHeader(0x7FFF0000u + (uint)step, (ulong)step), fake);
                net.Inject(fakeDatagram, outsider);
                net.Pump();
                net.Say(a, "tick " + step);
                said++;
                net.TickAll();
            }

            // Any answer carries the relay's current epoch: within about a second b has it again.
            Assert.Equal(net.Relay.Epoch, b.Member.Epoch);
            Assert.True(b.Member.Drops["UnknownEpoch"] >= 2, b.Member.Drops.ToString());
            Assert.True(said <= 12, "steps " + said);
            Assert.Equal(MemberState.Connected, b.Member.State);
            net.Say(a, "can b read this?");

            // What b could not open stayed missing; with the key, its Nacks bring every message back, in order.
            net.Run(0.05, 0.005);
            Assert.Equal(Enumerable.Range(0, said).Select(i => "tick " + i).Append("can b read this?"), b.Messages.Select(m => m.Text));
            Assert.Equal(0, b.Member.Gaps);
        }

        [Fact]
        public void TamperingWithAnyBitOfAGroupSealedIsDroppedNeverDeliveredNeverThrown()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();
            b.Deaf = true;
            int before = net.Log.Count;
            net.Say(a, "tamper with me");
            byte[] genuine = SecureWire.Of(net.Log.Skip(before), TlvType.SecureGroupSealed).Single();
            long dropsBefore = b.Member.Drops.Total;

            int tries = 0;
            for (int offset = 0; offset < genuine.Length; offset++)
            {
                for (int bit = 0; bit < 8; bit++)
                {
                    var output = net.DeliverTo(b, SecureWire.Flip(genuine, offset, bit), net.Relay.Self);
                    Assert.DoesNotContain(output.Events, e => e.Kind == MemberEventKind.Message);
                    tries++;
                }
            }

            Assert.Empty(b.Messages);
            Assert.Equal(dropsBefore + tries, b.Member.Drops.Total);
            Assert.Equal(MemberState.Connected, b.Member.State);

            net.DeliverTo(b, genuine, net.Relay.Self);
            Assert.Equal("tamper with me", Assert.Single(b.Messages).Text);
        }

        [Fact]
        public void TruncatedDatagramsOfEveryTypeAreDroppedAndTheWholeOneStillWorks()
        {
            var net = Net();
            var a = net.AddMember("a");
            var start = new ProtocolOutput<MemberEvent>();
            a.Member.Start(net.Clock.Now, start);
            byte[] hello = start.Datagrams[0];

            // Hello, to the relay.
            AssertTruncationsDropped(hello, d => net.DeliverToRelay(d, a.Member.Self), () => net.Relay.Drops.Total);
            byte[] welcome = Assert.Single(net.DeliverToRelay(hello, a.Member.Self).Datagrams);

            // Welcome, to the member.
            AssertTruncationsDropped(welcome, d => net.DeliverTo(a, d, net.Relay.Self), () => a.Member.Drops.Total);
            Assert.Equal(MemberState.AwaitingRelayKey, a.Member.State);
            var joined = net.DeliverTo(a, welcome, net.Relay.Self);
            byte[] join = Assert.Single(joined.Datagrams);

            // MemberSealed (the Join), to the relay.
            AssertTruncationsDropped(join, d => net.DeliverToRelay(d, a.Member.Self), () => net.Relay.Drops.Total);
            var answer = net.DeliverToRelay(join, a.Member.Self);
            net.Relay.Flush(net.Clock.Now, answer);
            byte[] rekey = answer.Datagrams.Single(d => SecureWire.Is(d, TlvType.SecureRekey));
            byte[] groupSealed = answer.Datagrams.Single(d => SecureWire.Is(d, TlvType.SecureGroupSealed));

            // Rekey and GroupSealed, to the member.
            AssertTruncationsDropped(rekey, d => net.DeliverTo(a, d, net.Relay.Self), () => a.Member.Drops.Total);
            Assert.Null(a.Member.Epoch);
            net.DeliverTo(a, rekey, net.Relay.Self);
            AssertTruncationsDropped(groupSealed, d => net.DeliverTo(a, d, net.Relay.Self), () => a.Member.Drops.Total);
            Assert.Equal(MemberState.Joining, a.Member.State);
            net.DeliverTo(a, groupSealed, net.Relay.Self);
            Assert.Equal(MemberState.Connected, a.Member.State);
        }

        [Fact]
        public void RandomValuesOfEverySecureTypeCostOneDropEachAndNeverAnException()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();
            var random = new Random(20261125);
            var types = new[] { TlvType.SecureHello, TlvType.SecureWelcome, TlvType.SecureMemberSealed, TlvType.SecureGroupSealed, TlvType.SecureRekey, (TlvType)0x5306, TlvType.KeepAlive };
            uint aId = Convert.ToUInt32(a.Member.Identity!.Id, 16);
            for (int i = 0; i < 3000; i++)
            {
                var value = new byte[random.Next(0, 400)];
                random.NextBytes(value);
                if (value.Length > 0 && random.Next(4) > 0)
                {
                    value[0] = 1;
                }

                if (value.Length >= 5 && random.Next(3) == 0)
                {
                    // A real member id or epoch, so the checks behind the first ones are reached too.
                    value[1] = (byte)(aId >> 24);
                    value[2] = (byte)(aId >> 16);
                    value[3] = (byte)(aId >> 8);
                    value[4] = (byte)aId;
                }

                byte[] datagram = TlvWriter.Encode(types[random.Next(types.Length)], value);
                long relayDrops = net.Relay.Drops.Total;
                long memberDrops = b.Member.Drops.Total;
                net.DeliverToRelay(datagram, SecureWire.Somewhere(i));
                net.DeliverTo(b, datagram, SecureWire.Somewhere(i));
                Assert.Equal(relayDrops + 1, net.Relay.Drops.Total);
                Assert.Equal(memberDrops + 1, b.Member.Drops.Total);
            }

            Assert.Equal(2, net.Relay.Members.Count(m => m.Connected));
            Assert.Empty(b.Messages);
            net.Say(a, "still fine");
            Assert.Equal("still fine", Assert.Single(b.Messages).Text);
        }

        [Theory]
        [InlineData(false)]
        [InlineData(true)]
        public void AnotherKeysHelloWithAStolenNonceDoesNotLockTheMemberOut(bool authorizedList)
        {
            // The attacker hears a's Hello on the link; a's first copy is lost on the way to the relay (or
            // was turned away by a Hello flood). The attacker sends its own validly signed Hello carrying
            // a's nonce: admitted on an open relay, refused on one with a list. Either way the relay must
            // still answer a's Hello, which a repeats byte for byte.
            using var attacker = EcdsaP256PrivateKey.Generate();
            var aKey = EcdsaP256PrivateKey.Generate();
            var options = authorizedList ? new SecureRelayOptions { AuthorizedKeys = new List<string> { aKey.PublicKey.Fingerprint } } : null;
            var net = Net(options);
            var a = net.AddMember("a", key: aKey);

            net.Deliver = (d, s) => !SecureWire.Is(d, TlvType.SecureHello);
            net.Do(a, (m, o) => m.Start(net.Clock.Now, o));
            net.Pump();
            byte[] lost = Assert.Single(net.Held).Datagram;
            net.Deliver = null;

            byte[] nonce = SecureWire.ValueOf(lost).Skip(131).Take(16).ToArray();
            using (var ephemeral = EcdhP256.Generate())
            {
                byte[] unsigned = SecureCodec.HelloUnsigned(ephemeral.PublicKey, attacker.PublicKey.Point, nonce, new byte[] { (byte)'m' });
                byte[] signature = attacker.Sign(SecureKeySchedule.HelloSignedData(SecureKeySchedule.GroupAndPort(SecureNet.Group, SecureNet.Port), unsigned, unsigned.Length));
                net.Inject(SecureCodec.Datagram(TlvType.SecureHello, unsigned, signature), SecureWire.Somewhere(7));
                net.Pump();
            }

            // The relay answered the attacker (a Welcome or a refusal echoing a's nonce): a cannot verify it.
            Assert.Equal(1, a.Member.Drops["BadSignature"]);
            Assert.Equal(MemberState.AwaitingRelayKey, a.Member.State);

            net.Run(3);
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(0, net.Relay.Drops["Replay"]);
        }

        [Fact]
        public void WhatARelayRunSentIsRefusedByTheMembersOfTheNextRunWithTheSameKey()
        {
            // The relay's epochs and sequence numbers start again at a restart with the same identity key,
            // so the numbers of the first run come back. What makes the old datagrams useless is that every
            // key a member accepts them under is new: the pairwise keys come from the new handshake's ECDH,
            // the group keys are random and reach it under those pairwise keys.
            string pkcs8;
            using (var relayKey = EcdsaP256PrivateKey.Generate())
            {
                pkcs8 = relayKey.ExportPkcs8Pem();
            }

            var net = new SecureNet(relayKey: EcdsaP256PrivateKey.ImportPkcs8Pem(pkcs8));
            nets.Add(net);
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            var c = net.AddMember("c");
            net.JoinAll();
            net.Say(a, "first run");
            net.Say(b, "first run too");
            net.Do(c, (m, o) => m.Leave(net.Clock.Now, o));
            net.Pump();
            var stopping = new ProtocolOutput<RelayEvent>();
            net.Relay.Stop(net.Clock.Now, stopping);
            net.FromRelay(stopping);
            net.Pump();
            var firstRun = net.Log.ToList();

            net.RestartRelay(EcdsaP256PrivateKey.ImportPkcs8Pem(pkcs8));
            net.Run(3);
            net.Say(a, "second run");
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(MemberState.Connected, b.Member.State);

            // Both runs used the same epoch numbers: the replay meets epochs the members hold keys for.
            var oldEpochs = SecureWire.Of(firstRun, TlvType.SecureGroupSealed).Select(SecureWire.EpochOf).ToList();
            Assert.Contains(a.Member.Epoch!.Value, oldEpochs.Select(e => (long)e));

            var members = new[] { a, b };
            var states = members.Select(n => (n.Member.Identity!.Id, n.Member.Epoch, n.Events.Count)).ToList();
            var fromRelay = firstRun.Where(l => !SecureWire.Is(l.Datagram, TlvType.SecureHello) && !SecureWire.Is(l.Datagram, TlvType.SecureMemberSealed)).ToList();
            foreach (var node in members)
            {
                foreach (var (datagram, _) in fromRelay)
                {
                    long drops = node.Member.Drops.Total;
                    net.DeliverTo(node, datagram, net.Relay.Self);
                    Assert.True(drops + 1 == node.Member.Drops.Total, SecureWire.TypeOf(datagram) + ": " + node.Member.Drops);
                }
            }

            Assert.Equal(states, members.Select(n => (n.Member.Identity!.Id, n.Member.Epoch, n.Events.Count)).ToList());
            Assert.Equal(0, a.Member.Drops["MalformedRecord"] + b.Member.Drops["MalformedRecord"]);

            // The members' sealed datagrams of the first run name member ids and keys the new run never made.
            long relayEpoch = net.Relay.Epoch!.Value;
            foreach (var (datagram, source) in firstRun.Where(l => SecureWire.Is(l.Datagram, TlvType.SecureMemberSealed)))
            {
                long unknown = net.Relay.Drops["UnknownMember"];
                Assert.Empty(net.DeliverToRelay(datagram, source).Datagrams);
                Assert.Equal(unknown + 1, net.Relay.Drops["UnknownMember"]);
            }

            Assert.Equal(relayEpoch, net.Relay.Epoch);
            Assert.Equal(1, net.Relay.MessagesRelayed);

            // An old Hello is news to the new run (its memory of nonces is gone): it costs one answered
            // handshake within the budgets, whose Welcome no member takes, and which times out.
            foreach (var (datagram, source) in firstRun.Where(l => SecureWire.Is(l.Datagram, TlvType.SecureHello)).GroupBy(l => Convert.ToBase64String(l.Datagram)).Select(g => g.First()))
            {
                net.Inject(datagram, source);
            }

            net.Pump();
            net.Run(SecureDefaults.PendingHandshakeTimeout.TotalSeconds + 1);
            Assert.Equal(2, net.Relay.Members.Count);
            Assert.Equal(3, net.Relay.Drops["HandshakeTimeout"]);
            Assert.Equal(states.Select(s => s.Id), members.Select(n => n.Member.Identity!.Id));

            net.Say(a, "still the second run");
            Assert.Equal(new[] { "first run", "second run", "still the second run" }, b.Messages.Select(m => m.Text));
        }

        [Fact]
        public void AnInsidersChosenMessageIdsAndSequenceNumbersOnlyAffectItsOwnMessages()
        {
            var net = Net();
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            var c = net.AddMember("c");
            net.JoinAll();
            ulong aId = Convert.ToUInt64(net.Say(a, "a one").MessageId, 16);
            ulong bId = Convert.ToUInt64(net.Say(b, "b one").MessageId, 16);

            // b seals Data of its own making: a's next ids, and one far ahead of its own.
            ulong q = 1;
            foreach (ulong id in new[] { aId + 1, aId + 2, unchecked(bId + (1UL << 62)) })
            {
                net.Inject(b.Member.SealToRelayForTests(SecureMemberKind.Data, SecureCodec.MemberDataBody(q++, id, 0, 1, SecureCodec.ContentText, new[] { (byte)'x' }, 0, 1)), b.Member.Self);
                net.Pump();
            }

            // The relay put b's member id on all three, so they are b's messages: a's next ones are untouched.
            // Message ids mean nothing to delivery (b's Q numbers order b's fragments), so all three are
            // delivered as b's; b's own next message reuses a Q it spent and never reaches anyone.
            net.Say(a, "a two");
            net.Say(a, "a three");
            net.Say(b, "b two");
            string aMember = a.Member.Identity!.Id;
            Assert.Equal(new[] { "a one", "a two", "a three" }, c.Messages.Where(m => m.Member!.Id == aMember).Select(m => m.Text));
            Assert.Equal(3, c.Messages.Count(m => m.Text == "x"));
            Assert.All(c.Messages.Where(m => m.Text == "x"), m => Assert.Equal(b.Member.Identity!.Id, m.Member!.Id));
            Assert.DoesNotContain(c.Messages, m => m.Text == "b two");
            Assert.DoesNotContain(a.Messages, m => m.Text == "b two");
        }

        private static void AssertTruncationsDropped(byte[] whole, Func<byte[], object> deliver, Func<long> drops)
        {
            for (int length = 0; length < whole.Length; length++)
            {
                long before = drops();
                deliver(whole.Take(length).ToArray());
                Assert.True(before + 1 == drops(), "a " + SecureWire.TypeOf(whole) + " cut to " + length + " bytes");
            }

            // A datagram whose record says it is shorter than it is (a truncated value, re-framed) too.
            for (int cut = 1; cut < whole.Length - 4; cut += 7)
            {
                byte[] value = SecureWire.ValueOf(whole).Take(whole.Length - 4 - cut).ToArray();
                long before = drops();
                deliver(TlvWriter.Encode(SecureWire.TypeOf(whole), value));
                Assert.True(before + 1 == drops(), "a " + SecureWire.TypeOf(whole) + " value cut by " + cut + " bytes");
            }
        }

        private SecureNet Net(SecureRelayOptions? options = null)
        {
            var net = new SecureNet(options);
            nets.Add(net);
            return net;
        }
    }
}
