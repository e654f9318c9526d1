using System;
using McastCrypto.Protocol.Classic;
using Xunit;

namespace McastCrypto.Tests.Protocol.Classic
{
    public class ClassicDefaultsTests
    {
        [Fact]
        public void TheDefaultsAreThePagesValues()
        {
            // docs/protocol.md: keep-alive every 5 s, FRAGMENT_SIZE 256, a client forgotten after 3 intervals.
            Assert.Equal(TimeSpan.FromSeconds(5), ClassicDefaults.KeepAliveInterval);
            Assert.Equal(256, ClassicDefaults.FragmentSize);
            Assert.Equal(TimeSpan.FromSeconds(15), ClassicDefaults.ClientTimeout);
            Assert.Equal(65536, ClassicDefaults.MaxMessageBytes);
            Assert.Equal(10, ClassicDefaults.RelayMaxKeyImportsPerSecond);
            Assert.Equal(2, ClassicDefaults.MemberMaxKeyImportsPerSecond);
        }

        [Fact]
        public void FreshOptionsTakeEveryDefaultFromClassicDefaults()
        {
            var member = new ClassicMemberOptions();
            var relay = new ClassicRelayOptions();

            Assert.Equal(ClassicDefaults.KeepAliveInterval, member.KeepAliveInterval);
            Assert.Equal(ClassicDefaults.FragmentSize, member.FragmentSize);
            Assert.Equal(ClassicDefaults.RetryInterval, member.RetryInterval);
            Assert.Equal(ClassicDefaults.MaxMessageBytes, member.MaxMessageBytes);
            Assert.Equal(ClassicDefaults.ClientTimeout, relay.ClientTimeout);
            Assert.Equal(ClassicDefaults.MaxClients, relay.MaxClients);
            Assert.Equal(ClassicDefaults.MaxKeyAnswersPerSecond, relay.MaxKeyAnswersPerSecond);
            Assert.Equal(ClassicDefaults.MaxMessageBytes, relay.MaxMessageBytes);
            Assert.Equal(ClassicDefaults.RelayMaxKeyImportsPerSecond, relay.MaxKeyImportsPerSecond);
            Assert.Equal(ClassicDefaults.MemberMaxKeyImportsPerSecond, member.MaxKeyImportsPerSecond);
        }
    }
}
