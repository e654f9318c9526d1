using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Tests.Transport;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Session
{
    /// <summary>
    /// The .NET events of sessions and relays: their handlers run on a thread of the object's own,
    /// never on the runner's threads, so a slow handler does not hold up the protocol, and a handler
    /// that throws is counted and stops nothing. Over loopback multicast, random group and port.
    /// </summary>
    public sealed class SessionEventsTests
    {
        private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

        [Fact]
        public void ABlockingHandlerRunsOffTheRunnerThreadAndDoesNotHoldUpMessageIntake()
        {
            var (relay, alice, bob) = Open();
            try
            {
                var handlerThreads = new ConcurrentBag<int>();
                int underLock = 0;
                using var firstCalled = new ManualResetEventSlim(false);
                using var release = new ManualResetEventSlim(false);
                int calls = 0;
                bob.Receive(); // the join notices: only what is sent below is counted
                bob.MessageReceived += (sender, e) =>
                {
                    Assert.Same(bob, sender);
                    handlerThreads.Add(Environment.CurrentManagedThreadId);
                    if (bob.RunnerLockHeldHere)
                    {
                        Interlocked.Increment(ref underLock);
                    }

                    if (Interlocked.Increment(ref calls) == 1)
                    {
                        firstCalled.Set();
                        release.Wait(TimeSpan.FromSeconds(2));
                    }
                };

                alice.Send("first");
                Assert.True(firstCalled.Wait(Wait), "the handler ran for the first message");

                // While the handler is blocked, 50 more arrive and are all in the inbox, promptly.
                for (int i = 0; i < 50; i++)
                {
                    alice.Send("m" + i);
                }

                var clock = Stopwatch.StartNew();
                while (clock.Elapsed < Wait && bob.Pending < 51)
                {
                    Thread.Sleep(20);
                }

                Assert.Equal(51, bob.Pending);
                Assert.False(release.IsSet);
                Assert.Equal(1, Volatile.Read(ref calls)); // still blocked: intake did not wait for it
                release.Set();

                Assert.True(SpinWait.SpinUntil(() => Volatile.Read(ref calls) == 51, Wait), "every message reached the handler, after it was released");
                Thread handlerThread = bob.HandlerThread!;
                Assert.NotNull(handlerThread);
                Assert.All(handlerThreads, id => Assert.Equal(handlerThread.ManagedThreadId, id));
                Assert.NotEqual(Environment.CurrentManagedThreadId, handlerThread.ManagedThreadId);
                Assert.NotEqual(bob.RunnerWorkerThread!.ManagedThreadId, handlerThread.ManagedThreadId);
                Assert.Equal(0, Volatile.Read(ref underLock));
                Assert.Equal(0, bob.HandlerErrors);
                Assert.Equal(0, bob.HandlerEventsDropped);
            }
            finally
            {
                Close(relay, alice, bob);
            }
        }

        [Fact]
        public void AHandlerThatThrowsIsCountedAndTheOthersStillRun()
        {
            var (relay, alice, bob) = Open();
            try
            {
                var seen = new ConcurrentQueue<string>();
                bob.MessageReceived += (_, _) => throw new InvalidOperationException("handler failed");
                bob.MessageReceived += (_, e) => seen.Enqueue(e.Message.Text!);
                for (int i = 0; i < 3; i++)
                {
                    alice.Send("t" + i);
                }

                Assert.True(SpinWait.SpinUntil(() => seen.Count == 3, Wait), "the second handler saw every message");
                Assert.Equal(new[] { "t0", "t1", "t2" }, seen.ToArray());
                Assert.True(SpinWait.SpinUntil(() => bob.HandlerErrors == 3, Wait), "each failure was counted");
                Assert.Equal("handler failed", bob.LastHandlerError!.Message);
                Assert.Equal(3, bob.Receive().Count(m => m.Kind == McastMessageKind.Message));
            }
            finally
            {
                Close(relay, alice, bob);
            }
        }

        [Fact]
        public void LosingTheRelayIsAnEventAndAMessageInTheStream()
        {
            var (relay, alice, bob) = Open(TimeSpan.FromMilliseconds(300));
            try
            {
                var changes = new ConcurrentQueue<McastSessionStateChangedEventArgs>();
                bob.StateChanged += (_, e) => changes.Enqueue(e);
                bob.Receive();
                relay.Stop();

                Assert.True(SpinWait.SpinUntil(() => changes.Any(c => c.NewState == MemberState.RelayLost), Wait), "StateChanged to RelayLost");
                McastSessionStateChangedEventArgs lost = changes.First(c => c.NewState == MemberState.RelayLost);
                Assert.Equal(MemberState.Connected, lost.OldState);
                Assert.Null(lost.Failure);
                McastMessage record = bob.Receive().Single(m => m.Kind == McastMessageKind.StateChanged);
                Assert.Equal(MemberState.RelayLost, record.State);
                Assert.Null(record.Sender);
            }
            finally
            {
                Close(relay, alice, bob);
            }
        }

        private static (McastRelay Relay, McastSession Alice, McastSession Bob) Open(TimeSpan? keepAlive = null)
        {
            var group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            McastRelay relay = McastRelay.Start(new McastRelayOptions { Network = LoopbackNetwork.Options(group, port) });
            McastSession? alice = null;
            try
            {
                McastSessionOptions Options(string name) => new McastSessionOptions
                {
                    Name = name,
                    Network = LoopbackNetwork.Options(group, port),
                    RelayFingerprint = relay.KeyFingerprint,
                    TrustOnFirstUse = false,
                    KeepAliveInterval = keepAlive,
                };
                alice = McastSession.Open(Options("alice"), CancellationToken.None);
                McastSession bob = McastSession.Open(Options("bob"), CancellationToken.None);
                return (relay, alice, bob);
            }
            catch
            {
                alice?.Close();
                relay.Stop();
                throw;
            }
        }

        private static void Close(McastRelay relay, McastSession alice, McastSession bob)
        {
            bob.Close();
            alice.Close();
            relay.Stop();
        }
    }
}
