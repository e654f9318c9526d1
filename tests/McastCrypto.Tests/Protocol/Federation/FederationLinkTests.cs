using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using Xunit;

namespace McastCrypto.Tests.Protocol.Federation
{
    /// <summary>Federation links joined by an in-memory bus: keys, order, roster, boots, time-outs, outages.</summary>
    public class FederationLinkTests
    {
        [Fact]
        public void TwoRelaysGrantEachOtherTheirKeysAndCarryEachSitesMessagesInOrderBothWays()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            Assert.All(new[] { net[0], net[1] }, n => Assert.True(Assert.Single(n.L.Peers).HasKey));
            Assert.Equal("site-b", Assert.Single(net[0].L.Peers).Site);

            byte[] aliceKey = net[0].Join(7, "alice");
            byte[] bobKey = net[1].Join(9, "bob", firstQ: 3);
            for (int i = 0; i < 40; i++)
            {
                net[0].Say(7, "a" + i);
                net[1].Say(9, "b" + i);
                if (i % 7 == 0)
                {
                    net.Pump();
                }
            }

            net.Pump();

            FederationRemoteEvent joined = net[1].From(net[0], 7).First();
            Assert.Equal(FederationRemoteEventKind.Joined, joined.Kind);
            Assert.Equal("alice", joined.Name);
            Assert.Equal(aliceKey, joined.IdentityKey);
            Assert.Equal(0UL, joined.NextQ);
            Assert.Equal("site-a", joined.OriginSite);
            Assert.Equal(Enumerable.Range(0, 40).Select(i => (ulong)i), net[1].DataQ(net[0], 7));
            Assert.Equal("a39", Encoding.UTF8.GetString(net[1].Of(FederationRemoteEventKind.Data).Last().Fragment!.Payload));

            FederationRemoteEvent bob = net[0].From(net[1], 9).First();
            Assert.Equal(FederationRemoteEventKind.Joined, bob.Kind);
            Assert.Equal(bobKey, bob.IdentityKey);
            Assert.Equal(3UL, bob.NextQ);
            Assert.Equal("site-b", bob.OriginSite);
            Assert.Equal(Enumerable.Range(3, 40).Select(i => (ulong)i), net[0].DataQ(net[1], 9));
            Assert.Equal(string.Empty, net[0].L.Drops + "" + net[1].L.Drops);
        }

        [Fact]
        public void AnEnvelopeCostsItsPublisherOneSealAndOneSignatureAndEachReceiverOneVerifyAndOneOpen()
        {
            using var net = new FederationNet(3);
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();
            var before = new[] { net[0], net[1], net[2] }.Select(n => (n.L.Operations.Signatures, n.L.Operations.Seals, n.L.Operations.Verifications, n.L.Operations.Opens)).ToArray();

            for (int i = 0; i < 25; i++)
            {
                net[0].Say(1, new string('x', 500));
            }

            net.Pump();

            var a = net[0].L.Operations;
            Assert.Equal(1, a.Signatures - before[0].Signatures);
            Assert.Equal(1, a.Seals - before[0].Seals);
            foreach (int r in new[] { 1, 2 })
            {
                var ops = net[r].L.Operations;
                Assert.Equal(1, ops.Verifications - before[r].Verifications);
                Assert.Equal(1, ops.Opens - before[r].Opens);
                Assert.Equal(0, ops.Signatures - before[r].Signatures);
                Assert.Equal(25, net[r].DataQ(net[0], 1).Count);
            }
        }

        [Fact]
        public void ARelayThatStartsLaterLearnsEveryMemberFromTheRosterAndARosterDropsWhoIsGone()
        {
            using var net = new FederationNet(3, started: 2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Join(2, "carol");
            net[0].Say(1, "before C");
            net.Run(1);

            net.Start(2);
            net.Run(3);
            List<FederationRemoteEvent> joined = net[2].Of(FederationRemoteEventKind.Joined);
            Assert.Equal(new[] { "alice", "carol" }, joined.Where(e => e.OriginFingerprint == net[0].Fingerprint).Select(e => e.Name).Distinct().OrderBy(n => n));
            Assert.All(joined.Where(e => e.Name == "alice"), e => Assert.Equal(1UL, e.NextQ));
            Assert.Empty(net[2].DataQ(net[0], 1));

            // The envelope with carol's Left never reaches C, nor any repair of it: once C gives it up,
            // the next full roster (which does not list carol) tells C she is gone.
            string inboxC = "mcastcrypto.inbox." + net[2].L.RelayId;
            ulong leftF = (ulong)net[0].L.EnvelopesPublished;
            string relayA = "mcastcrypto.relay." + net[0].L.RelayId;
            net.Hub.Filter = (s, p) => !(p[1] == 0x04 && (s == inboxC || (s == relayA && BigEndian.ReadU64(p, 26) == leftF)));
            net[0].L.LocalLeft(2, SecureLeftReason.Left, net.Clock.Now);
            net.Run(2);
            Assert.Single(net[1].Of(FederationRemoteEventKind.Left)); // B repaired it and got the record itself
            Assert.Empty(net[2].Of(FederationRemoteEventKind.Left));
            net.Run(12);
            Assert.Equal(1, net[2].L.GivenUp);
            FederationRemoteEvent left = Assert.Single(net[2].Of(FederationRemoteEventKind.Left));
            Assert.Equal(2U, left.MemberId);
            // alice stays: every roster repeats her Joined (the relay ignores it for a member it shows), never a Left.
            Assert.All(net[2].Of(FederationRemoteEventKind.Joined).Where(e => e.Name == "alice"), e => Assert.Equal(1UL, e.NextQ));
        }

        [Fact]
        public void ANewBootOfARelayEndsItsOldMembersAndItsNewStreamIsDeliveredFromTheStart()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "first boot");
            net.Pump();
            string oldBoot = net[0].L.Boot;

            net.Start(0);
            Assert.NotEqual(oldBoot, net[0].L.Boot);
            net.Run(2);
            FederationRemoteEvent left = Assert.Single(net[1].Of(FederationRemoteEventKind.Left));
            Assert.Equal(SecureLeftReason.RelayStopping, left.LeftReason);

            net[0].Join(1, "alice again");
            net[0].Say(1, "second boot");
            net.Pump();
            Assert.Equal(new ulong[] { 0, 0 }, net[1].DataQ(net[0], 1));
            Assert.Equal("alice again", net[1].Of(FederationRemoteEventKind.Joined).Last().Name);
            Assert.Equal(net[0].L.Boot, Assert.Single(net[1].L.Peers).Boot);
        }

        [Fact]
        public void ARelayNotHeardForThePeerTimeoutIsForgottenAndItsMembersLeaveTimedOut()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();

            net[0].Bus!.LinkUp = false; // only A loses its connection: B still hears the server
            net.Run(29);
            Assert.Empty(net[1].Of(FederationRemoteEventKind.Left));
            net.Run(2);
            FederationRemoteEvent left = Assert.Single(net[1].Of(FederationRemoteEventKind.Left));
            Assert.Equal(SecureLeftReason.TimedOut, left.LeftReason);
            Assert.Empty(net[1].L.Peers);

            // A comes back (same boot): B takes it again and learns its members from its roster.
            net[0].Bus!.LinkUp = true;
            net.Run(4);
            Assert.True(Assert.Single(net[1].L.Peers).HasKey);
            Assert.Equal(2, net[1].From(net[0], 1).Count(e => e.Kind == FederationRemoteEventKind.Joined));
            net[0].Say(1, "back");
            net.Pump();
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void AnOutageShorterThanTheBufferLosesNothingEvenWhenLongerThanTheTimeOutsAndDeliversNothingTwice()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[1].Join(2, "bob");
            net.Pump();
            net[0].Say(1, "a-before");
            net[1].Say(2, "b-before");
            net.Pump();

            net.Hub.Up = false;
            for (int i = 0; i < 45; i++)
            {
                net[0].Say(1, "a" + i);
                net[1].Say(2, "b" + i);
                net.Run(1);
            }

            Assert.Empty(net[0].Of(FederationRemoteEventKind.Left).Concat(net[1].Of(FederationRemoteEventKind.Left)));
            net.Hub.Up = true;
            net.Run(3);

            Assert.Equal(Enumerable.Range(0, 46).Select(i => (ulong)i), net[1].DataQ(net[0], 1));
            Assert.Equal(Enumerable.Range(0, 46).Select(i => (ulong)i), net[0].DataQ(net[1], 2));
            Assert.Empty(net[0].Of(FederationRemoteEventKind.Lost).Concat(net[1].Of(FederationRemoteEventKind.Lost)));
            Assert.Empty(net[0].Of(FederationRemoteEventKind.Left).Concat(net[1].Of(FederationRemoteEventKind.Left)));
            Assert.True(net[1].L.RepairsRequested > 0);
            Assert.True(net[0].L.RepairsServed >= 45);
            Assert.Equal(0, net[1].L.GivenUp + net[1].L.Unavailable);
        }

        [Fact]
        public void WhenTheBusSendsWhatItBufferedDuringAnOutageAfterTheRepairsNothingIsDeliveredTwice()
        {
            using var net = new FederationNet(2);
            net.Hub.BufferWhileDown = true;
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();

            net.Hub.Up = false;
            for (int i = 0; i < 20; i++)
            {
                net[0].Say(1, "a" + i);
                net.Run(0.5);
            }

            net.Hub.Up = true;
            net.Run(2);
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (ulong)i), net[1].DataQ(net[0], 1));
            int events = net[1].Events.Count;
            long duplicates = net[1].L.Drops[FederationLink.Duplicate];

            net.Hub.ReleaseBuffered();
            net.Pump();
            Assert.Equal(events, net[1].Events.Count);
            Assert.True(net[1].L.Drops[FederationLink.Duplicate] - duplicates >= 20);
            Assert.Equal(Enumerable.Range(0, 20).Select(i => (ulong)i), net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void AnOutageLongerThanTheBufferGivesLostEventsWhoseNextQIsWhereEachMembersStreamResumes()
        {
            using var net = new FederationNet(2, configure: (i, o) => o.RetransmitBufferSize = 8);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Join(2, "dave");
            net.Pump();
            net[0].Say(1, "before");
            net.Pump();

            net.Hub.Up = false;
            for (int i = 0; i < 30; i++)
            {
                net[0].Say(1, "a" + i);
                if (i % 3 == 0)
                {
                    net[0].Say(2, "d" + i);
                }

                net.Run(0.2);
            }

            net.Hub.Up = true;
            net.Run(3);

            Assert.True(net[1].L.Unavailable > 0);
            Assert.True(net[1].L.Lost >= 1);
            foreach ((uint member, ulong total) in new[] { (1U, 31UL), (2U, 10UL) })
            {
                // Read each member's stream as its group would: Data in Q order, a Lost skips to its NextQ.
                ulong expected = 0;
                int lost = 0;
                foreach (FederationRemoteEvent e in net[1].From(net[0], member))
                {
                    if (e.Kind == FederationRemoteEventKind.Data)
                    {
                        Assert.Equal(expected, e.Fragment!.Sequence);
                        expected++;
                    }
                    else if (e.Kind == FederationRemoteEventKind.Lost)
                    {
                        Assert.True(e.NextQ > expected, "a Lost moves forward");
                        expected = e.NextQ;
                        lost++;
                    }
                }

                Assert.Equal(total, expected);
                Assert.Equal(1, lost);
            }
        }

        [Fact]
        public void NothingIsGivenUpWhileTheBusIsDisconnectedButAHoleIsGivenUpAfterTheRepairTimeOutWhileConnected()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();

            // The envelope with Q 1 is lost on its way, and so is every answer to B's repair requests.
            string inboxB = "mcastcrypto.inbox." + net[1].L.RelayId;
            net[0].Say(1, "q0");
            net.Pump();
            ulong lostF = (ulong)net[0].L.EnvelopesPublished;
            net.Hub.Filter = (s, p) => !(p[1] == 0x04 && (s == inboxB || BigEndian.ReadU64(p, 26) == lostF));
            net[0].Say(1, "q1");
            net.Pump();
            net[0].Say(1, "q2");
            net.Pump();
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));

            net[1].Bus!.LinkUp = false;
            net.Run(60);
            Assert.Equal(0, net[1].L.GivenUp);
            net[1].Bus!.LinkUp = true;
            net.Run(9);
            Assert.Equal(0, net[1].L.GivenUp);
            net.Run(2);
            Assert.Equal(1, net[1].L.GivenUp);

            List<FederationRemoteEvent> after = net[1].From(net[0], 1).Skip(2).ToList();
            Assert.Equal(FederationRemoteEventKind.Lost, after[0].Kind);
            Assert.Equal(2UL, after[0].NextQ);
            Assert.Equal(new ulong[] { 0, 2 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void EnvelopesBeyondTheHoldWindowAreDroppedAndRepairedLaterSoAllArriveOnceInOrder()
        {
            using var net = new FederationNet(2, configure: (i, o) => o.HoldEnvelopes = 4);
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();
            net[0].Say(1, "q0");
            net.Pump();

            ulong dropF = (ulong)net[0].L.EnvelopesPublished;
            bool dropped = false;
            net.Hub.Filter = (s, p) =>
            {
                if (!dropped && p[1] == 0x04 && BigEndian.ReadU64(p, 26) == dropF)
                {
                    dropped = true;
                    return false;
                }

                return true;
            };
            for (int i = 1; i <= 12; i++)
            {
                net[0].Say(1, "q" + i);
                net.Pump();
            }

            Assert.True(net[1].L.Drops[FederationLink.HoldLimit] > 0);
            net.Run(2);
            Assert.Equal(Enumerable.Range(0, 13).Select(i => (ulong)i), net[1].DataQ(net[0], 1));
            Assert.Equal(0, net[1].L.GivenUp);
        }

        [Fact]
        public void DuplicatesFromTheBusAreDeliveredOnce()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            for (int i = 0; i < 5; i++)
            {
                net[0].Say(1, "m" + i);
                net.Pump();
            }

            int events = net[1].Events.Count;
            var envelopes = net.Hub.Log.Where(m => m.Payload[1] == 0x04 && m.Subject.Contains(net[0].L.RelayId)).ToList();
            foreach ((string subject, byte[] payload) in envelopes)
            {
                net.Hub.Inject(subject, payload);
                net.Hub.Inject("mcastcrypto.inbox." + net[1].L.RelayId, payload); // as a repair answer
            }

            net.Pump();
            Assert.Equal(events, net[1].Events.Count);
            Assert.Equal(2 * envelopes.Count, net[1].L.Drops[FederationLink.Duplicate]);
            Assert.Equal(Enumerable.Range(0, 5).Select(i => (ulong)i), net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void WhatTheBusCarriesHidesSitesNamesAndContent()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice-secret-name");
            net[0].Say(1, "the-secret-content");
            net.Run(6);
            Assert.NotEmpty(net[1].DataQ(net[0], 1));
            foreach ((string subject, byte[] payload) in net.Hub.Log)
            {
                string text = Encoding.UTF8.GetString(payload);
                Assert.DoesNotContain("alice-secret-name", text);
                Assert.DoesNotContain("the-secret-content", text);
                Assert.DoesNotContain("site-a", text);
                Assert.DoesNotContain("site-b", text);
                Assert.DoesNotContain("site", subject);
            }
        }

        [Fact]
        public void RelaysWithDifferentDatagramSizesRefuseEachOtherAndSayWhy()
        {
            using var net = new FederationNet(2, configure: (i, o) => o.MaxDatagramBytes = i == 0 ? 1400 : 1200);
            net.Run(3);
            net[0].Join(1, "alice");
            net[0].Say(1, "x");
            net.Run(3);
            Assert.Empty(net[1].Events);
            Assert.True(net[0].L.Drops[FederationLink.DatagramSizeMismatch] > 0);
            Assert.True(net[1].L.Drops[FederationLink.DatagramSizeMismatch] > 0);
            FederationPeerInfo peer = Assert.Single(net[1].L.Peers);
            Assert.False(peer.HasKey);
            Assert.Contains("1400", peer.Refusal);
        }

        [Fact]
        public void ARelayRestartedWithItsClockSteppedBackIsRefusedUntilItsClockPassesItsLastAcceptedTime()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "old boot");
            net.Run(1);
            string oldBoot = Assert.Single(net[1].L.Peers).Boot;

            // A starts again with its clock a minute behind: its announces are older than its last.
            net[0].ClockOffset = TimeSpan.FromMinutes(-1);
            net.Start(0);
            net.Run(5);
            Assert.Equal(oldBoot, Assert.Single(net[1].L.Peers).Boot);
            Assert.True(net[1].L.Drops[FederationLink.Replay] >= 4);

            // Its old boot silent for PeerTimeout is forgotten, and the new one is still refused:
            // announce times only go up, whatever boot they come from.
            net.Run(30);
            Assert.Empty(net[1].L.Peers);

            // Once its clock is past the time of its last accepted announce, it is taken.
            net.Run(30);
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);
            Assert.NotEqual(oldBoot, a.Boot);
            Assert.True(a.HasKey);
            net[0].Join(1, "alice");
            net[0].Say(1, "new boot");
            net.Run(2);
            Assert.Equal(new ulong[] { 0, 0 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void AHoleFoundAfterAQuietSpellLongerThanTheRepairTimeOutIsRepairedNotGivenUp()
        {
            // A roster less often than the repair time-out: a quiet stream sees no Envelope for longer.
            using var net = new FederationNet(2, configure: (i, o) =>
            {
                o.RepairTimeout = TimeSpan.FromSeconds(2);
                o.RosterInterval = TimeSpan.FromSeconds(25);
            });
            net.Run(3);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));
            net.Run(5);

            // A's next Envelope is lost on the way; B learns of the hole from A's next Announce.
            string relayA = "mcastcrypto.relay." + net[0].L.RelayId;
            bool dropped = false;
            net.Hub.Filter = (subject, payload) =>
            {
                if (!dropped && subject == relayA && payload[1] == FederationCodec.KindEnvelope)
                {
                    dropped = true;
                    return false;
                }

                return true;
            };
            net[0].Say(1, "q1");
            net.Pump();
            Assert.True(dropped);
            net.Run(3);

            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
            Assert.Equal(0, net[1].L.GivenUp);
            Assert.Empty(net[1].Of(FederationRemoteEventKind.Lost));
            Assert.True(net[1].L.RepairsRequested >= 1);
        }
    }
}
