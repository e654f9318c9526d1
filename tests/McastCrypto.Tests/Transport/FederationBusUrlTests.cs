using System;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    /// <summary>The federation bus's address: nats:// alone, shown without credentials.</summary>
    public class FederationBusUrlTests
    {
        [Theory]
        [InlineData("nats://127.0.0.1", "nats://127.0.0.1:4222")]
        [InlineData("nats://127.0.0.1:4333", "nats://127.0.0.1:4333")]
        [InlineData("NATS://Nats1.Example.Net:4222/", "nats://nats1.example.net:4222")]
        [InlineData("  nats://[::1]:5000  ", "nats://[::1]:5000")]
        public void ANatsAddressComesBackAsHostAndPort(string given, string shown)
        {
            Assert.Equal(shown, FederationBusUrl.Normalize(given));
        }

        [Theory]
        [InlineData("http://127.0.0.1:4222", "not a nats:// address")]
        [InlineData("tls://127.0.0.1:4222", "not a nats:// address")]
        [InlineData("nats://127.0.0.1:4222/subject", "path, query or fragment")]
        [InlineData("nats://127.0.0.1:4222?x=1", "path, query or fragment")]
        [InlineData("127.0.0.1", "is not a NATS server address")]
        [InlineData("", "empty")]
        public void AnythingElseIsRefusedSayingWhy(string given, string why)
        {
            ArgumentException e = Assert.Throws<ArgumentException>(() => FederationBusUrl.Normalize(given));
            Assert.Contains(why, e.Message, StringComparison.Ordinal);
        }

        [Theory]
        [InlineData("nats://alice:s3cret@127.0.0.1:4222", "nats://***@127.0.0.1:4222")]
        [InlineData("nats://s3cret@127.0.0.1:4222", "nats://***@127.0.0.1:4222")]
        [InlineData("http://alice:s3cret@127.0.0.1/x", "http://***@127.0.0.1/x")]
        public void CredentialsAreRefusedAndNeverShown(string given, string shown)
        {
            ArgumentException e = Assert.Throws<ArgumentException>(() => FederationBusUrl.Normalize(given));
            Assert.DoesNotContain("s3cret", e.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("alice", e.Message, StringComparison.Ordinal);
            Assert.Contains(shown, e.Message, StringComparison.Ordinal);
        }

        [Fact]
        public void AnAddressWithoutUserInfoIsShownAsItIs()
        {
            Assert.Equal("nats://127.0.0.1:4222", FederationBusUrl.WithoutUserInfo("nats://127.0.0.1:4222"));
            Assert.Equal("nats://***@h:1", FederationBusUrl.WithoutUserInfo("nats://u:p@h:1"));
        }
    }
}
