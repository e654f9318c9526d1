using System;
using System.Net;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Relay;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Relay
{
    /// <summary>The relay's options as they reach its protocol.</summary>
    public class RelayProtocolFactoryTests
    {
        private static McastRelayOptions Options(McastProtocol protocol) => new McastRelayOptions
        {
            Protocol = protocol,
            Network = new MulticastOptions { Group = IPAddress.Parse("239.255.1.2"), Port = 41000, Interface = "Loopback" },
        };

        [Fact]
        public void TheHelloBudgetPerSourceIsTheProtocolsDefaultUnlessGiven()
        {
            Assert.Equal(SecureDefaults.HandshakesPerSourcePerSecond, RelayProtocolFactory.SecureOptions(Options(McastProtocol.Secure)).HandshakesPerSourcePerSecond);

            McastRelayOptions raised = Options(McastProtocol.Secure);
            raised.HandshakesPerSourcePerSecond = 64;
            SecureRelayOptions secure = RelayProtocolFactory.SecureOptions(raised);
            Assert.Equal(64, secure.HandshakesPerSourcePerSecond);
            Assert.Equal(SecureDefaults.HandshakesPerSecond, secure.HandshakesPerSecond);
        }

        [Fact]
        public void AHelloBudgetTheProtocolRefusesOrAClassicRelayCannotUseIsAnArgumentError()
        {
            McastRelayOptions zero = Options(McastProtocol.Secure);
            zero.HandshakesPerSourcePerSecond = 0;
            Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(zero));

            McastRelayOptions classic = Options(McastProtocol.Classic);
            classic.HandshakesPerSourcePerSecond = 64;
            ArgumentException e = Assert.Throws<ArgumentException>(() => RelayProtocolFactory.Prepare(classic));
            Assert.Contains("Secure", e.Message);
        }
    }
}
