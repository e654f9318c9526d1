using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>A Secure relay and members together, through an in-memory group where everyone hears everything.</summary>
    public class SecureSystemTests : IDisposable
    {
        private readonly SecureNet net = new SecureNet();

        public void Dispose() => net.Dispose();

        [Fact]
        public void FourMembersJoinAndEveryMessageReachesEveryOtherMemberWholeOnceAndVerified()
        {
            var nodes = new[] { "ada", "bo", "cy", "dee" }.Select(n => net.AddMember(n)).ToList();
            net.JoinAll();

            Assert.Equal(4, net.Relay.Members.Count(m => m.Connected));
            Assert.Equal(4, net.RelayEvents.Count(e => e.Kind == RelayEventKind.Joined));
            long epoch = net.Relay.Epoch!.Value;
            Assert.Equal(4, epoch);
            Assert.All(nodes, n => Assert.Equal(epoch, n.Member.Epoch));
            Assert.All(nodes, n => Assert.Equal(net.Relay.KeyFingerprint, n.Member.RelayFingerprint));
            foreach (var node in nodes)
            {
                // Everyone learnt everyone, with the name and key fingerprint the relay vouched for.
                Assert.Equal(nodes.Select(n => n.Member.Identity!.Id).OrderBy(x => x), node.Member.KnownMembers.Select(m => m.Id).OrderBy(x => x));
                var ada = node.Member.KnownMembers.Single(m => m.Id == nodes[0].Member.Identity!.Id);
                Assert.Equal("ada", ada.Name);
                Assert.Equal(nodes[0].Fingerprint, ada.KeyFingerprint);
            }

            string longText = string.Concat(Enumerable.Repeat("Perché no? €𝄞 ", 400));
            Assert.True(Encoding.UTF8.GetByteCount(longText) > 3 * 1271, "several fragments");
            net.Say(nodes[0], "hello");
            net.Say(nodes[1], longText);
            net.Say(nodes[2], "third");
            net.Say(nodes[0], "again");

            foreach (var node in nodes)
            {
                var expected = new List<(int From, string Text)> { (0, "hello"), (1, longText), (2, "third"), (0, "again") }
                    .Where(m => nodes[m.From] != node).ToList();
                var got = node.Messages.ToList();
                Assert.Equal(expected.Select(m => m.Text), got.Select(e => e.Text));
                Assert.Equal(expected.Select(m => nodes[m.From].Member.Identity!.Id), got.Select(e => e.Member!.Id));
                Assert.All(got, e => Assert.True(e.Verified));
                Assert.All(got, e => Assert.Equal(16, e.MessageId!.Length));
            }

            Assert.Equal(4, net.Relay.MessagesRelayed);
            var relayed = net.RelayEvents.Where(e => e.Kind == RelayEventKind.Relayed).ToList();
            Assert.Equal(Encoding.UTF8.GetByteCount(longText), relayed[1].TextBytes);
            Assert.All(relayed, e => Assert.Equal(3, e.Recipients));
            Assert.All(nodes, n => Assert.Equal(0, n.Member.Drops["BadSignature"] + n.Member.Drops["BadTag"] + n.Member.Drops["Replay"]));
            Assert.Equal(0, net.Relay.Drops.Total);
        }

        [Fact]
        public void TheSenderGetsMessageSentAndTheFragmentsItSent()
        {
            var a = net.AddMember("a");
            net.AddMember("b");
            net.JoinAll();
            int before = net.Log.Count;

            SentMessage sent = net.Say(a, new string('x', 3000));

            Assert.Equal(3, sent.Fragments);
            Assert.Equal(3000, sent.TextBytes);
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.MessageSent && e.MessageId == sent.MessageId);
            var fromA = net.Log.Skip(before).Where(l => l.Source.Equals(a.Member.Self)).ToList();
            Assert.Equal(3, fromA.Count);
            Assert.Equal(sent.WireBytes, fromA.Sum(l => l.Datagram.Length));
            Assert.All(fromA, l => Assert.Equal(TlvType.SecureMemberSealed, (TlvType)((l.Datagram[0] << 8) | l.Datagram[1])));
        }

        [Fact]
        public void ALeaveAndATimeOutAreAnnouncedAndEachStartsANewEpoch()
        {
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            var c = net.AddMember("c");
            net.JoinAll();
            long epoch = net.Relay.Epoch!.Value;

            net.Do(b, (m, o) => m.Leave(net.Clock.Now, o));
            net.Pump();
            Assert.Equal(MemberState.Closed, b.Member.State);
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.Left && e.Member!.Id == b.Member.Identity!.Id && e.Verified);
            Assert.Equal(epoch + 1, net.Relay.Epoch);
            Assert.Equal(epoch + 1, a.Member.Epoch);
            Assert.Contains(net.RelayEvents, e => e.Kind == RelayEventKind.Left && e.Member.Id == b.Member.Identity!.Id);

            c.Dead = true;
            net.Run(20);
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.Left && e.Member!.Id == c.Member.Identity!.Id);
            Assert.Contains(net.RelayEvents, e => e.Kind == RelayEventKind.TimedOut && e.Member.Id == c.Member.Identity!.Id);
            Assert.Equal(epoch + 2, net.Relay.Epoch);
            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(new[] { a.Member.Identity!.Id }, net.Relay.Members.Select(m => m.Id));
        }

        [Fact]
        public void AQuietGroupStaysConnectedOnHeartbeatsAndKeepAlives()
        {
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();

            net.Run(120, 0.5);

            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(MemberState.Connected, b.Member.State);
            Assert.Equal(2, net.Relay.Members.Count(m => m.Connected));
            Assert.DoesNotContain(net.RelayEvents, e => e.Kind == RelayEventKind.TimedOut);
            Assert.DoesNotContain(a.Events.Concat(b.Events), e => e.Kind == MemberEventKind.StateChanged && e.State == MemberState.RelayLost);
            Assert.True(net.Log.Count(l => SecureWire.Is(l.Datagram, TlvType.SecureGroupSealed)) >= 20, "heartbeats every 5 s for 2 minutes");
        }

        [Fact]
        public void TheRelayRekeysOnItsIntervalWithoutAMembershipChange()
        {
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();
            long epoch = net.Relay.Epoch!.Value;

            net.Run(SecureDefaults.RekeyInterval.TotalSeconds + 1, 0.5);

            Assert.Equal(epoch + 1, net.Relay.Epoch);
            Assert.Equal(epoch + 1, a.Member.Epoch);
            net.Say(a, "after the rekey");
            Assert.Equal("after the rekey", Assert.Single(b.Messages).Text);
        }

        [Fact]
        public void AMemberWhoseRelayWentSilentJoinsItAgainWithTheSameKey()
        {
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();
            string relayKey = net.Relay.KeyFingerprint;

            // Nothing from the relay reaches a for longer than three keep-alive intervals.
            net.Deliver = (d, source) => !(source.Equals(net.Relay.Self) && a.Member.State != MemberState.RelayLost);
            net.Run(16);
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.StateChanged && e.State == MemberState.RelayLost);
            net.Deliver = null;
            net.Run(3);

            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(relayKey, a.Member.RelayFingerprint);
            net.Say(b, "are you back?");
            Assert.Equal("are you back?", Assert.Single(a.Messages).Text);
        }

        [Fact]
        public void AfterTheRelayRestartsWithAnotherKeyAJoinedMemberFailsWithBothFingerprints()
        {
            var a = net.AddMember("a");
            net.JoinAll();
            string oldKey = net.Relay.KeyFingerprint;

            var stopping = new ProtocolOutput<RelayEvent>();
            net.Relay.Stop(net.Clock.Now, stopping);
            net.FromRelay(stopping);
            net.Pump();
            Assert.Equal(MemberState.RelayLost, a.Member.State);
            net.RestartRelay();

            net.Run(5);

            Assert.Equal(MemberState.Failed, a.Member.State);
            Assert.Equal(MemberFailureReason.RelayKeyChanged, a.Member.Failure!.Reason);
            Assert.Equal(oldKey, a.Member.Failure.ExpectedRelayFingerprint);
            Assert.Equal(net.Relay.KeyFingerprint, a.Member.Failure.OfferedRelayFingerprint);
            Assert.True(a.Member.Drops["UntrustedRelay"] >= 1);
            Assert.DoesNotContain(net.Relay.Members, m => m.Connected);
        }

        [Fact]
        public void AfterTheRelayRestartsWithTheSameKeyMembersJoinAgain()
        {
            string pkcs8;
            using (var relayKey = EcdsaP256PrivateKey.Generate())
            {
                pkcs8 = relayKey.ExportPkcs8Pem();
            }

            using var restarting = new SecureNet(relayKey: EcdsaP256PrivateKey.ImportPkcs8Pem(pkcs8));
            var a = restarting.AddMember("a");
            var b = restarting.AddMember("b");
            restarting.JoinAll();
            string oldMemberId = a.Member.Identity!.Id;

            var stopping = new ProtocolOutput<RelayEvent>();
            restarting.Relay.Stop(restarting.Clock.Now, stopping);
            restarting.FromRelay(stopping);
            restarting.Pump();
            restarting.RestartRelay(EcdsaP256PrivateKey.ImportPkcs8Pem(pkcs8));
            restarting.Run(3);

            Assert.Equal(MemberState.Connected, a.Member.State);
            Assert.Equal(MemberState.Connected, b.Member.State);
            Assert.NotEqual(oldMemberId, a.Member.Identity!.Id);
            restarting.Say(a, "new relay, same key");
            Assert.Equal("new relay, same key", Assert.Single(b.Messages).Text);
        }

        [Fact]
        public void TheRelayStopsTellingEveryoneWithSignedLeaves()
        {
            var a = net.AddMember("a");
            var b = net.AddMember("b");
            net.JoinAll();

            var stopping = new ProtocolOutput<RelayEvent>();
            net.Relay.Stop(net.Clock.Now, stopping);
            Assert.Single(stopping.Datagrams);
            net.FromRelay(stopping);
            net.Pump();

            Assert.Equal(2, stopping.Events.Count(e => e.Kind == RelayEventKind.Left));
            Assert.Contains(a.Events, e => e.Kind == MemberEventKind.Left && e.Member!.Id == b.Member.Identity!.Id && e.Verified);
            Assert.Equal(MemberState.RelayLost, a.Member.State);
            Assert.Empty(net.Relay.Members);
        }
    }
}
