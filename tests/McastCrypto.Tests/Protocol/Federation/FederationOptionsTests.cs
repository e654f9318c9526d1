using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Federation;
using Xunit;

namespace McastCrypto.Tests.Protocol.Federation
{
    public class FederationOptionsTests
    {
        private static FederationOptions Valid() => new FederationOptions { Site = "paris" };

        [Fact]
        public void TheDefaultsAreValidAndAsDocumented()
        {
            FederationOptions o = Valid();
            o.Validate();
            Assert.Equal("mcastcrypto", o.SubjectPrefix);
            Assert.Equal(4096, o.RetransmitBufferSize);
            Assert.Equal(TimeSpan.FromSeconds(1), o.AnnounceInterval);
            Assert.Equal(TimeSpan.FromSeconds(5), o.RosterInterval);
            Assert.Equal(TimeSpan.FromSeconds(30), o.PeerTimeout);
            Assert.Equal(1400, o.MaxDatagramBytes);
        }

        [Theory]
        [InlineData("")]
        [InlineData("tab\there")]
        [InlineData("new\nline")]
        [InlineData("\u0085next line")]
        public void ASiteNameThatIsEmptyOrHasAControlCharacterIsRefused(string site)
        {
            var e = Assert.Throws<ArgumentException>(() => new FederationOptions { Site = site }.Validate());
            Assert.Equal("Site", e.ParamName);
        }

        [Fact]
        public void ASiteNameIsAtMost64Utf8Bytes()
        {
            new FederationOptions { Site = new string('s', 64) }.Validate();
            new FederationOptions { Site = new string('é', 32) }.Validate();
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = new string('s', 65) }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = new string('é', 33) }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "\ud800" }.Validate());
        }

        [Theory]
        [InlineData("")]
        [InlineData("a.*")]
        [InlineData("a.>")]
        [InlineData("a..b")]
        [InlineData(".a")]
        [InlineData("a b")]
        [InlineData("caffè")]
        [InlineData("mcastcrypto\n")]
        public void ASubjectPrefixMustBeNatsTokensWithoutWildcards(string prefix)
        {
            var e = Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", SubjectPrefix = prefix }.Validate());
            Assert.Equal("SubjectPrefix", e.ParamName);
        }

        [Fact]
        public void GoodPrefixesAndTheLimitsOfTheBuffersAreChecked()
        {
            new FederationOptions { Site = "s", SubjectPrefix = "acme.mcast-v1_prod" }.Validate();
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", SubjectPrefix = new string('p', 65) }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", RetransmitBufferSize = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", RetransmitBufferBytes = 1000 }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", MaxEnvelopeBytes = 2 * 1024 * 1024 }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", HoldEnvelopes = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", PeerTimeout = TimeSpan.FromSeconds(2) }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", RepairTimeout = TimeSpan.Zero }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", RequestsPerSecond = 0 }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", AuthorizedRelays = new[] { "SHA256:short" } }.Validate());

            // A line end after a fingerprint is not part of one ('$' would let it through: it matches before a final \n).
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", AuthorizedRelays = new[] { "SHA256:b+b/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n" } }.Validate());
            Assert.Throws<ArgumentException>(() => new FederationOptions { Site = "s", MaxDatagramBytes = 100 }.Validate());
        }

        [Fact]
        public void ALinkNamesItselfFromItsKeyAndSubscribesToEveryRelaysStreamAndItsOwnInbox()
        {
            using EcdsaP256PrivateKey key = EcdsaP256PrivateKey.Generate();
            var options = new FederationOptions
            {
                Site = "paris",
                SubjectPrefix = "acme.fed",
                AuthorizedRelays = new HashSet<string> { "SHA256:b+b/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", key.PublicKey.Fingerprint },
            };
            using var link = new FederationLink(key, options, DateTimeOffset.UnixEpoch);
            byte[] spkiHash = System.Security.Cryptography.SHA256.HashData(key.PublicKey.SubjectPublicKeyInfo);
            string id = Convert.ToHexString(spkiHash, 0, 8).ToLowerInvariant();
            Assert.Equal(id, link.RelayId);
            Assert.Equal(new[] { "acme.fed.relay.*", "acme.fed.inbox." + id }, link.Subscriptions);
            Assert.Equal("paris", link.Site);
            Assert.Equal(32, link.Boot.Length);
            Assert.Empty(link.Peers);
            Assert.Equal(DateTimeOffset.UnixEpoch, link.NextDeadline);

            link.Tick(DateTimeOffset.UnixEpoch);
            FederationPublication announce = Assert.Single(link.TakePublications());
            Assert.Equal("acme.fed.relay." + id, announce.Subject);
            Assert.Equal(FederationCodec.AnnounceLength, announce.Payload.Length);
            Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1), link.NextDeadline);
        }

        [Fact]
        public void TheLabelsAreDistinctAndNoneIsAPrefixOfAnother()
        {
            string[] labels = FederationCodec.Labels;
            Assert.Equal(7, labels.Distinct().Count());
            foreach (string a in labels)
            {
                Assert.StartsWith("mcast-fed-v1 ", a);
                Assert.DoesNotContain(labels, b => b != a && b.StartsWith(a, StringComparison.Ordinal));
            }
        }
    }
}
