using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Tests.Transport;
using Xunit;

namespace McastCrypto.Tests.Session
{
    /// <summary>
    /// McastSession.Send on a fake protocol and a fake channel (no sockets): waiting for the relay's
    /// acknowledgement, failures, -NoWait, progress, the stall limit, cancellation, a close meanwhile,
    /// and what the protocol reports that the session puts in its message stream (gaps, bytes, files).
    /// </summary>
    public sealed class SessionSendTests
    {
        private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(10);

        [Fact]
        public async Task AWaitingSendReturnsOnlyOnceTheRelayAcknowledged()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            using var waiting = new ManualResetEventSlim(false);
            Task<McastSendResult> send = OnOwnThread(() => session.Send(MessageContent.FromText(new string('x', 250)), true, CancellationToken.None, _ => waiting.Set()));

            Assert.True(waiting.Wait(MaxWait), "the send polled its progress while it waited");
            Assert.False(send.IsCompleted, "no outcome yet: still waiting");
            Assert.Equal(1, session.MessagesOutstanding);
            const string id = "0000000000000001";
            session.InvokeProtocol((now, output) => fake.Acknowledge(id, now, output));

            Assert.True(await FinishesWithin(send, MaxWait), "the acknowledgement ended the wait");
            McastSendResult result = await send;
            Assert.Equal(McastSendStatus.Acknowledged, result.Status);
            Assert.True(result.Acknowledged);
            Assert.False(result.TimedOut);
            Assert.Null(result.Reason);
            Assert.NotNull(result.AcknowledgedAfter);
            Assert.True(result.AcknowledgedAfter >= TimeSpan.Zero);
            Assert.Equal(id, result.MessageId);
            Assert.Equal(MessageContentKind.Text, result.Kind);
            Assert.Equal(250, result.Bytes);
            Assert.Equal(3, result.Fragments);
            Assert.Equal("fake", result.SessionName);
            Assert.Equal(1, session.MessagesAcknowledged);
            Assert.Equal(0, session.MessagesFailed);
            Assert.Equal(1, session.MessagesSent);
            Assert.Equal(0, session.MessagesOutstanding);
        }

        [Fact]
        public async Task ASendThatFindsTheSendBufferFullWaitsForRoomInsteadOfRefusing()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true) { BufferLimit = 2 };
            using McastSession session = Open(fake);
            session.Send(MessageContent.FromText("one"), false, CancellationToken.None);
            session.Send(MessageContent.FromText("two"), false, CancellationToken.None);

            Task<McastSendResult> third = OnOwnThread(() => session.Send(MessageContent.FromText("three"), false, CancellationToken.None));
            await Task.Delay(300);
            Assert.False(third.IsCompleted, "the buffer is full: the third send waits");
            Assert.Equal(2, session.MessagesSent);

            session.InvokeProtocol((now, output) => fake.Acknowledge("0000000000000001", now, output));
            Assert.True(await FinishesWithin(third, MaxWait), "an acknowledgement made room and the send went on");
            McastSendResult result = await third;
            Assert.Equal(McastSendStatus.Queued, result.Status);
            Assert.Equal("0000000000000003", result.MessageId);
            Assert.Equal(3, session.MessagesSent);
        }

        [Fact]
        public async Task ASendWaitingForRoomGivesUpWhenNothingMovesForTheStallLimitAndCanBeCancelled()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true) { BufferLimit = 1 };
            using McastSession session = Open(fake);
            session.SendStallLimit = TimeSpan.FromMilliseconds(500);
            session.SendPollInterval = TimeSpan.FromMilliseconds(50);
            session.Send(MessageContent.FromText("one"), false, CancellationToken.None);

            Task<McastSendResult> stalled = OnOwnThread(() => session.Send(MessageContent.FromText("two"), false, CancellationToken.None));
            Assert.True(await FinishesWithin(stalled, MaxWait), "the wait for room is bounded by the stall limit");
            await Assert.ThrowsAsync<SendBufferFullException>(() => stalled);
            Assert.Equal(1, session.MessagesSent);

            using var cancel = new CancellationTokenSource();
            session.SendStallLimit = TimeSpan.FromMinutes(1);
            Task<McastSendResult> cancelled = OnOwnThread(() => session.Send(MessageContent.FromText("three"), false, cancel.Token));
            await Task.Delay(200);
            cancel.Cancel();
            Assert.True(await FinishesWithin(cancelled, MaxWait), "cancelling ends the wait for room");
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
            Assert.Equal(1, session.MessagesSent);
        }

        [Fact]
        public void AnAcknowledgementReportedInTheSendStepItselfIsNotMissed()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true) { AcknowledgeInSendStep = true };
            using McastSession session = Open(fake);

            // A lost wake-up would leave the call waiting for the stall limit and then report a failure.
            session.SendStallLimit = TimeSpan.FromSeconds(2);
            McastSendResult result = session.Send(MessageContent.FromText("at once"), true, CancellationToken.None);

            Assert.Equal(McastSendStatus.Acknowledged, result.Status);
            Assert.Equal(TimeSpan.Zero, result.AcknowledgedAfter);
            Assert.Equal(1, session.MessagesAcknowledged);
            Assert.Equal(0, session.MessagesOutstanding);
        }

        [Theory]
        [InlineData("the relay did not acknowledge it within 10 s", true)]
        [InlineData("the session lost the relay before it acknowledged the message", false)]
        [InlineData("the relay refused it: larger than its limit", false)]
        public async Task AFailureEndsTheWaitWithTheProtocolsReason(string reason, bool timedOut)
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            using var waiting = new ManualResetEventSlim(false);
            Task<McastSendResult> send = OnOwnThread(() => session.Send(MessageContent.FromData(new byte[] { 1, 2, 3 }), true, CancellationToken.None, _ => waiting.Set()));
            Assert.True(waiting.Wait(MaxWait));

            session.InvokeProtocol((now, output) => fake.Fail("0000000000000001", reason, now, output));

            Assert.True(await FinishesWithin(send, MaxWait));
            McastSendResult result = await send;
            Assert.Equal(McastSendStatus.Failed, result.Status);
            Assert.False(result.Acknowledged);
            Assert.Equal(reason, result.Reason);
            Assert.Equal(timedOut, result.TimedOut);
            Assert.Null(result.AcknowledgedAfter);
            Assert.Equal(MessageContentKind.Data, result.Kind);
            Assert.Equal(1, session.MessagesFailed);
            Assert.Equal(0, session.MessagesAcknowledged);
            Assert.Equal(0, session.MessagesOutstanding);
        }

        [Fact]
        public void WithoutWaitingTheCallReturnsQueuedAndTheOutcomeIsCountedLater()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);

            McastSendResult first = session.Send(MessageContent.FromText("one"), false, CancellationToken.None);
            McastSendResult second = session.Send(MessageContent.FromText("two"), false, CancellationToken.None);

            Assert.Equal(McastSendStatus.Queued, first.Status);
            Assert.Null(first.AcknowledgedAfter);
            Assert.False(first.Acknowledged);
            Assert.Equal(2, session.MessagesOutstanding);
            Assert.Equal(2, session.MessagesSent);

            session.InvokeProtocol((now, output) => fake.Acknowledge(first.MessageId, now, output));
            session.InvokeProtocol((now, output) => fake.Fail(second.MessageId, "the session closed", now, output));
            Assert.Equal(1, session.MessagesAcknowledged);
            Assert.Equal(1, session.MessagesFailed);
            Assert.Equal(0, session.MessagesOutstanding);
        }

        [Fact]
        public void AProtocolWithoutAcknowledgementsReturnsSentAndTracksNothing()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: false);
            using McastSession session = Open(fake);
            int calls = 0;

            McastSendResult result = session.Send(MessageContent.FromText("classic"), true, CancellationToken.None, _ => calls++);

            Assert.Equal(McastSendStatus.Sent, result.Status);
            Assert.Null(result.AcknowledgedAfter);
            Assert.False(result.Acknowledged);
            Assert.Equal(0, calls);
            Assert.Equal(0, session.MessagesOutstanding);
            Assert.False(session.HasAcknowledgements);
            Assert.Equal(0, fake.ProgressReads);
        }

        [Fact]
        public async Task ProgressIsReportedOnTheWaitingThreadAsTheProtocolTellsIt()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            session.SendPollInterval = TimeSpan.FromMilliseconds(20);
            var seen = new ConcurrentQueue<(int Sent, int Acked, int Thread, bool UnderLock)>();
            using var sawStart = new ManualResetEventSlim(false);
            using var sawHalf = new ManualResetEventSlim(false);
            int callerThread = 0;

            Task<McastSendResult> send = OnOwnThread(() =>
            {
                callerThread = Environment.CurrentManagedThreadId;
                return session.Send(MessageContent.FromData(new byte[400]), true, CancellationToken.None, p =>
                {
                    Assert.Equal(4, p.Fragments);
                    Assert.Equal(400, p.Bytes);
                    seen.Enqueue((p.FragmentsSent, p.FragmentsAcknowledged, Environment.CurrentManagedThreadId, session.RunnerLockHeldHere));
                    if (p.FragmentsSent == 0)
                    {
                        sawStart.Set();
                    }

                    if (p.FragmentsAcknowledged == 2)
                    {
                        sawHalf.Set();
                    }
                });
            });

            Assert.True(sawStart.Wait(MaxWait), "progress before any fragment went out");
            session.InvokeProtocol((now, output) => fake.Progress("0000000000000001", 4, 2));
            Assert.True(sawHalf.Wait(MaxWait), "progress after two fragments were acknowledged");
            session.InvokeProtocol((now, output) => fake.Acknowledge("0000000000000001", now, output));
            Assert.True(await FinishesWithin(send, MaxWait));

            Assert.Equal(McastSendStatus.Acknowledged, (await send).Status);
            var reports = seen.ToArray();
            Assert.All(reports, r => Assert.Equal(callerThread, r.Thread));
            Assert.All(reports, r => Assert.False(r.UnderLock));
            Assert.Contains(reports, r => r.Sent == 0 && r.Acked == 0);
            Assert.Contains(reports, r => r.Sent == 4 && r.Acked == 2);
            var acked = reports.Select(r => r.Acked).ToArray();
            Assert.Equal(acked.OrderBy(a => a), acked);
        }

        [Fact]
        public void AMessageWhoseProtocolNeverReportsFailsAfterTheStallLimit()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            session.SendPollInterval = TimeSpan.FromMilliseconds(20);
            session.SendStallLimit = TimeSpan.FromMilliseconds(300);

            McastSendResult result = session.Send(MessageContent.FromText("into the void"), true, CancellationToken.None);

            Assert.Equal(McastSendStatus.Failed, result.Status);
            Assert.True(result.TimedOut);
            Assert.Contains("nothing moved for 0.3 s", result.Reason);
            Assert.Equal(0, session.MessagesOutstanding);

            // The protocol's own outcome, if it ever comes, is still counted.
            session.InvokeProtocol((now, output) => fake.Acknowledge(result.MessageId, now, output));
            Assert.Equal(1, session.MessagesAcknowledged);
        }

        [Fact]
        public void TheStallLimitCountsFromTheLastMoveNotFromTheSend()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            session.SendPollInterval = TimeSpan.FromMilliseconds(20);
            session.SendStallLimit = TimeSpan.FromMilliseconds(200);
            Stopwatch elapsed = Stopwatch.StartNew();
            int sent = 0;

            // Each progress report moves the message one fragment on, so no poll sees the same
            // progress twice; after five stall limits the relay acknowledges it.
            McastSendResult result = session.Send(MessageContent.FromData(new byte[100000]), true, CancellationToken.None, p =>
            {
                if (elapsed.Elapsed > TimeSpan.FromMilliseconds(1000))
                {
                    session.InvokeProtocol((now, output) => fake.Acknowledge(p.MessageId, now, output));
                    return;
                }

                sent++;
                session.InvokeProtocol((now, output) => fake.Progress(p.MessageId, sent, 0));
            });

            Assert.Equal(McastSendStatus.Acknowledged, result.Status);
            Assert.True(sent >= 2, "the progress moved on several polls");
        }

        [Fact]
        public void AMessageQueuedBehindAMovingOneDoesNotStall()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            session.SendPollInterval = TimeSpan.FromMilliseconds(20);
            session.SendStallLimit = TimeSpan.FromMilliseconds(200);
            McastSendResult big = session.Send(MessageContent.FromData(new byte[100000]), false, CancellationToken.None);
            Stopwatch elapsed = Stopwatch.StartNew();
            int moved = 0;

            // The second message's own progress never moves (it waits behind the first, as a
            // protocol that sends oldest first makes it); the first one's does.
            McastSendResult small = session.Send(MessageContent.FromText("behind"), true, CancellationToken.None, p =>
            {
                Assert.Equal(0, p.FragmentsSent);
                if (elapsed.Elapsed > TimeSpan.FromMilliseconds(1000))
                {
                    session.InvokeProtocol((now, output) =>
                    {
                        fake.Acknowledge(big.MessageId, now, output);
                        fake.Acknowledge(p.MessageId, now, output);
                    });
                    return;
                }

                moved++;
                session.InvokeProtocol((now, output) => fake.Progress(big.MessageId, moved, moved));
            });

            Assert.Equal(McastSendStatus.Acknowledged, small.Status);
            Assert.Equal(2, session.MessagesAcknowledged);
        }

        [Fact]
        public void CancellingTheWaitLeavesTheMessageTakenAndItsOutcomeCounted()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            using var cancel = new CancellationTokenSource();

            Assert.Throws<OperationCanceledException>(() => session.Send(MessageContent.FromText("stop waiting"), true, cancel.Token, _ => cancel.Cancel()));

            Assert.Equal(1, session.MessagesSent);
            Assert.Equal(1, session.MessagesOutstanding);
            session.InvokeProtocol((now, output) => fake.Acknowledge("0000000000000001", now, output));
            Assert.Equal(1, session.MessagesAcknowledged);
            Assert.Equal(0, session.MessagesOutstanding);
        }

        [Fact]
        public async Task ClosingTheSessionEndsAWaitWithAFailure()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            McastSession session = Open(fake);
            using var waiting = new ManualResetEventSlim(false);
            Task<McastSendResult> send = OnOwnThread(() => session.Send(MessageContent.FromText("last words"), true, CancellationToken.None, _ => waiting.Set()));
            Assert.True(waiting.Wait(MaxWait));

            session.Close();

            Assert.True(await FinishesWithin(send, MaxWait), "the close ended the wait");
            McastSendResult result = await send;
            Assert.Equal(McastSendStatus.Failed, result.Status);
            Assert.False(result.TimedOut);
            Assert.Contains("the session closed", result.Reason);
            Assert.Equal(0, session.MessagesOutstanding);
            Assert.True(fake.Disposed);
        }

        [Fact]
        public void ContentTheProtocolRefusesIsAnArgumentExceptionAndNothingIsTracked()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true) { MaxMessageBytes = 10 };
            using McastSession session = Open(fake);

            Assert.Throws<ArgumentException>(() => session.Send(MessageContent.FromData(new byte[11]), true, CancellationToken.None));

            Assert.Equal(0, session.MessagesSent);
            Assert.Equal(0, session.MessagesOutstanding);
            Assert.Equal(10, session.MaxMessageBytes);
        }

        [Fact]
        public void TheTextSendStillReturnsAtOnceWithWhatWasSent()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);

            SentMessage sent = session.Send("chat line");

            Assert.Equal("chat line", sent.Text);
            Assert.Equal(1, session.MessagesOutstanding);
        }

        [Fact]
        public void ATrackedSendReturnsAtOnceAndItsOutcomeComesLater()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);

            PendingSend? refused = session.SendTracked(MessageContent.FromText("too big for the relay"));
            PendingSend? taken = session.SendTracked(MessageContent.FromText("fine"));
            Assert.NotNull(refused);
            Assert.NotNull(taken);
            Assert.False(refused!.IsDone);
            Assert.Equal("too big for the relay", refused.Sent.Text);
            Assert.Equal(2, session.MessagesSent);
            Assert.Equal(2, session.MessagesOutstanding);

            session.InvokeProtocol((now, output) =>
            {
                fake.Fail(refused.Sent.MessageId, "the relay refused it: larger than its limit", now, output);
                fake.Acknowledge(taken!.Sent.MessageId, now, output);
            });
            Assert.True(refused.IsDone);
            Assert.Equal(McastSendStatus.Failed, refused.Status);
            Assert.Equal("the relay refused it: larger than its limit", refused.Reason);
            Assert.True(taken!.IsDone);
            Assert.Equal(McastSendStatus.Acknowledged, taken.Status);
            Assert.Equal(1, session.MessagesFailed);

            // One still waiting when the session closes fails with it.
            PendingSend? last = session.SendTracked(MessageContent.FromText("last"));
            session.Close();
            Assert.True(last!.IsDone);
            Assert.Equal(McastSendStatus.Failed, last.Status);
        }

        [Fact]
        public void ATrackedSendOfAProtocolWithoutAcknowledgementsHasNothingToTrack()
        {
            using McastSession session = Open(new FakeMemberProtocol(hasAcknowledgements: false));
            Assert.Null(session.SendTracked(MessageContent.FromText("classic")));
            Assert.Equal(1, session.MessagesSent);
        }

        [Fact]
        public void AGapGoesIntoTheMessageStreamAndIsCounted()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            var bob = new MemberIdentity("0000000b", "bob", "SHA256:bob");

            session.InvokeProtocol((now, output) =>
            {
                FakeMemberProtocol.Gap(bob, 7, 2, "00000000000000aa", "not repaired in time", now, output);
                FakeMemberProtocol.Gap(null, 3, 0, null, "no longer in the relay's buffer", now, output);
            });

            var gaps = session.Receive().Where(m => m.Kind == McastMessageKind.Gap).ToList();
            Assert.Equal(2, gaps.Count);
            McastMessage first = gaps[0];
            Assert.Same(bob, first.Sender);
            Assert.Equal("bob", first.SenderName);
            Assert.Equal(7, first.LostFragments);
            Assert.Equal(2, first.LostMessages);
            Assert.Equal("00000000000000aa", first.MessageId);
            Assert.Equal("not repaired in time", first.Reason);
            Assert.Null(first.Text);
            Assert.Null(first.Data);
            Assert.Null(first.ContentKind);
            Assert.Equal("Gap: 7 fragments of 2 messages from bob lost (not repaired in time)", first.ToString());
            Assert.Null(gaps[1].Sender);
            Assert.Contains("an unknown member", gaps[1].ToString());
            Assert.Equal(2, session.Gaps);
            Assert.Equal(10, session.LostFragments);
            Assert.Equal(0, session.MessagesReceived);
        }

        [Fact]
        public void BytesAndFilesArriveWithTheirContent()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: true);
            using McastSession session = Open(fake);
            var bob = new MemberIdentity("0000000b", "bob", "SHA256:bob");
            byte[] data = { 0, 1, 2, 255 };
            MessageContent file = MessageContent.FromFile("report.txt", Encoding.UTF8.GetBytes("hello"));

            session.InvokeProtocol((now, output) =>
            {
                FakeMemberProtocol.Arrive(bob, MessageContent.FromText("è text"), "0000000000000001", now, output);
                FakeMemberProtocol.Arrive(bob, MessageContent.FromData(data), "0000000000000002", now, output);
                FakeMemberProtocol.Arrive(bob, file, "0000000000000003", now, output);
            });

            var messages = session.Receive().Where(m => m.Kind == McastMessageKind.Message).ToList();
            Assert.Equal(3, messages.Count);
            Assert.Equal(MessageContentKind.Text, messages[0].ContentKind);
            Assert.Equal("è text", messages[0].Text);
            Assert.Equal(Encoding.UTF8.GetBytes("è text"), messages[0].Data);
            Assert.Equal("bob: è text", messages[0].ToString());

            Assert.Equal(MessageContentKind.Data, messages[1].ContentKind);
            Assert.Null(messages[1].Text);
            Assert.Equal(data, messages[1].Data);
            Assert.Equal(4, messages[1].Length);
            Assert.Null(messages[1].FileName);
            Assert.Null(messages[1].Sha256);
            Assert.Equal("bob: [4 bytes]", messages[1].ToString());

            Assert.Equal(MessageContentKind.File, messages[2].ContentKind);
            Assert.Null(messages[2].Text);
            Assert.Equal("report.txt", messages[2].FileName);
            Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", messages[2].Sha256);
            Assert.Null(messages[2].SavedPath);
            Assert.Equal("bob: [file report.txt, 5 bytes]", messages[2].ToString());
            Assert.Equal(3, session.MessagesReceived);
        }

        [Fact]
        public void AClassicTextMessageHasTextContentToo()
        {
            var fake = new FakeMemberProtocol(hasAcknowledgements: false);
            using McastSession session = Open(fake);
            var peer = new MemberIdentity("127.0.0.1:4000");

            session.InvokeProtocol((now, output) => output.Events.Add(MemberEvent.Message(now, peer, "plain", null, false, MemberState.Connected)));

            McastMessage message = session.Receive().Single(m => m.Kind == McastMessageKind.Message);
            Assert.Equal(MessageContentKind.Text, message.ContentKind);
            Assert.Equal("plain", message.Text);
            Assert.Equal(Encoding.UTF8.GetBytes("plain"), message.Data);
        }

        private static McastSession Open(FakeMemberProtocol fake) =>
            McastSession.Open(new McastSessionOptions { Name = "fake", Timeout = TimeSpan.FromSeconds(5) }, new FakeDatagramChannel(), fake, CancellationToken.None);

        private static async Task<bool> FinishesWithin(Task task, TimeSpan limit) => await Task.WhenAny(task, Task.Delay(limit)) == task;

        private static Task<T> OnOwnThread<T>(Func<T> function) =>
            Task.Factory.StartNew(function, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }
}
