using System;
using System.Globalization;
using System.Net;
using McastCrypto.Commands;
using McastCrypto.Protocol;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    public class RelayLogTests
    {
        private const string Key = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        private static readonly DateTimeOffset At = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 89, TimeSpan.FromHours(2));
        private static readonly MemberIdentity Alice = new MemberIdentity("0997f098", "alice", Key, new IPEndPoint(IPAddress.Loopback, 40000));

        [Fact]
        public void StartsEveryLineWithTheLocalTimeToTheMillisecondAndItsOffset()
        {
            string line = RelayLog.Event(new RelayEvent(RelayEventKind.Left, At, Alice));
            string stamp = line.Substring(0, line.IndexOf(' '));
            DateTimeOffset parsed = DateTimeOffset.ParseExact(stamp, "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
            Assert.Equal(At, parsed);
            Assert.Equal(At.ToLocalTime().Offset, parsed.Offset);
        }

        [Fact]
        public void ShowsWhoJoinedWithTheirKeyAndAddress()
        {
            string line = RelayLog.Event(new RelayEvent(RelayEventKind.Joined, At, Alice));
            Assert.EndsWith(" Joined: alice (0997f098), key " + Key + ", from 127.0.0.1:40000", line);
        }

        [Fact]
        public void ShowsTheSiteOfAMemberOfAFederatedRelay()
        {
            var bob = new MemberIdentity("1a2b3c4d", "bob", Key, null, "paris");
            string line = RelayLog.Event(new RelayEvent(RelayEventKind.Joined, At, bob));
            Assert.EndsWith(" Joined: bob (1a2b3c4d), site paris, key " + Key, line);
        }

        [Fact]
        public void ShowsARefusalWithTheKeyToAddOnce()
        {
            // A refused member is known by its key: it is its id too.
            var refused = new MemberIdentity(Key, "mallory", Key, new IPEndPoint(IPAddress.Loopback, 40001));
            string line = RelayLog.Event(new RelayEvent(RelayEventKind.Refused, At, refused));
            Assert.EndsWith(" Refused: mallory (" + Key + "), from 127.0.0.1:40001 is not on the list of authorized keys", line);
            Assert.Equal(line.IndexOf(Key, StringComparison.Ordinal), line.LastIndexOf(Key, StringComparison.Ordinal));
        }

        [Fact]
        public void TellsAPeriodicRekeyFromOneAMemberCaused()
        {
            var relay = new MemberIdentity("00000000", "relay", Key, new IPEndPoint(IPAddress.Loopback, 40002));
            Assert.EndsWith("Rekeyed: a new group key, the rekey interval having passed", RelayLog.Event(new RelayEvent(RelayEventKind.Rekeyed, At, relay)));
            Assert.EndsWith("Rekeyed: a new group key, after the join or leave of alice (0997f098)", RelayLog.Event(new RelayEvent(RelayEventKind.Rekeyed, At, Alice)));
        }

        [Fact]
        public void LogsEverythingButRelayedMessages()
        {
            foreach (RelayEventKind kind in Enum.GetValues(typeof(RelayEventKind)))
            {
                Assert.Equal(kind != RelayEventKind.Relayed, RelayLog.IsLogged(kind));
            }
        }

        [Fact]
        public void EndsSayingHowManyMembersWereToldWhenItKnows()
        {
            Assert.EndsWith(" Relay lab stopped; 2 member(s) were told it is going.", RelayLog.Stopped(At, "lab", 2));
            Assert.EndsWith(" Relay lab stopped.", RelayLog.Stopped(At, "lab", null));
        }

        [Fact]
        public void StartsWithWhereTheRelayServesAndItsKey()
        {
            string line = RelayLog.Started(At, "lab", "239.255.1.2", 40123, "127.0.0.1", McastProtocol.Secure, Key, "/srv/relay.key", madeKey: false);
            Assert.Contains(" Relay lab started: 239.255.1.2:40123 on 127.0.0.1, Secure, key " + Key + " (from /srv/relay.key).", line);
            Assert.Contains("(a new key, written to /srv/relay.key)", RelayLog.Started(At, "lab", "239.255.1.2", 40123, "127.0.0.1", McastProtocol.Secure, Key, "/srv/relay.key", madeKey: true));
            Assert.Contains("(a new key, for this run only)", RelayLog.Started(At, "lab", "239.255.1.2", 40123, "127.0.0.1", McastProtocol.Secure, Key, null, madeKey: false));
        }
        [Fact]
        public void Writes_an_IPv6_group_in_brackets_and_its_interface_by_name()
        {
            string line = RelayLog.Started(At, "lab", "ff15::4d43", 40123, "veth1", McastProtocol.Secure, Key, null, madeKey: false);
            Assert.Contains(" Relay lab started: [ff15::4d43]:40123 on veth1, Secure, key ", line);
        }
    }
}
