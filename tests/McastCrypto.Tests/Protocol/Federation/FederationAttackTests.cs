using System;
using System.Collections.Generic;
using System.Linq;
using FsCheck;
using FsCheck.Xunit;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using Xunit;

namespace McastCrypto.Tests.Protocol.Federation
{
    /// <summary>
    /// Everything a bus message can change, attacked: who may speak (authorized relays), that it is
    /// theirs (signatures, origin binding), that it is new (replays, old boots), that it is whole
    /// (tags, lengths) and that answering it is bounded (repair budgets).
    /// </summary>
    public class FederationAttackTests
    {
        private const string Prefix = "mcastcrypto";

        [Fact]
        public void ARelayNotListedIsIgnoredCountedAndNeverGrantedAKey()
        {
            // Relay 2 lists the others, but they do not list it.
            using var net = new FederationNet(3, configure: (i, o) =>
            {
                if (i < 2)
                {
                    o.AuthorizedRelays = new HashSet<string>(o.AuthorizedRelays.Take(1));
                }
            });
            net.Run(3);
            net[2].Join(1, "mallory");
            net[2].Say(1, "let me in");
            net.Run(6);

            foreach (int r in new[] { 0, 1 })
            {
                Assert.DoesNotContain(net[r].Events, e => e.OriginFingerprint == net[2].Fingerprint);
                Assert.True(net[r].L.Drops[FederationLink.UnauthorizedRelay] >= 6);
                Assert.DoesNotContain(net[r].L.Peers, p => p.Fingerprint == net[2].Fingerprint);
                Assert.DoesNotContain(net[r].Published, p => p.Subject == Prefix + ".inbox." + net[2].L.RelayId);
                Assert.Single(net[r].L.Peers);
            }

            Assert.Equal(0, net[0].L.Drops[FederationLink.BadSignature]);
        }

        [Fact]
        public void AForgedIdentityOnAListedRelaysSubjectIsRefusedAndItsForgedEnvelopeCannotTakeTheRealOnesPlace()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();
            using EcdsaP256PrivateKey forger = EcdsaP256PrivateKey.Generate();
            string relayA = Prefix + ".relay." + net[0].L.RelayId;
            string bootB = Assert.Single(net[1].L.Peers).Boot;

            // An announce on A's subject with the forger's key: not the key A's fingerprint names.
            byte[] announce = FederationCodec.AnnounceUnsigned(forger.PublicKey.Point, new byte[16], EcdhP256.Generate().PublicKey, ulong.MaxValue, 0);
            net.Hub.Inject(relayA, Sign(forger, FederationCodec.AnnounceLabel, announce));

            // An envelope in A's name (A's id and boot, the F B waits for) signed by the forger.
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);
            byte[] envelope = new byte[FederationCodec.EnvelopeOverhead + 40];
            Buffer.BlockCopy(FederationCodec.EnvelopeHeader(Id(net[0]), Convert.FromHexString(a.Boot), a.ExpectedF), 0, envelope, 0, FederationCodec.EnvelopeHeaderLength);
            net.Hub.Inject(relayA, Sign(forger, FederationCodec.EnvelopeLabel, envelope));
            net.Pump();

            Assert.Equal(1, net[1].L.Drops[FederationLink.UnauthorizedRelay]);
            Assert.Equal(1, net[1].L.Drops[FederationLink.BadSignature]);
            Assert.Equal(a.Boot, Assert.Single(net[1].L.Peers).Boot);
            Assert.Equal(bootB, a.Boot);

            net[0].Say(1, "the real one");
            net.Pump();
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));
            Assert.Equal(0, net[1].L.Drops[FederationLink.Duplicate]);
        }

        [Fact]
        public void MessagesWithAListedRelaysNameButNotItsSignatureAreBadSignatureAndChangeNothing()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            using EcdsaP256PrivateKey forger = EcdsaP256PrivateKey.Generate();
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);
            string inboxB = Prefix + ".inbox." + net[1].L.RelayId;

            // A's genuine announce with a later time but the old signature.
            byte[] announce = (byte[])net.Hub.Log.Last(m => m.Payload[1] == FederationCodec.KindAnnounce && m.Subject.EndsWith(net[0].L.RelayId, StringComparison.Ordinal)).Payload.Clone();
            announce[2 + 65 + 16 + 65] ^= 0x40;
            net.Hub.Inject(Prefix + ".relay." + net[0].L.RelayId, announce);

            // An Unavailable "from A" for everything B waits for: it would make B give up.
            var unavailable = FederationCodec.RangesUnsigned(
                FederationCodec.KindUnavailable, Id(net[0]), Id(net[1]), Convert.FromHexString(a.Boot), Convert.FromHexString(net[1].L.Boot), 1_000_000,
                new List<FederationRange> { new FederationRange(0, ulong.MaxValue) });
            net.Hub.Inject(inboxB, Sign(forger, FederationCodec.UnavailableLabel, unavailable));

            // A repair request "from A" to B.
            var repair = FederationCodec.RangesUnsigned(
                FederationCodec.KindRepairRequest, Id(net[0]), Id(net[1]), Convert.FromHexString(a.Boot), Convert.FromHexString(net[1].L.Boot), 1_000_000,
                new List<FederationRange> { new FederationRange(0, 100) });
            net.Hub.Inject(inboxB, Sign(forger, FederationCodec.RepairRequestLabel, repair));
            long served = net[1].L.RepairsServed;
            net.Pump();

            Assert.Equal(3, net[1].L.Drops[FederationLink.BadSignature]);
            Assert.Equal(0, net[1].L.Unavailable);
            Assert.Equal(served, net[1].L.RepairsServed);
            net[0].Say(1, "q1");
            net.Run(2);
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
            Assert.Empty(net[1].Of(FederationRemoteEventKind.Lost));
        }

        [Fact]
        public void ReplaysOfAnnouncesGrantsAndEnvelopesOfTheCurrentAndOfAnOldBootChangeNothing()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "old boot");
            net.Run(1);
            string relayA = Prefix + ".relay." + net[0].L.RelayId;
            string inboxB = Prefix + ".inbox." + net[1].L.RelayId;
            var oldBoot = net.Hub.Log.Where(m => m.Subject == relayA || m.Subject == inboxB).ToList();
            Assert.Contains(oldBoot, m => m.Payload[1] == FederationCodec.KindGrant);
            Assert.Contains(oldBoot, m => m.Payload[1] == FederationCodec.KindEnvelope);

            net.Start(0);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "new boot");
            net.Run(1);
            int events = net[1].Events.Count;
            string boot = Assert.Single(net[1].L.Peers).Boot;
            long replays = net[1].L.Drops[FederationLink.Replay];
            long duplicates = net[1].L.Drops[FederationLink.Duplicate];

            int oldCount = 0;
            foreach ((string subject, byte[] payload) in oldBoot)
            {
                net.Hub.Inject(subject, payload);
                oldCount++;
            }

            net.Pump();
            Assert.Equal(oldCount, net[1].L.Drops[FederationLink.Replay] - replays);

            // The current boot's announce again, and its grant again.
            (string s1, byte[] p1) = net.Hub.Log.Last(m => m.Payload[1] == FederationCodec.KindAnnounce && m.Subject.EndsWith(net[0].L.RelayId, StringComparison.Ordinal));
            (string s2, byte[] p2) = net.Hub.Log.Last(m => m.Payload[1] == FederationCodec.KindGrant && m.Subject.EndsWith(net[1].L.RelayId, StringComparison.Ordinal));
            net.Hub.Inject(s1, p1);
            net.Hub.Inject(s2, p2);
            net.Pump();
            Assert.Equal(oldCount + 1, net[1].L.Drops[FederationLink.Replay] - replays);
            Assert.Equal(1, net[1].L.Drops[FederationLink.Duplicate] - duplicates);
            Assert.Equal(events, net[1].Events.Count);
            Assert.Equal(boot, Assert.Single(net[1].L.Peers).Boot);
        }

        [Fact]
        public void ARelayForgottenAfterItsTimeOutCannotBeReplayedNorRolledBackByItsRecordedGrant()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net[0].Say(1, "q1");
            net.Run(2);
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
            string relayA = Prefix + ".relay." + net[0].L.RelayId;
            string inboxB = Prefix + ".inbox." + net[1].L.RelayId;
            var recorded = net.Hub.Log.Where(m => m.Subject == relayA || m.Subject == inboxB).ToList();
            (string grantSubject, byte[] grant) = recorded.Last(m => m.Payload[1] == FederationCodec.KindGrant);

            // A loses its own connection; B, still connected, forgets it after PeerTimeout.
            net[0].Bus!.LinkUp = false;
            net.Run(31);
            Assert.Empty(net[1].L.Peers);
            // Everything A said, replayed in order: its announces, its grant to B's boot, its envelopes.
            AssertReplayedToAForgetfulRelayChangesNothing(net, recorded);

            // A comes back (the same boot) and its recorded grant is replayed at once after its announce:
            // B delivers from where it stopped, never A's stream again.
            net[0].Bus!.LinkUp = true;
            net.Step();
            net.Hub.Inject(grantSubject, grant);
            net.Pump();
            net[0].Say(1, "q2");
            net.Run(6);
            Assert.Equal(new ulong[] { 0, 1, 2 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void ARecordedAnnounceOfANeverHeardOlderBootCannotLockOutTheRealBootOfARelayForgotten()
        {
            using var net = new FederationNet(2);

            // A boot X of A's key ten seconds ago, whose Announce B never heard: recorded by an attacker.
            DateTimeOffset earlier = net.Clock.Now - TimeSpan.FromSeconds(10);
            byte[] recordedAnnounce;
            string relayA = Prefix + ".relay." + net[0].L.RelayId;
            using (var boot = new FederationLink(net[0].Key, net.OptionsFor(0), earlier))
            {
                boot.SetConnected(true, earlier);
                boot.Tick(earlier);
                recordedAnnounce = boot.TakePublications().First(p => p.Subject == relayA && p.Payload[1] == FederationCodec.KindAnnounce).Payload;
            }

            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Run(1);
            string realBoot = Assert.Single(net[1].L.Peers).Boot;

            // The bus withholds A from B past PeerTimeout: B forgets A's real boot Y.
            net[0].Bus!.LinkUp = false;
            net.Run(31);
            Assert.Empty(net[1].L.Peers);
            long replays = net[1].L.Drops[FederationLink.Replay];

            net.Hub.Inject(relayA, recordedAnnounce);
            net.Pump();
            Assert.Equal(1, net[1].L.Drops[FederationLink.Replay] - replays);
            Assert.Empty(net[1].L.Peers);

            // Y's next announce is still taken, and its stream goes on.
            net[0].Bus!.LinkUp = true;
            net.Run(3);
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);
            Assert.Equal(realBoot, a.Boot);
            Assert.True(a.HasKey);
            net[0].Say(1, "q1");
            net.Run(6);
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void AnOldBootReplayedAfterTheNewerBootIsForgottenIsRefusedAndDeliversNothing()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "old boot");
            net.Run(1);
            string relayA = Prefix + ".relay." + net[0].L.RelayId;
            string inboxB = Prefix + ".inbox." + net[1].L.RelayId;
            var oldBoot = net.Hub.Log.Where(m => m.Subject == relayA || m.Subject == inboxB).ToList();
            Assert.Contains(oldBoot, m => m.Payload[1] == FederationCodec.KindGrant);
            Assert.Contains(oldBoot, m => m.Payload[1] == FederationCodec.KindEnvelope);

            // A new boot, then B forgets it too: B knows no boot of A, and the old one was forgotten first.
            net.Start(0);
            net.Run(2);
            string newBoot = Assert.Single(net[1].L.Peers).Boot;
            net[0].Bus!.LinkUp = false;
            net.Run(31);
            Assert.Empty(net[1].L.Peers);
            AssertReplayedToAForgetfulRelayChangesNothing(net, oldBoot);

            net[0].Bus!.LinkUp = true;
            net.Run(3);
            Assert.Equal(newBoot, Assert.Single(net[1].L.Peers).Boot);

            // The old boot's message was delivered once, in its time, and never again.
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void ARequestShorterThanAKeyRequestIsMalformedBeforeItsAddressIsRead()
        {
            using var net = new FederationNet(2);
            net.Run(1);
            string inboxB = Prefix + ".inbox." + net[1].L.RelayId;

            // Long enough for a pair header and a signature (a Grant's minimum), not for a request;
            // addressed to no relay: the length is checked first, as protocol.md says.
            byte[] shortRequest = new byte[FederationCodec.PairHeaderLength + FederationCodec.SignatureLength];
            shortRequest[0] = FederationCodec.Version;
            shortRequest[1] = FederationCodec.KindKeyRequest;
            Assert.True(shortRequest.Length < FederationCodec.KeyRequestLength);
            byte[] request = new byte[FederationCodec.KeyRequestLength];
            Buffer.BlockCopy(shortRequest, 0, request, 0, 2);

            long malformed = net[1].L.Drops[FederationLink.Malformed];
            long notForUs = net[1].L.Drops[FederationLink.NotForUs];
            net.Hub.Inject(inboxB, shortRequest);
            net.Pump();
            Assert.Equal(1, net[1].L.Drops[FederationLink.Malformed] - malformed);
            Assert.Equal(notForUs, net[1].L.Drops[FederationLink.NotForUs]);

            net.Hub.Inject(inboxB, request);
            net.Pump();
            Assert.Equal(1, net[1].L.Drops[FederationLink.NotForUs] - notForUs);
        }

        [Fact]
        public void AForgedEnvelopeTooFarAheadToHoldMovesNothingAndCausesNoRepairOrGiveUp()
        {
            using var net = new FederationNet(2, configure: (i, o) => o.HoldEnvelopes = 8);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);
            using EcdsaP256PrivateKey forger = EcdsaP256PrivateKey.Generate();

            // A's id and boot, an F far past what B can hold, a signature that is not A's.
            byte[] envelope = new byte[FederationCodec.EnvelopeOverhead + 40];
            Buffer.BlockCopy(FederationCodec.EnvelopeHeader(Id(net[0]), Convert.FromHexString(a.Boot), a.ExpectedF + 1000), 0, envelope, 0, FederationCodec.EnvelopeHeaderLength);
            net.Hub.Inject(Prefix + ".relay." + net[0].L.RelayId, Sign(forger, FederationCodec.EnvelopeLabel, envelope));
            long requested = net[1].L.RepairsRequested;
            net.Pump();

            Assert.Equal(1, net[1].L.Drops[FederationLink.HoldLimit]);
            FederationPeerInfo after = Assert.Single(net[1].L.Peers);
            Assert.Equal(a.NextF, after.NextF);
            Assert.Equal(0UL, after.Missing);
            net.Run(12);
            Assert.Equal(requested, net[1].L.RepairsRequested);
            Assert.Equal(0, net[1].L.GivenUp);
            net[0].Say(1, "q1");
            net.Pump();
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
            Assert.Equal(0, net[1].L.Drops[FederationLink.Duplicate]);
        }

        [Fact]
        public void ARelayGrantingWithASiteInUseIsRefusedByEveryOtherRelay()
        {
            using var net = new FederationNet(3, started: 2);
            net.Run(2);
            FederationOptions impostor = net.OptionsFor(2);
            impostor.Site = net[0].Site;
            net.Start(2, impostor);
            net.Run(3);
            net[2].Join(1, "alice");
            net[2].Say(1, "from site-a, says C");
            net.Run(2);

            foreach (int r in new[] { 0, 1 })
            {
                Assert.True(net[r].L.Drops[FederationLink.SiteInUse] >= 1);
                FederationPeerInfo c = net[r].L.Peers.Single(p => p.Fingerprint == net[2].Fingerprint);
                Assert.False(c.HasKey);
                Assert.NotNull(c.Refusal);
                Assert.DoesNotContain(net[r].Events, e => e.OriginFingerprint == net[2].Fingerprint);
            }

            Assert.True(net[1].L.Peers.Single(p => p.Fingerprint == net[0].Fingerprint).HasKey);
        }

        [Fact]
        public void ASiteTakenByAnotherRelayIsGivenToItsRelayOnceTheSquatterIsForgotten()
        {
            using var net = new FederationNet(3, started: 0);
            net.Start(1);
            FederationOptions squatter = net.OptionsFor(2);
            squatter.Site = net[0].Site;
            net.Start(2, squatter);
            net.Run(3);
            Assert.True(net[1].L.Peers.Single(p => p.Fingerprint == net[2].Fingerprint).HasKey);

            // A, whose site C took first, is refused by B, which names the holder.
            net.Start(0);
            net.Run(3);
            FederationPeerInfo refused = net[1].L.Peers.Single(p => p.Fingerprint == net[0].Fingerprint);
            Assert.False(refused.HasKey);
            Assert.Contains(net[2].Fingerprint, refused.Refusal);

            // C goes silent and B forgets it: A is asked again and gets in.
            net[2].Bus!.LinkUp = false;
            net.Run(31);
            Assert.DoesNotContain(net[1].L.Peers, p => p.Fingerprint == net[2].Fingerprint);
            FederationPeerInfo a = net[1].L.Peers.Single(p => p.Fingerprint == net[0].Fingerprint);
            Assert.True(a.HasKey);
            Assert.Null(a.Refusal);
            Assert.Equal(net[0].Site, a.Site);
            net[0].Join(1, "alice");
            net[0].Say(1, "site-a, from A");
            net.Run(2);
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void ARelayCannotPublishAsAnotherEvenWhenBothAreListed()
        {
            using var net = new FederationNet(3);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "from A");
            net.Pump();
            (string subject, byte[] genuine) = net.Hub.Log.Last(m => m.Payload[1] == FederationCodec.KindEnvelope && m.Subject.EndsWith(net[0].L.RelayId, StringComparison.Ordinal));
            FederationPeerInfo bAtC = net[2].L.Peers.Single(p => p.Fingerprint == net[1].Fingerprint);
            FederationPeerInfo aAtC = net[2].L.Peers.Single(p => p.Fingerprint == net[0].Fingerprint);
            int events = net[2].Events.Count;

            // B signs A's envelope with its own key, as it is (on A's subject and to C's inbox).
            byte[] resigned = Sign(net[1].Key, FederationCodec.EnvelopeLabel, (byte[])genuine.Clone());
            net.Hub.Inject(subject, resigned);

            // ... with A's F moved on to the one C waits for, so it is not a mere duplicate.
            byte[] next = (byte[])genuine.Clone();
            BigEndian.WriteU64(next, 26, aAtC.ExpectedF);
            net.Hub.Inject(Prefix + ".inbox." + net[2].L.RelayId, Sign(net[1].Key, FederationCodec.EnvelopeLabel, next));

            // ... as its own (its id, A's boot).
            byte[] asB = (byte[])genuine.Clone();
            Buffer.BlockCopy(Id(net[1]), 0, asB, 2, 8);
            net.Hub.Inject(Prefix + ".relay." + net[1].L.RelayId, Sign(net[1].Key, FederationCodec.EnvelopeLabel, asB));

            // ... as its own (its id and boot, its next F): A's sealed records under B's header.
            byte[] asBoot = (byte[])asB.Clone();
            Buffer.BlockCopy(Convert.FromHexString(bAtC.Boot), 0, asBoot, 10, 16);
            BigEndian.WriteU64(asBoot, 26, bAtC.ExpectedF);
            net.Hub.Inject(Prefix + ".relay." + net[1].L.RelayId, Sign(net[1].Key, FederationCodec.EnvelopeLabel, asBoot));
            net.Pump();

            Assert.Equal(events, net[2].Events.Count);
            Assert.Equal(1, net[2].L.Drops[FederationLink.Duplicate]); // the first: A's F, already had
            Assert.Equal(1, net[2].L.Drops[FederationLink.BadSignature]);
            Assert.Equal(1, net[2].L.Drops[FederationLink.Replay]);
            Assert.Equal(1, net[2].L.Drops[FederationLink.BadTag]);

            // Both streams go on.
            net[0].Say(1, "A again");
            net[1].Join(5, "bob");
            net[1].Say(5, "B");
            net.Pump();
            Assert.Equal(new ulong[] { 0, 1 }, net[2].DataQ(net[0], 1));
            Assert.Equal(new ulong[] { 0 }, net[2].DataQ(net[1], 5));
        }

        [Fact]
        public void TamperedCiphertextIsBadSignatureAndWhenSignedAnywayBadTag()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net.Pump();
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);
            net.Hub.Filter = (s, p) => p[1] != FederationCodec.KindEnvelope;
            net[0].Say(1, "q0");
            net.Pump();
            net.Hub.Filter = null;
            (string subject, byte[] genuine) = net.Hub.Log.Last(m => m.Payload[1] == FederationCodec.KindEnvelope);
            Assert.Equal(a.ExpectedF, BigEndian.ReadU64(genuine, 26));

            byte[] flipped = (byte[])genuine.Clone();
            flipped[FederationCodec.EnvelopeHeaderLength + 3] ^= 1;
            net.Hub.Inject(subject, flipped);
            net.Hub.Inject(subject, Sign(net[0].Key, FederationCodec.EnvelopeLabel, (byte[])flipped.Clone()));
            net.Pump();
            Assert.Equal(1, net[1].L.Drops[FederationLink.BadSignature]);
            Assert.Equal(1, net[1].L.Drops[FederationLink.BadTag]);
            Assert.Empty(net[1].DataQ(net[0], 1));

            net.Hub.Inject(subject, genuine);
            net.Pump();
            Assert.Equal(new ulong[] { 0 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void MalformedOversizedAndMisaddressedMessagesAreCountedNeverThrown()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            FederationLink b = net[1].L;
            string relayA = Prefix + ".relay." + net[0].L.RelayId;
            string inboxB = Prefix + ".inbox." + b.RelayId;
            long before = b.Drops[FederationLink.Malformed];
            long total = b.Drops.Total;

            var samples = net.Hub.Log.Where(m => m.Subject == relayA || m.Subject == inboxB).Select(m => m.Payload).ToList();
            int malformed = 0;
            foreach (byte[] sample in samples.GroupBy(p => p[1]).Select(g => g.First()))
            {
                foreach (int cut in new[] { 0, 1, 2, 10, sample.Length / 2, sample.Length - 1 })
                {
                    b.Receive(sample[1] == FederationCodec.KindAnnounce || sample[1] == FederationCodec.KindEnvelope ? relayA : inboxB, sample.Take(cut).ToArray(), net.Clock.Now);
                    malformed++;
                }
            }

            b.Receive(relayA, new byte[] { 2, FederationCodec.KindEnvelope }, net.Clock.Now); // version 2
            b.Receive(relayA, new byte[] { 1, 0x7F, 0, 0 }, net.Clock.Now); // unknown kind
            b.Receive(relayA, new byte[FederationOptions.MaxBusMessageBytes + 1], net.Clock.Now); // larger than any bus message
            b.Receive(relayA, null!, net.Clock.Now);
            malformed += 4;

            // Every one is counted; those too short for their kind as Malformed (a truncated envelope
            // that is long enough is a Duplicate or BadSignature: its signature is checked, not its length).
            Assert.Equal(malformed, b.Drops.Total - total);
            Assert.True(b.Drops[FederationLink.Malformed] - before >= (3 * 4) + 4);
            Assert.Equal(0, b.Drops[FederationLink.UnknownRelay]);

            // A valid announce of A's on B's inbox, and one on a subject outside the prefix.
            byte[] announce = net.Hub.Log.Last(m => m.Payload[1] == FederationCodec.KindAnnounce && m.Subject == relayA).Payload;
            b.Receive(inboxB, announce, net.Clock.Now);
            b.Receive("other.relay." + net[0].L.RelayId, announce, net.Clock.Now);
            b.Receive(Prefix + ".inbox.0000000000000000", announce, net.Clock.Now);
            Assert.Equal(2, b.Drops[FederationLink.WrongSubject]);
            Assert.Equal(1, b.Drops[FederationLink.NotForUs]);

            net[0].Say(1, "q1");
            net.Pump();
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void ANameWithAControlCharacterOrAnEmptyFragmentIsAMalformedRecordNotPassedToTheRelay()
        {
            using var net = new FederationNet(2, started: 1);
            byte[] publishKey = StartWithKnownPublishKey(net, 11);
            net.Run(2);
            net[1].Join(1, "bob");
            net.Pump();
            byte[] point = EcdsaP256PrivateKey.Generate().PublicKey.Point;

            InjectEnvelopeFromRelay1(net, publishKey, FederationCodec.Record(FederationCodec.RecordJoined, FederationCodec.MemberEntry(2, 0, point, System.Text.Encoding.UTF8.GetBytes("eve\u0007"))));
            Assert.Equal(1, net[0].L.Drops[FederationLink.MalformedRecord]);
            Assert.DoesNotContain(net[0].Of(FederationRemoteEventKind.Joined), e => e.MemberId == 2);

            // Member 1, Q 0, message 5, fragment 0 of 1, text, and no payload at all.
            byte[] empty = FederationCodec.DataBody(new SecureFragment(1, 0, 5, 0, 1, 1, new byte[] { 65 })).Take(FederationCodec.DataFixedLength).ToArray();
            InjectEnvelopeFromRelay1(net, publishKey, FederationCodec.Record(FederationCodec.RecordData, empty));
            Assert.Equal(2, net[0].L.Drops[FederationLink.MalformedRecord]);
            Assert.Empty(net[0].Of(FederationRemoteEventKind.Data));
        }

        [Fact]
        public void AnEnvelopeFromAListedRelayWithMalformedRecordsIsTakenAsAGapNotPartly()
        {
            using var net = new FederationNet(2, started: 1);
            byte[] publishKey = StartWithKnownPublishKey(net, 7);
            net.Run(2);
            net[1].Join(1, "bob");
            net[1].Say(1, "q0");
            net.Pump();

            // A Data record of Q 1 and then a record whose length runs past the end.
            var good = FederationCodec.Record(FederationCodec.RecordData, FederationCodec.DataBody(new SecureFragment(1, 1, 99, 0, 1, 1, new byte[] { 65 })));
            InjectEnvelopeFromRelay1(net, publishKey, good.Concat(new byte[] { FederationCodec.RecordProgress, 0, 0, 0, 200, 1, 2 }).ToArray());
            Assert.Equal(1, net[0].L.Drops[FederationLink.MalformedRecord]);
            Assert.Equal(new ulong[] { 0 }, net[0].DataQ(net[1], 1));

            // The real envelope with that F now comes too late (a duplicate); the next shows the jump as Lost.
            net[1].Say(1, "q1");
            net[1].Say(1, "q2");
            net.Pump();
            Assert.Equal(1, net[0].L.Drops[FederationLink.Duplicate]);
            net[1].Say(1, "q3");
            net.Pump();
            FederationRemoteEvent lost = Assert.Single(net[0].Of(FederationRemoteEventKind.Lost));
            Assert.Equal(3UL, lost.NextQ);
            Assert.Equal(new ulong[] { 0, 3 }, net[0].DataQ(net[1], 1));
        }

        [Fact]
        public void AListedRelayCannotMakeAnotherRememberMoreThanItsShareOfMembers()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            byte[] point = EcdsaP256PrivateKey.Generate().PublicKey.Point;
            for (uint id = 1; id <= FederationLink.MaxMembersPerRelay + 10; id++)
            {
                net[0].L.LocalJoined(id, point, "m" + id, 0, net.Clock.Now);
            }

            net.Pump();
            Assert.Equal(FederationLink.MaxMembersPerRelay, net[1].Of(FederationRemoteEventKind.Joined).Count);
            Assert.Equal(10, net[1].L.Drops[FederationLink.TooManyMembers]);
            Assert.Equal(FederationLink.MaxMembersPerRelay, Assert.Single(net[1].L.Peers).Members);
        }

        [Fact]
        public void ARosterThatNeverEndsHoldsNoMoreIdsThanARelayMayHaveMembers()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            byte[] point = EcdsaP256PrivateKey.Generate().PublicKey.Point;
            for (uint id = 1; id <= 3 * FederationLink.MaxMembersPerRelay; id++)
            {
                net[0].L.LocalJoined(id, point, "m" + id, 0, net.Clock.Now);
            }

            net.Pump();

            // A's next roster comes in several Envelopes; the one with its last part never arrives.
            net.Clock.Advance(5);
            net[0].L.Tick(net.Clock.Now);
            ulong lastF = (ulong)net[0].L.EnvelopesPublished - 1;
            net.Hub.Filter = (s, p) => !(p[1] == FederationCodec.KindEnvelope && BigEndian.ReadU64(p, 26) == lastF);
            net.Pump();
            Assert.True(net[1].L.EnvelopesReceived >= 3);
            Assert.True(net[1].L.RosterEntriesHeld <= FederationLink.MaxMembersPerRelay);
        }

        [Fact]
        public void ASignedUnavailableForEveryFSkipsNoFurtherThanWhatItsRelayPublished()
        {
            using var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            FederationPeerInfo a = Assert.Single(net[1].L.Peers);

            // Signed by A itself (a faulty relay): "everything from the next F to the end is gone".
            var unavailable = FederationCodec.RangesUnsigned(
                FederationCodec.KindUnavailable, Id(net[0]), Id(net[1]), Convert.FromHexString(a.Boot), Convert.FromHexString(net[1].L.Boot), 1_000_000,
                new List<FederationRange> { new FederationRange(a.ExpectedF, ulong.MaxValue) });
            net.Hub.Inject(Prefix + ".inbox." + net[1].L.RelayId, Sign(net[0].Key, FederationCodec.UnavailableLabel, unavailable));
            net.Pump();
            Assert.Equal(a.ExpectedF, Assert.Single(net[1].L.Peers).ExpectedF);
            Assert.Equal(0, net[1].L.Unavailable);

            net[0].Say(1, "q1");
            net.Pump();
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
        }

        [Fact]
        public void AFloodOfRepairRequestsCostsAtMostThePerRelayBudget()
        {
            using var net = new FederationNet(2, configure: (i, o) =>
            {
                o.RequestsPerSecond = 10;
                o.RepairEnvelopesPerSecond = 50;
            });
            net.Run(2);
            net[0].Join(1, "alice");
            for (int i = 0; i < 40; i++)
            {
                net[0].Say(1, "m" + i);
                net.Pump();
            }

            FederationLink a = net[0].L;
            ulong number = 1_000;
            byte[] Request() => Sign(net[1].Key, FederationCodec.RepairRequestLabel, FederationCodec.RangesUnsigned(
                FederationCodec.KindRepairRequest, Id(net[1]), Id(net[0]), Convert.FromHexString(net[1].L.Boot), Convert.FromHexString(a.Boot), number++,
                new List<FederationRange> { new FederationRange(0, ulong.MaxValue) }));
            List<byte[]> first = Enumerable.Range(0, 1000).Select(_ => Request()).ToList();
            List<byte[]> second = Enumerable.Range(0, 1000).Select(_ => Request()).ToList();
            long verifications = a.Operations.Verifications;
            long served = a.RepairsServed;
            foreach (byte[] request in first)
            {
                a.Receive(Prefix + ".inbox." + a.RelayId, request, net.Clock.Now);
            }

            Assert.Equal(990, a.Drops[FederationLink.RequestRateLimited]);
            Assert.Equal(1000, a.Operations.Verifications - verifications);
            Assert.Equal(50, a.RepairsServed - served);
            Assert.True(a.Drops[FederationLink.RepairRateLimited] >= 1);
            Assert.True(a.TakePublications().Count <= 50 + 10);

            // A second later the budget is back, no more.
            net.Clock.Advance(1);
            foreach (byte[] request in second)
            {
                a.Receive(Prefix + ".inbox." + a.RelayId, request, net.Clock.Now);
            }

            Assert.Equal(1980, a.Drops[FederationLink.RequestRateLimited]);
            Assert.Equal(100, a.RepairsServed - served);
        }

        [Fact]
        public void RequestsForgedInARelaysNameDoNotSpendItsBudget()
        {
            using var net = new FederationNet(2, configure: (i, o) => o.RequestsPerSecond = 10);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            FederationLink a = net[0].L;
            using EcdsaP256PrivateKey forger = EcdsaP256PrivateKey.Generate();
            byte[] Request(EcdsaP256PrivateKey key, ulong number) => Sign(key, FederationCodec.RepairRequestLabel, FederationCodec.RangesUnsigned(
                FederationCodec.KindRepairRequest, Id(net[1]), Id(net[0]), Convert.FromHexString(net[1].L.Boot), Convert.FromHexString(a.Boot), number,
                new List<FederationRange> { new FederationRange(0, 0) }));

            // A flood "from B" that B did not sign, then B's own request, in the same second.
            for (ulong n = 1_000; n < 1_100; n++)
            {
                a.Receive(Prefix + ".inbox." + a.RelayId, Request(forger, n), net.Clock.Now);
            }

            long served = a.RepairsServed;
            a.Receive(Prefix + ".inbox." + a.RelayId, Request(net[1].Key, 2_000), net.Clock.Now);
            Assert.Equal(100, a.Drops[FederationLink.BadSignature]);
            Assert.Equal(0, a.Drops[FederationLink.RequestRateLimited]);
            Assert.Equal(served + 1, a.RepairsServed);
        }

        [Fact]
        public void RecordedKeyAndRepairRequestsReplayedAreTakenOnceAndCostNoGrantOrRepair()
        {
            using var net = new FederationNet(2);
            string inboxA = Prefix + ".inbox." + net[0].L.RelayId;
            string inboxB = Prefix + ".inbox." + net[1].L.RelayId;
            string relayA = Prefix + ".relay." + net[0].L.RelayId;

            // A's first Grant to B and one of its Envelopes are lost: B asks for a key, then for a repair.
            bool grantLost = false, envelopeLost = false;
            net.Hub.Filter = (subject, payload) =>
            {
                if (!grantLost && subject == inboxB && payload[1] == FederationCodec.KindGrant)
                {
                    return !(grantLost = true);
                }

                if (!envelopeLost && subject == relayA && payload[1] == FederationCodec.KindEnvelope && net[1].L.Peers.Any(p => p.HasKey))
                {
                    return !(envelopeLost = true);
                }

                return true;
            };
            net.Run(3);
            net[0].Join(1, "alice");
            net[0].Say(1, "q0");
            net.Pump();
            net[0].Say(1, "q1");
            net.Run(2);
            Assert.True(grantLost && envelopeLost);
            Assert.Equal(new ulong[] { 0, 1 }, net[1].DataQ(net[0], 1));
            byte[] keyRequest = net.Hub.Log.Last(m => m.Subject == inboxA && m.Payload[1] == FederationCodec.KindKeyRequest).Payload;
            byte[] repairRequest = net.Hub.Log.Last(m => m.Subject == inboxA && m.Payload[1] == FederationCodec.KindRepairRequest).Payload;
            net.Hub.Filter = null;

            long replays = net[0].L.Drops[FederationLink.Replay];
            long served = net[0].L.RepairsServed;
            int published = net.Hub.Log.Count(m => m.Subject == inboxB);
            for (int i = 0; i < 5; i++)
            {
                net.Hub.Inject(inboxA, keyRequest);
                net.Hub.Inject(inboxA, repairRequest);
            }

            net.Pump();
            Assert.Equal(10, net[0].L.Drops[FederationLink.Replay] - replays);
            Assert.Equal(served, net[0].L.RepairsServed);
            Assert.Equal(published, net.Hub.Log.Count(m => m.Subject == inboxB));
        }

        /// <summary>
        /// Any bytes, or any truncation or bit flip of a genuine message, on either subscription:
        /// never an exception, never an event, and every message not used leaves a count.
        /// </summary>
        [Property(MaxTest = 500)]
        public bool NoBusMessageMakesTheLinkThrowOrDeliverAndEveryOneIsCounted(byte[] random, int pick, int position, byte mask, bool inbox, bool cut)
        {
            (FederationNet net, List<byte[]> genuine) = Shared.Value;
            FederationLink b = net[1].L;
            byte[] payload;
            if (random is not null && random.Length > 0 && (pick & 1) == 0)
            {
                payload = random;
            }
            else
            {
                byte[] sample = genuine[(int)((uint)pick % (uint)genuine.Count)];
                payload = (byte[])sample.Clone();
                int at = (int)((uint)position % (uint)payload.Length);
                if (cut)
                {
                    payload = payload.Take(at).ToArray();
                }
                else
                {
                    payload[at] ^= (byte)(mask | 1);
                }
            }

            string subject = inbox ? Prefix + ".inbox." + b.RelayId : Prefix + ".relay." + net[0].L.RelayId;
            long drops = b.Drops.Total;
            b.Receive(subject, payload, net.Clock.Now);
            return b.TakeRemoteEvents().Count == 0 && b.Drops.Total == drops + 1;
        }

        private static readonly Lazy<(FederationNet Net, List<byte[]> Genuine)> Shared = new Lazy<(FederationNet, List<byte[]>)>(() =>
        {
            var net = new FederationNet(2);
            net.Run(2);
            net[0].Join(1, "alice");
            net[0].Say(1, "hello");
            net.Run(6);
            List<byte[]> genuine = net.Hub.Log.Where(m => !m.Subject.EndsWith(net[1].L.RelayId, StringComparison.Ordinal) || m.Subject.Contains(".inbox.")).Select(m => m.Payload).ToList();
            net[1].Collect();
            return (net, genuine);
        });

        internal static byte[] Id(FederationNet.Node node) => Convert.FromHexString(node.L.RelayId);

        /// <summary>Signs <paramref name="value"/> as the link does: label ‖ prefix ‖ all but the last 64 bytes, the signature into those.</summary>
        internal static byte[] Sign(EcdsaP256PrivateKey key, string label, byte[] value)
        {
            int signedLength = value.Length - FederationCodec.SignatureLength;
            byte[] signature = key.Sign(FederationCodec.SignedData(label, FederationCodec.PrefixBinding(Prefix), value, signedLength));
            Buffer.BlockCopy(signature, 0, value, signedLength, signature.Length);
            return value;
        }

        /// <summary>
        /// Injects <paramref name="recorded"/> into relay 1, which has forgotten relay 0: it brings no peer
        /// back, gives the relay no event, and every recorded announce is a counted Replay.
        /// </summary>
        private static void AssertReplayedToAForgetfulRelayChangesNothing(FederationNet net, IReadOnlyList<(string Subject, byte[] Payload)> recorded)
        {
            int events = net[1].Events.Count;
            long replays = net[1].L.Drops[FederationLink.Replay];
            foreach ((string subject, byte[] payload) in recorded)
            {
                net.Hub.Inject(subject, payload);
            }

            net.Pump();
            Assert.Empty(net[1].L.Peers);
            Assert.Equal(events, net[1].Events.Count);
            Assert.Equal(recorded.Count(m => m.Payload[1] == FederationCodec.KindAnnounce), net[1].L.Drops[FederationLink.Replay] - replays);
        }

        /// <summary>Starts relay 1 with a seeded random source and returns the publish key it drew (its last draw at start).</summary>
        private static byte[] StartWithKnownPublishKey(FederationNet net, int seed)
        {
            var draws = new List<byte[]>();
            FederationOptions options = net.OptionsFor(1);
            var rng = new Random(seed);
            options.Random = n =>
            {
                var bytes = new byte[n];
                rng.NextBytes(bytes);
                draws.Add(bytes);
                return bytes;
            };
            net.Start(1, options);
            return draws.Last();
        }

        /// <summary>
        /// Publishes, in relay 1's name, an envelope of <paramref name="plain"/> records at the F relay 0 expects
        /// next: sealed under relay 1's <paramref name="publishKey"/> and signed with its identity key, as relay 1 would.
        /// </summary>
        private static void InjectEnvelopeFromRelay1(FederationNet net, byte[] publishKey, byte[] plain)
        {
            FederationPeerInfo b = Assert.Single(net[0].L.Peers);
            byte[] header = FederationCodec.EnvelopeHeader(Id(net[1]), Convert.FromHexString(b.Boot), b.ExpectedF);
            byte[] envelope = new byte[FederationCodec.EnvelopeOverhead + plain.Length];
            Buffer.BlockCopy(header, 0, envelope, 0, header.Length);
            using (AesGcm256 aead = AesGcm256.Create(publishKey))
            {
                aead.Seal(FederationCodec.Nonce(b.ExpectedF), new ArraySegment<byte>(plain), new ArraySegment<byte>(header), envelope, header.Length);
            }

            net.Hub.Inject(Prefix + ".relay." + net[1].L.RelayId, Sign(net[1].Key, FederationCodec.EnvelopeLabel, envelope));
            net.Pump();
        }
    }
}
