using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using McastCrypto.Commands;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Tests.Session;
using McastCrypto.Tests.Transport;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    /// <summary>
    /// The chat's lines for what arrives, from messages as a session makes them (a fake protocol's
    /// events, no sockets): texts, bytes, files, Gap records, joins; and the notice for a message of
    /// its own that was not delivered.
    /// </summary>
    public sealed class ChatLinesTests
    {
        private static readonly MemberIdentity Alice = new MemberIdentity("0000000a", "alice", "SHA256:alice");

        [Fact]
        public void BytesShowAsTheirSize()
        {
            McastMessage message = Arrived(MessageContent.FromData(new byte[1024]));
            Assert.Equal(Time(message) + " alice: [1,024 bytes]", ChatLines.Arrival(new[] { message }, null, "me"));
        }

        [Fact]
        public void AFileShowsAsItsNameAndSize()
        {
            McastMessage message = Arrived(MessageContent.FromFile("report.pdf", new byte[20 * 1024 * 1024]));
            Assert.Equal(Time(message) + " alice: [file report.pdf, 20 MiB]", ChatLines.Arrival(new[] { message }, null, "me"));
        }

        [Fact]
        public void ATextShowsAsItIsWithItsControlCharactersMadeHarmless()
        {
            McastMessage message = Arrived(MessageContent.FromText("hi\u001b[2J there"));
            Assert.Equal(Time(message) + " alice: hi\uFFFD[2J there", ChatLines.Arrival(new[] { message }, null, "me"));
        }

        [Fact]
        public void ARunOfTextBlocksShowsAsOneLine()
        {
            // Classic cuts a long text into blocks that arrive as consecutive messages of one sender.
            using McastSession session = Open(new FakeMemberProtocol(hasAcknowledgements: false));
            var peer = new MemberIdentity("127.0.0.1:4000");
            session.InvokeProtocol((now, output) =>
            {
                output.Events.Add(MemberEvent.Message(now, peer, "first half, ", null, false, MemberState.Connected));
                output.Events.Add(MemberEvent.Message(now, peer, "second half", null, false, MemberState.Connected));
            });
            var run = session.Receive().Where(m => m.Kind == McastMessageKind.Message).ToList();
            Assert.Equal(2, run.Count);
            Assert.Equal(Time(run[0]) + " 127.0.0.1:4000: first half, second half", ChatLines.Arrival(run, null, "me"));
        }

        [Fact]
        public void AGapIsANoticeOfWhatWasLostFromWhomAndWhy()
        {
            McastMessage gap = Gap(Alice, 3, 1, "not repaired in time");
            Assert.Equal(Time(gap) + " * lost 3 fragments of 1 message from alice: not repaired in time", ChatLines.Arrival(new[] { gap }, null, "me"));
        }

        [Fact]
        public void AGapSaysOnlyTheCountsItKnows()
        {
            Assert.Equal("lost 5 messages: dropped here", ChatLines.Lost(Gap(null, 0, 5, "dropped here")));
            Assert.Equal("lost 1 fragment from alice: given up", ChatLines.Lost(Gap(Alice, 1, 0, "given up")));
            Assert.Equal("lost 1,200 fragments of 2 messages from alice: gone", ChatLines.Lost(Gap(Alice, 1200, 2, "gone")));
            Assert.Equal("lost messages from alice: x\uFFFDy", ChatLines.Lost(Gap(Alice, 0, 0, "x\u0007y")));
        }

        [Fact]
        public void OwnJoinSaysYouAndAnothersSaysItsName()
        {
            using McastSession session = Open(new FakeMemberProtocol(hasAcknowledgements: true));
            var self = new MemberIdentity("00000001", "fake");
            session.InvokeProtocol((now, output) =>
            {
                output.Events.Add(MemberEvent.Presence(now, true, self, true, MemberState.Connected));
                output.Events.Add(MemberEvent.Presence(now, true, Alice, true, MemberState.Connected));
            });
            var joins = session.Receive().Where(m => m.Kind == McastMessageKind.Joined).ToList();
            Assert.Equal(Time(joins[0]) + " * you joined as fake", ChatLines.Arrival(new[] { joins[0] }, "00000001", "fake"));
            Assert.Equal(Time(joins[1]) + " * alice joined", ChatLines.Arrival(new[] { joins[1] }, "00000001", "fake"));
        }

        [Fact]
        public void ANoticeOfAMessageNotDeliveredQuotesItsStartAndSaysWhy()
        {
            var at = new DateTimeOffset(2025, 1, 2, 10, 11, 12, TimeSpan.Zero);
            string time = "[" + at.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "]";
            Assert.Equal(time + " * not delivered: \"hello\" (the relay refused it: larger than its limit)", ChatLines.NotDelivered("hello", "the relay refused it: larger than its limit", at));
            string longText = new string('x', 39) + "yz and more";
            Assert.Equal(time + " * not delivered: \"" + new string('x', 39) + "y…\" (why\uFFFD)", ChatLines.NotDelivered(longText, "why\u001b", at));
        }

        [Theory]
        [InlineData(0L, "0 bytes")]
        [InlineData(1L, "1 byte")]
        [InlineData(1024L, "1,024 bytes")]
        [InlineData(1048575L, "1,048,575 bytes")]
        [InlineData(1048576L, "1 MiB")]
        [InlineData(1572864L, "1.5 MiB")]
        [InlineData(1153433L, "1 MiB")] // 1.09999 MiB: never more than it is
        [InlineData(2147483647L, "2,047.9 MiB")]
        public void SizesReadAsAPersonReadsThem(long bytes, string expected) =>
            Assert.Equal(expected, ChatLines.Size(bytes));

        private static McastMessage Arrived(MessageContent content)
        {
            using McastSession session = Open(new FakeMemberProtocol(hasAcknowledgements: true));
            session.InvokeProtocol((now, output) => FakeMemberProtocol.Arrive(Alice, content, "0000000000000001", now, output));
            return session.Receive().Single(m => m.Kind == McastMessageKind.Message);
        }

        private static McastMessage Gap(MemberIdentity? sender, long fragments, long messages, string reason)
        {
            using McastSession session = Open(new FakeMemberProtocol(hasAcknowledgements: true));
            session.InvokeProtocol((now, output) => FakeMemberProtocol.Gap(sender, fragments, messages, null, reason, now, output));
            return session.Receive().Single(m => m.Kind == McastMessageKind.Gap);
        }

        private static string Time(McastMessage message) =>
            "[" + message.ReceivedAt.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "]";

        private static McastSession Open(FakeMemberProtocol fake) =>
            McastSession.Open(new McastSessionOptions { Name = "fake", Timeout = TimeSpan.FromSeconds(5) }, new FakeDatagramChannel(), fake, CancellationToken.None);
    }
}
