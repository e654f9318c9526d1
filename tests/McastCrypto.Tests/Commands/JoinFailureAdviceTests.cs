using System;
using System.IO;
using System.Net;
using McastCrypto.Commands;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    public sealed class JoinFailureAdviceTests : IDisposable
    {
        private const string Remembered = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        private const string Offered = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        private readonly string folder = Path.Combine(Path.GetTempPath(), "mcast-advice-" + Guid.NewGuid().ToString("N"));
        private readonly MulticastOptions network = new MulticastOptions { Group = IPAddress.Parse("239.255.1.2"), Port = 40123, Interface = "Loopback" };

        public JoinFailureAdviceTests() => Directory.CreateDirectory(folder);

        public void Dispose() => Directory.Delete(folder, recursive: true);

        [Fact]
        public void ANetworkFailureNamesGroupPortInterfaceRelayAndFirewall()
        {
            string advice = JoinFailureAdvice.RelayNotFound(network);
            Assert.Contains("-Group 239.255.1.2", advice);
            Assert.Contains("-Port 40123", advice);
            Assert.Contains("-Interface Loopback", advice);
            Assert.Contains("Start-McastRelay", advice);
            Assert.Contains("firewall lets UDP through on port 40123", advice);
            Assert.Contains("the system's default interface", JoinFailureAdvice.RelayNotFound(new MulticastOptions()));
        }

        [Fact]
        public void AChangedKeyInTheKnownRelaysFileNamesTheLineToRemove()
        {
            string known = Path.Combine(folder, "known_relays");
            File.WriteAllLines(known, new[]
            {
                "# Relays trusted by McastCrypto sessions: group:port interface fingerprint",
                "239.255.1.2:40124 127.0.0.1 " + Remembered,
                "239.255.1.2:40123 127.0.0.1 " + Remembered,
            });
            var failure = new MemberFailure(MemberFailureReason.RelayNotTrusted, "not trusted", Remembered, Offered);
            string advice = JoinFailureAdvice.RelayKey(failure, network, known, McastProtocol.Secure);
            Assert.Contains("Compare " + Offered, advice);
            Assert.Contains("Get-McastRelay", advice);
            Assert.Contains("remove line 3 of " + known + " ('239.255.1.2:40123 127.0.0.1 " + Remembered + "')", advice);
            Assert.DoesNotContain("line 2", advice);
            Assert.Contains("-RelayFingerprint " + Offered, advice);
        }

        [Fact]
        public void AKeyNotKnownWithTrustOnFirstUseOffSaysHowToTrustIt()
        {
            var failure = new MemberFailure(MemberFailureReason.RelayNotTrusted, "unknown", null, Offered);
            string advice = JoinFailureAdvice.RelayKey(failure, network, Path.Combine(folder, "none"), McastProtocol.Secure);
            Assert.Contains("pass -RelayFingerprint " + Offered, advice);
            Assert.DoesNotContain("remove", advice);
        }

        [Fact]
        public void APinnedOrClassicSessionIsToldToPinOrAllowTheChange()
        {
            var failure = new MemberFailure(MemberFailureReason.RelayKeyChanged, "changed", Remembered, Offered);
            Assert.Contains("pin the new one with -RelayFingerprint " + Offered, JoinFailureAdvice.RelayKey(failure, network, null, McastProtocol.Secure));
            Assert.Contains("-AllowRelayKeyChange", JoinFailureAdvice.RelayKey(failure, network, null, McastProtocol.Classic));
        }

        [Fact]
        public void ARefusedMemberWithAKeyFileIsShownItsFingerprint()
        {
            string path = Path.Combine(folder, "me.key");
            string fingerprint;
            using (EcdsaP256PrivateKey key = IdentityKeyFile.CreateEcdsa(path, force: false))
            {
                fingerprint = key.PublicKey.Fingerprint;
            }

            string advice = JoinFailureAdvice.AdmissionRefused(path);
            Assert.Contains("add your key's fingerprint, " + fingerprint + ",", advice);
            Assert.Contains("-AuthorizedKeysPath", advice);
            Assert.Contains("-IdentityPath " + path, advice);
        }

        [Fact]
        public void ARefusedMemberWithoutAKeyFileIsToldToMakeOne()
        {
            string advice = JoinFailureAdvice.AdmissionRefused(null);
            Assert.Contains("New-McastIdentity", advice);
            Assert.Contains("-IdentityPath", advice);
        }
        [Fact]
        public void An_IPv6_group_is_written_in_brackets_and_its_socket_advice_does_not_offer_Loopback()
        {
            var v6 = new MulticastOptions { Group = IPAddress.Parse("ff15::4d43"), Port = 40123, Interface = "veth1" };

            Assert.Equal("[ff15::4d43]:40123", CmdletErrors.GroupTarget(v6));
            Assert.Contains("-Group ff15::4d43, -Port 40123 and -Interface veth1", JoinFailureAdvice.RelayNotFound(v6));
            string advice = JoinFailureAdvice.SocketSetupFailed(v6);
            Assert.Contains("has IPv6", advice);
            Assert.DoesNotContain("-Interface Loopback works", advice);
            Assert.Contains("-Interface Loopback works", JoinFailureAdvice.SocketSetupFailed(network));
        }
    }
}
