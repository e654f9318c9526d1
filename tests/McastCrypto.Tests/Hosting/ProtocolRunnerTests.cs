using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Hosting;
using McastCrypto.Protocol;
using McastCrypto.Tests.Transport;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Hosting
{
    public class ProtocolRunnerTests
    {
        private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

        private static byte[] Bytes(string text) => Encoding.ASCII.GetBytes(text);

        private static string Text(byte[] datagram) => Encoding.ASCII.GetString(datagram);

        private static void WaitUntil(Func<bool> condition, string what, TimeSpan? max = null)
        {
            Assert.True(SpinWait.SpinUntil(condition, max ?? MaxWait), what + ": not within " + (max ?? MaxWait).TotalSeconds + " s");
        }

        /// <summary>
        /// Runs a call that blocks (a caller, a close) on a thread of its own, so that a busy thread pool
        /// cannot delay it and make a bounded wait fail.
        /// </summary>
        private static Task OnOwnThread(Action action) =>
            Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private static Task<T> OnOwnThread<T>(Func<T> function) =>
            Task.Factory.StartNew(function, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

        private static async Task<bool> FinishesWithin(Task task, TimeSpan limit) => await Task.WhenAny(task, Task.Delay(limit)) == task;

        /// <summary>A slow pacer: ten datagrams a second after the first, so a backlog of hundreds takes minutes.</summary>
        private static SendPacer Slow() => new SendPacer(10, 1);

        /// <summary>A channel hook that, on the datagram named <paramref name="name"/>, says so and hangs until released (10 s at most).</summary>
        private static Action<byte[]> HangOn(string name, ManualResetEventSlim inSend, ManualResetEventSlim release) => d =>
        {
            if (Text(d) == name)
            {
                inSend.Set();
                release.Wait(TimeSpan.FromSeconds(10));
            }
        };

        [Fact]
        public async Task Datagrams_and_events_go_out_in_the_order_of_the_steps_that_produced_them()
        {
            using var h = new Harness();
            var expected = new List<string>();
            bool ticking = true;
            int tickNumber = 0;

            // Every step notes what it produces as it runs (under the protocol lock): that is the step order.
            void Emit(ProtocolOutput<string> output, string id)
            {
                output.Datagrams.Add(Bytes(id));
                output.Events.Add(id);
                expected.Add(id);
            }

            h.OnReceive = (d, now, output) =>
            {
                for (int k = 0; k < 3; k++)
                {
                    Emit(output, Text(d.Payload) + "." + k);
                }
            };
            h.OnTick = (now, output) =>
            {
                if (ticking)
                {
                    Emit(output, "tick" + tickNumber++);
                }
            };
            h.Runner.Start();

            Task[] callers = Enumerable.Range(0, 2).Select(c => OnOwnThread(() =>
            {
                for (int i = 0; i < 20; i++)
                {
                    h.Runner.Invoke((now, output) =>
                    {
                        Emit(output, "c" + c + "." + i + ".0");
                        Emit(output, "c" + c + "." + i + ".1");
                        return 0;
                    });
                }
            })).ToArray();
            for (int i = 0; i < 200; i++)
            {
                h.Channel.Deliver(Bytes("r" + i));
            }

            Assert.True(await FinishesWithin(Task.WhenAll(callers), MaxWait), "the callers did not finish");
            WaitUntil(() => h.Runner.Read(() => expected.Count(id => id.StartsWith("r", StringComparison.Ordinal))) == 600, "all received datagrams handled");
            int total = h.Runner.Read(() =>
            {
                ticking = false;
                return expected.Count;
            });
            WaitUntil(() => h.Channel.SentCount == total, "everything sent");

            Assert.Equal(expected, h.Channel.Sent.Select(Text));
            Assert.Equal(expected, h.Events);
            Assert.Equal(
                Enumerable.Range(0, 200).SelectMany(i => Enumerable.Range(0, 3).Select(k => "r" + i + "." + k)),
                expected.Where(id => id.StartsWith("r", StringComparison.Ordinal)));
            Assert.Equal(80, expected.Count(id => id.StartsWith("c", StringComparison.Ordinal)));
            Assert.Equal(total, h.Runner.DatagramsOut);
            Assert.Equal(200, h.Runner.DatagramsIn);
            Assert.Equal(0, h.Runner.Errors.Total);
            Assert.Equal(0, h.Runner.QueueDrops.Total);
        }

        [Fact]
        public void A_full_receive_queue_drops_and_counts_what_it_cannot_hold_and_loses_nothing_else()
        {
            using var h = new Harness(options: new ProtocolRunnerOptions { ReceiveQueueLimit = 10 });
            h.StartHeldOnFirst();
            for (int i = 1; i <= 50; i++)
            {
                h.Channel.Deliver(Bytes(i.ToString()));
            }

            // The receive loop reads on while the worker is stuck: 10 wait, 40 find no room.
            WaitUntil(() => h.Runner.DatagramsIn == 51, "the receive loop read every datagram");
            Assert.Equal(40, h.Runner.QueueDrops["ReceiveQueueFull"]);
            Assert.Equal(10, h.Runner.ReceiveQueueCount);

            h.Release.Set();
            WaitUntil(() => h.Runner.Read(() => h.Steps.Count) == 11, "the queued datagrams handled");

            Assert.Equal(Enumerable.Range(0, 11).Select(i => i.ToString()), h.Runner.Read(() => h.Steps.Select(e => e.What).ToList()));
            Assert.Equal(h.Runner.DatagramsIn - h.Runner.QueueDrops["ReceiveQueueFull"], h.Runner.Read(() => h.Steps.Count));
            Assert.Equal(40, h.Runner.Drops(new DropCounter())["ReceiveQueueFull"]);
            Assert.Equal(0, h.Runner.Errors.Total);
        }

        [Fact]
        public void A_backlog_never_shows_the_protocol_silence_that_was_not_there()
        {
            using var h = new Harness();
            h.OnTick = (now, output) => h.Steps.Add(("tick", now));
            DateTimeOffset arrived = h.Clock.Now;
            h.StartHeldOnFirst();
            h.Channel.Deliver(Bytes("keep-alive"));
            WaitUntil(() => h.Runner.ReceiveQueueCount == 1, "the second datagram queued");

            // Ten seconds pass while the worker is stuck: a time-out must not see them as silence.
            DateTimeOffset later = h.Clock.Advance(TimeSpan.FromSeconds(10));
            h.Release.Set();
            WaitUntil(() => h.Runner.Read(() => h.Steps.Any(e => e.What == "tick" && e.At == later)), "a tick at the present once the queue is empty");

            var steps = h.Runner.Read(() => h.Steps.ToList());
            int handled = steps.FindIndex(e => e.What == "keep-alive");
            Assert.Equal(arrived, steps[handled].At);
            Assert.All(steps.Take(handled), e => Assert.True(e.At <= arrived, e.What + " saw " + e.At + ", after the waiting datagram arrived"));
            Assert.True(steps.Zip(steps.Skip(1), (a, b) => a.At <= b.At).All(ok => ok), "the time a step sees never goes back");
        }

        [Fact]
        public void The_idle_step_runs_once_the_queued_datagrams_are_handled_not_between_them()
        {
            using var h = new Harness();
            h.Runner.Idle = (now, output) => h.Steps.Add(("idle", now));
            h.StartHeldOnFirst();
            for (int i = 1; i <= 5; i++)
            {
                h.Channel.Deliver(Bytes(i.ToString()));
            }

            WaitUntil(() => h.Runner.ReceiveQueueCount == 5, "five datagrams queued behind the first");
            h.Release.Set();
            WaitUntil(() => h.Runner.Read(() => h.Steps.Any(e => e.What == "idle")), "the idle step ran");

            // Under load the idle step waits for the queue to empty; alone, a datagram is followed by it at once.
            Assert.Equal(new[] { "0", "1", "2", "3", "4", "5", "idle" }, h.Runner.Read(() => h.Steps.Select(e => e.What).ToList()));
            h.Channel.Deliver(Bytes("6"));
            WaitUntil(() => h.Runner.Read(() => h.Steps.Count) == 9, "the next datagram and its idle step");
            Assert.Equal(new[] { "6", "idle" }, h.Runner.Read(() => h.Steps.Skip(7).Select(e => e.What).ToList()));
        }

        [Fact]
        public void A_background_steps_datagrams_that_find_the_send_queue_full_are_dropped_and_counted()
        {
            using var h = new Harness(options: new ProtocolRunnerOptions { SendQueueLimit = 5 });
            using var inSend = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.Channel.BeforeSend = d =>
            {
                if (Text(d) == "blocker")
                {
                    inSend.Set();
                    release.Wait(MaxWait);
                }
            };
            int steps = 0;
            h.OnReceive = (d, now, output) =>
            {
                steps++;
                if (Text(d.Payload) == "A")
                {
                    output.Datagrams.Add(Bytes("blocker"));
                    return;
                }

                for (int k = 0; k < 20; k++)
                {
                    output.Datagrams.Add(Bytes("B." + k));
                }
            };
            h.Runner.Start();

            h.Channel.Deliver(Bytes("A"));
            Assert.True(inSend.Wait(MaxWait), "the sender did not take the first datagram");
            h.Channel.Deliver(Bytes("B"));
            WaitUntil(() => h.Runner.Read(() => steps) == 2, "the second datagram handled");

            Assert.Equal(15, h.Runner.QueueDrops["SendQueueFull"]);
            Assert.Equal(5, h.Runner.SendQueueCount);

            release.Set();
            WaitUntil(() => h.Channel.SentCount == 6, "the queued datagrams sent");
            Assert.Equal(new[] { "blocker", "B.0", "B.1", "B.2", "B.3", "B.4" }, h.Channel.Sent.Select(Text));
            Assert.Equal(15, h.Runner.Drops(new DropCounter())["SendQueueFull"]);
        }

        [Fact]
        public async Task Closing_during_a_long_paced_send_does_not_wait_for_it_and_counts_what_it_discarded()
        {
            using var h = new Harness(Slow());
            h.OnReceive = (d, now, output) =>
            {
                for (int k = 0; k < 1000; k++)
                {
                    output.Datagrams.Add(Bytes("backlog." + k));
                }
            };
            h.Runner.Start();
            h.Channel.Deliver(Bytes("go"));
            WaitUntil(() => h.Channel.SentCount >= 1, "the paced send began");

            int farewells = 0;
            Task closing = OnOwnThread(() => h.Runner.Shutdown((now, output) =>
            {
                farewells++;
                for (int k = 0; k < 50; k++)
                {
                    output.Datagrams.Add(Bytes("bye." + k));
                }
            }));

            Assert.True(await FinishesWithin(closing, TimeSpan.FromSeconds(2)), "closing waited for the paced send");
            h.Runner.Shutdown((now, output) => farewells++);
            h.Runner.Dispose();

            string[] sent = h.Channel.Sent.Select(Text).ToArray();
            int backlogSent = sent.Count(s => s.StartsWith("backlog.", StringComparison.Ordinal));
            int farewellSent = sent.Count(s => s.StartsWith("bye.", StringComparison.Ordinal));
            Assert.Equal(1, farewells);
            Assert.Equal(1000, backlogSent + h.Runner.QueueDrops["SendQueueDiscarded"]);
            Assert.True(h.Runner.QueueDrops["SendQueueDiscarded"] > 900, h.Runner.QueueDrops.ToString());

            // At ten a second, fifty farewell datagrams cannot all go within the second allowed.
            Assert.Equal(50, farewellSent + h.Runner.QueueDrops["FarewellUnsent"]);
            Assert.True(h.Runner.QueueDrops["FarewellUnsent"] > 0, h.Runner.QueueDrops.ToString());
            Assert.True(farewellSent > 0, "no farewell datagram went out");
            Assert.Equal(Enumerable.Range(0, farewellSent).Select(k => "bye." + k), sent.Skip(backlogSent));
            Assert.True(h.Channel.IsDisposed);
            Assert.Throws<ObjectDisposedException>(() => h.Runner.Invoke((now, output) => 0));
        }

        [Fact]
        public async Task Closing_while_the_channel_hangs_in_a_send_returns_and_releases_the_waiting_caller()
        {
            using var h = new Harness();
            using var inSend = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.Channel.BeforeSend = HangOn("stuck", inSend, release);
            try
            {
                h.Runner.Start();
                Task caller = OnOwnThread(() => h.Runner.Invoke((now, output) =>
                {
                    output.Datagrams.Add(Bytes("stuck"));
                    output.Datagrams.Add(Bytes("behind"));
                    return 0;
                }));
                Assert.True(inSend.Wait(MaxWait), "the sender did not take the datagram");

                Task closing = OnOwnThread(() => h.Runner.Shutdown((now, output) => output.Datagrams.Add(Bytes("bye"))));

                Assert.True(await FinishesWithin(closing, TimeSpan.FromSeconds(2)), "closing waited for the hanging send");
                Assert.True(await FinishesWithin(caller, TimeSpan.FromSeconds(2)), "the caller still waits");
                await Assert.ThrowsAsync<ObjectDisposedException>(() => caller);
                Assert.Equal(1, h.Runner.QueueDrops["SendQueueDiscarded"]);
                Assert.Equal(1, h.Runner.QueueDrops["FarewellUnsent"]);
            }
            finally
            {
                release.Set();
            }
        }

        [Fact]
        public async Task A_datagrams_departure_is_stamped_when_the_channel_takes_it_and_when_it_is_given_up()
        {
            using var h = new Harness();
            using var inSend = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.Channel.BeforeSend = HangOn("first", inSend, release);
            var first = new DatagramDeparture();
            var second = new DatagramDeparture();
            var stuck = new DatagramDeparture();
            var behind = new DatagramDeparture();
            try
            {
                h.Runner.Start();
                DateTimeOffset produced = h.Clock.Now;
                Task caller = OnOwnThread(() => h.Runner.Invoke((now, output) =>
                {
                    Assert.True(output.ReportsDepartures);
                    output.Add(Bytes("first"), first, now);
                    output.Datagrams.Add(Bytes("plain"));
                    output.Add(Bytes("second"), second, now);
                    return 0;
                }));
                Assert.True(inSend.Wait(MaxWait), "the sender did not take the datagram");

                // Waiting in the send queue (or in the send) is not having left.
                h.Clock.Advance(TimeSpan.FromMilliseconds(50));
                Assert.Null(first.At);
                Assert.Null(second.At);
                release.Set();
                Assert.True(await FinishesWithin(caller, MaxWait), "the caller still waits");
                Assert.Equal(produced + TimeSpan.FromMilliseconds(50), first.At);
                Assert.Equal(produced + TimeSpan.FromMilliseconds(50), second.At);

                // Closing discards what waits: it is gone, and says when.
                inSend.Reset();
                release.Reset();
                h.Channel.BeforeSend = HangOn("stuck", inSend, release);
                Task blocked = OnOwnThread(() => h.Runner.Invoke((now, output) =>
                {
                    output.Add(Bytes("stuck"), stuck, now);
                    output.Add(Bytes("behind"), behind, now);
                    return 0;
                }));
                Assert.True(inSend.Wait(MaxWait), "the sender did not take the datagram");
                h.Clock.Advance(TimeSpan.FromMilliseconds(20));
                Task closing = OnOwnThread(() => h.Runner.Shutdown(null));
                Assert.True(await FinishesWithin(closing, TimeSpan.FromSeconds(2)), "closing waited for the hanging send");
                Assert.Equal(produced + TimeSpan.FromMilliseconds(70), behind.At);
                await Assert.ThrowsAsync<ObjectDisposedException>(() => blocked);
            }
            finally
            {
                release.Set();
            }
        }

        [Fact]
        public async Task Closing_waits_for_the_running_step_then_runs_the_farewell_and_counts_what_was_left_unhandled()
        {
            using var h = new Harness();
            h.StartHeldOnFirst();
            for (int i = 1; i <= 5; i++)
            {
                h.Channel.Deliver(Bytes(i.ToString()));
            }

            WaitUntil(() => h.Runner.ReceiveQueueCount == 5, "five datagrams queued");

            int handledBeforeFarewell = -1;
            Task closing = OnOwnThread(() => h.Runner.Shutdown((now, output) =>
            {
                handledBeforeFarewell = h.Steps.Count;
                output.Datagrams.Add(Bytes("bye"));
            }));
            Assert.False(await FinishesWithin(closing, TimeSpan.FromMilliseconds(200)), "closing did not wait for the running step");
            h.Release.Set();

            Assert.True(await FinishesWithin(closing, TimeSpan.FromSeconds(2)), "closing did not finish");
            Assert.Equal(1, handledBeforeFarewell);
            Assert.Equal(new[] { "0" }, h.Steps.Select(e => e.What));
            Assert.Equal(5, h.Runner.QueueDrops["ReceiveQueueDiscarded"]);
            Assert.Equal(new[] { "bye" }, h.Channel.Sent.Select(Text));
            Assert.Equal(0, h.Runner.Errors.Total);
        }

        [Fact]
        public async Task Closing_does_not_wait_for_a_step_that_runs_past_the_close_time_out()
        {
            using var h = new Harness(options: new ProtocolRunnerOptions { CloseTimeout = TimeSpan.FromMilliseconds(300) });
            using var entered = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.OnReceive = (d, now, output) =>
            {
                entered.Set();
                release.Wait(TimeSpan.FromSeconds(10));
                output.Datagrams.Add(Bytes("late"));
            };
            try
            {
                h.Runner.Start();
                h.Channel.Deliver(Bytes("hang"));
                Assert.True(entered.Wait(MaxWait), "the worker did not take the datagram");
                bool farewellRan = false;

                Task closing = OnOwnThread(() => h.Runner.Shutdown((now, output) => farewellRan = true));

                Assert.True(await FinishesWithin(closing, TimeSpan.FromSeconds(2)), "closing waited for the hanging step");
                Assert.False(farewellRan);
                Assert.Equal(1, h.Runner.Errors["FarewellSkipped"]);
                Assert.IsType<TimeoutException>(h.Runner.LastError);
                Assert.True(h.Channel.IsDisposed);

                // The step ends later: what it produced is counted, not sent.
                release.Set();
                WaitUntil(() => h.Runner.QueueDrops["SendQueueDiscarded"] == 1, "the late step's datagram counted");
                Assert.Empty(h.Channel.Sent);
            }
            finally
            {
                release.Set();
            }
        }

        [Fact]
        public async Task Reading_state_during_a_long_paced_send_does_not_wait_for_it()
        {
            using var h = new Harness(Slow());
            int steps = 0;
            h.OnReceive = (d, now, output) =>
            {
                steps++;
                if (Text(d.Payload) == "flood")
                {
                    for (int k = 0; k < 1000; k++)
                    {
                        output.Datagrams.Add(Bytes("backlog." + k));
                    }
                }
                else
                {
                    output.Datagrams.Add(Bytes("answer"));
                }
            };
            h.Runner.Start();
            h.Channel.Deliver(Bytes("flood"));
            WaitUntil(() => h.Channel.SentCount >= 1, "the paced send began");

            // A caller queues behind the backlog and waits for its datagram; another step runs meanwhile.
            Task<int> caller = OnOwnThread(() => h.Runner.Invoke((now, output) =>
            {
                output.Datagrams.Add(Bytes("mine"));
                return 1;
            }));
            h.Channel.Deliver(Bytes("another"));
            WaitUntil(() => h.Runner.Read(() => steps) == 2, "the second step ran during the paced send");

            for (int i = 0; i < 5; i++)
            {
                Task<int> read = OnOwnThread(() => h.Runner.Read(() => steps));
                Assert.True(await FinishesWithin(read, TimeSpan.FromSeconds(1)), "a read waited behind the paced send");
                Assert.Equal(2, await read);
            }

            Assert.False(caller.IsCompleted, "the caller's datagram cannot have gone out before a paced backlog of 1000");
            h.Runner.Dispose();
            Assert.True(await FinishesWithin(caller, TimeSpan.FromSeconds(2)), "closing did not release the caller");
            await Assert.ThrowsAsync<ObjectDisposedException>(() => caller);
        }

        [Fact]
        public void Ticks_keep_coming_while_the_send_queue_is_backed_up_and_datagrams_flood_in()
        {
            using var h = new Harness(Slow());
            int ticks = 0;
            h.OnTick = (now, output) => Interlocked.Increment(ref ticks);
            h.OnReceive = (d, now, output) =>
            {
                if (Text(d.Payload) == "flood")
                {
                    for (int k = 0; k < 1000; k++)
                    {
                        output.Datagrams.Add(Bytes("backlog." + k));
                    }
                }
                else
                {
                    Thread.Sleep(2);
                }
            };
            h.Runner.Start();
            h.Channel.Deliver(Bytes("flood"));
            WaitUntil(() => h.Channel.SentCount >= 1, "the paced send began");

            // 2000 datagrams of at least 2 ms each: at least 4 s of work.
            for (int i = 0; i < 2000; i++)
            {
                h.Channel.Deliver(Bytes("n" + i));
            }

            int before = Volatile.Read(ref ticks);
            WaitUntil(() => Volatile.Read(ref ticks) >= before + 5, "five more ticks", TimeSpan.FromSeconds(3));

            Assert.True(h.Runner.ReceiveQueueCount > 0, "the ticks came only after the flood was handled");
            Assert.True(h.Runner.SendQueueCount > 0, "the send queue drained");
            Assert.Equal(0, h.Runner.QueueDrops.Total);
        }

        [Fact]
        public void A_throwing_step_is_counted_and_the_worker_goes_on()
        {
            using var h = new Harness();
            var handled = new List<string>();
            int ticks = 0;
            h.OnReceive = (d, now, output) =>
            {
                if (Text(d.Payload) == "bad")
                {
                    throw new InvalidOperationException("bad datagram");
                }

                handled.Add(Text(d.Payload));
                output.Datagrams.Add(d.Payload);
            };
            h.OnTick = (now, output) =>
            {
                if (++ticks == 1)
                {
                    output.Datagrams.Add(Bytes("from a bad tick"));
                    throw new InvalidOperationException("bad tick");
                }
            };
            h.Runner.Start();

            h.Channel.Deliver(Bytes("one"));
            h.Channel.Deliver(Bytes("bad"));
            h.Channel.Deliver(Bytes("two"));
            WaitUntil(() => h.Runner.Read(() => handled.Count == 2 && ticks >= 2), "the worker went on");
            WaitUntil(() => h.Channel.SentCount == 2, "the good steps' datagrams sent");

            Assert.Equal(new[] { "one", "two" }, h.Runner.Read(() => handled.ToList()));
            Assert.Equal(2, h.Runner.Errors["StepError"]);
            Assert.Equal(2, h.Runner.Drops(new DropCounter())["StepError"]);
            Assert.IsType<InvalidOperationException>(h.Runner.LastError);

            // What a failed step produced is not sent.
            Assert.Equal(new[] { "one", "two" }, h.Channel.Sent.Select(Text));
        }

        [Fact]
        public async Task Invoke_without_waiting_until_sent_returns_once_queued_behind_a_paced_backlog()
        {
            // 10 datagrams a second: the caller's three would go out in about 0.3 s; it does not wait.
            using var h = new Harness(Slow());
            h.Runner.Start();
            Task<int> caller = OnOwnThread(() => h.Runner.Invoke(
                (now, output) =>
                {
                    output.Datagrams.Add(Bytes("one"));
                    output.Datagrams.Add(Bytes("two"));
                    output.Datagrams.Add(Bytes("three"));
                    return 3;
                },
                CancellationToken.None,
                waitUntilSent: false));
            Assert.True(await FinishesWithin(caller, TimeSpan.FromSeconds(5)), "the caller waited for the paced sender");
            Assert.Equal(3, await caller);
            Assert.True(h.Channel.SentCount < 3, "all three went out before the caller returned: the test proves nothing");
            WaitUntil(() => h.Channel.SentCount == 3, "the queued datagrams went out in turn");
            Assert.Equal(new[] { "one", "two", "three" }, h.Channel.Sent.Select(Text));
        }

        [Fact]
        public void Invoke_without_waiting_until_sent_counts_a_send_failure_instead_of_throwing_it()
        {
            using var h = new Harness();
            h.Channel.BeforeSend = d =>
            {
                if (Text(d) == "refused")
                {
                    throw new McastTransportException("refused", "send", null, SocketError.HostUnreachable, null);
                }
            };
            h.Runner.Start();
            int result = h.Runner.Invoke(
                (now, output) =>
                {
                    output.Datagrams.Add(Bytes("refused"));
                    output.Datagrams.Add(Bytes("after"));
                    return 5;
                },
                CancellationToken.None,
                waitUntilSent: false);
            Assert.Equal(5, result);
            WaitUntil(() => h.Channel.SentCount == 1, "the next datagram went out");
            Assert.Equal(new[] { "after" }, h.Channel.Sent.Select(Text));
            WaitUntil(() => h.Runner.Errors["SendError"] == 1, "the refusal was counted");
        }

        [Fact]
        public void Invoke_throws_a_send_failure_to_the_caller_and_the_runner_goes_on()
        {
            using var h = new Harness();
            h.Channel.BeforeSend = d =>
            {
                if (Text(d) == "refused")
                {
                    throw new McastTransportException("refused", "send", null, SocketError.HostUnreachable, null);
                }
            };
            h.Runner.Start();

            McastTransportException ex = Assert.Throws<McastTransportException>(() => h.Runner.Invoke((now, output) =>
            {
                output.Datagrams.Add(Bytes("before"));
                output.Datagrams.Add(Bytes("refused"));
                output.Datagrams.Add(Bytes("after"));
                return 0;
            }));

            Assert.Equal("send", ex.Operation);
            Assert.Equal(SocketError.HostUnreachable, ex.SocketError);
            Assert.Equal(7, h.Runner.Invoke((now, output) =>
            {
                output.Datagrams.Add(Bytes("later"));
                return 7;
            }));
            Assert.Equal(new[] { "before", "after", "later" }, h.Channel.Sent.Select(Text));
            Assert.Equal(1, h.Runner.Errors["SendError"]);
            Assert.Same(ex, h.Runner.LastError);
        }

        [Fact]
        public async Task Invoke_returns_once_its_datagrams_were_handed_to_the_channel()
        {
            using var h = new Harness();
            using var inSend = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.Channel.BeforeSend = d =>
            {
                inSend.Set();
                release.Wait(MaxWait);
            };
            h.Runner.Start();

            Task<int> caller = OnOwnThread(() => h.Runner.Invoke((now, output) =>
            {
                output.Datagrams.Add(Bytes("slow"));
                return 42;
            }));
            Assert.True(inSend.Wait(MaxWait), "the sender did not take the datagram");

            Assert.False(await FinishesWithin(caller, TimeSpan.FromMilliseconds(200)), "Invoke returned before its datagram was handed over");
            release.Set();
            Assert.True(await FinishesWithin(caller, MaxWait), "Invoke did not return after the send");
            Assert.Equal(42, await caller);
            Assert.Equal(new[] { "slow" }, h.Channel.Sent.Select(Text));
        }

        [Fact]
        public async Task A_caller_waits_without_the_lock_for_room_in_the_send_queue_and_may_cancel_that_wait()
        {
            // High water: half of 4 datagrams.
            using var h = new Harness(options: new ProtocolRunnerOptions { SendQueueLimit = 4 });
            using var inSend = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.Channel.BeforeSend = d =>
            {
                if (Text(d) == "blocker")
                {
                    inSend.Set();
                    release.Wait(MaxWait);
                }
            };
            h.OnReceive = (d, now, output) =>
            {
                foreach (string id in new[] { "blocker", "q1", "q2", "q3" })
                {
                    output.Datagrams.Add(Bytes(id));
                }
            };
            h.Runner.Start();
            h.Channel.Deliver(Bytes("fill"));
            Assert.True(inSend.Wait(MaxWait), "the sender did not take the first datagram");
            WaitUntil(() => h.Runner.SendQueueCount == 3, "three datagrams queued");

            bool ran = false;
            using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            {
                Assert.ThrowsAny<OperationCanceledException>(() => h.Runner.Invoke(
                    (now, output) =>
                    {
                        ran = true;
                        return 0;
                    },
                    cancel.Token));
            }

            Assert.False(h.Runner.Read(() => ran), "the step ran although the queue was above its high water");

            Task caller = OnOwnThread(() => h.Runner.Invoke((now, output) =>
            {
                ran = true;
                output.Datagrams.Add(Bytes("mine"));
                return 0;
            }));
            Assert.False(await FinishesWithin(caller, TimeSpan.FromMilliseconds(200)), "the caller did not wait for room");
            Assert.False(h.Runner.Read(() => ran), "the step ran before there was room");

            release.Set();
            Assert.True(await FinishesWithin(caller, MaxWait), "the caller was not let through");
            Assert.Equal(new[] { "blocker", "q1", "q2", "q3", "mine" }, h.Channel.Sent.Select(Text));
            Assert.Equal(0, h.Runner.QueueDrops.Total);
        }

        [Fact]
        public async Task Cancelling_the_wait_after_the_step_leaves_its_datagrams_to_go_out_in_turn()
        {
            using var h = new Harness();
            using var inSend = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            h.Channel.BeforeSend = d =>
            {
                if (Text(d) == "first")
                {
                    inSend.Set();
                    release.Wait(MaxWait);
                }
            };
            h.Runner.Start();
            Task first = OnOwnThread(() => h.Runner.Invoke((now, output) =>
            {
                output.Datagrams.Add(Bytes("first"));
                return 0;
            }));
            Assert.True(inSend.Wait(MaxWait), "the sender did not take the first datagram");

            bool ran = false;
            using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
            {
                OperationCanceledException ex = Assert.ThrowsAny<OperationCanceledException>(() => h.Runner.Invoke(
                    (now, output) =>
                    {
                        ran = true;
                        output.Datagrams.Add(Bytes("second"));
                        return 0;
                    },
                    cancel.Token));
                Assert.Equal(cancel.Token, ex.CancellationToken);
            }

            Assert.True(h.Runner.Read(() => ran));
            release.Set();
            Assert.True(await FinishesWithin(first, MaxWait), "the first caller did not return");
            WaitUntil(() => h.Channel.SentCount == 2, "both datagrams sent");
            Assert.Equal(new[] { "first", "second" }, h.Channel.Sent.Select(Text));
        }

        [Fact]
        public void Steps_get_the_runners_clock()
        {
            using var h = new Harness();
            var seen = new List<DateTimeOffset>();
            h.OnTick = (now, output) => seen.Add(now);
            DateTimeOffset first = h.Clock.Now;
            h.Runner.Start();

            WaitUntil(() => h.Runner.Read(() => seen.Count) >= 1, "a tick");
            DateTimeOffset later = h.Clock.Advance(TimeSpan.FromHours(1));
            WaitUntil(() => h.Runner.Read(() => seen.Contains(later)), "a tick at the advanced time");

            Assert.True(h.Runner.Read(() => seen.All(t => t == first || t == later)));
            Assert.Equal(later, h.Runner.Invoke((now, output) => now));
        }

        [Fact]
        public void Socket_facts_pass_through_and_kernel_drops_join_the_drops()
        {
            var fake = new FakeDatagramChannel { ReceiveBufferBytes = 425984, KernelDrops = 0 };
            using var h = new Harness(channel: new FaultInjectingChannel(fake, new FaultRules(), 1));

            Assert.Equal(425984, h.Runner.ReceiveBufferBytes);
            Assert.Equal(0, h.Runner.KernelDrops);
            var protocolDrops = new DropCounter();
            protocolDrops.Add("NotForUs");
            Assert.False(h.Runner.Drops(protocolDrops).ContainsKey("KernelDrops"));

            fake.KernelDrops = 7;
            IReadOnlyDictionary<string, long> drops = h.Runner.Drops(protocolDrops, new KeyValuePair<string, long>("InboxOverflow", 2), new KeyValuePair<string, long>("PeerTableFull", 0));
            Assert.Equal(7, h.Runner.KernelDrops);
            Assert.Equal(new[] { "InboxOverflow", "KernelDrops", "NotForUs" }, drops.Keys);
            Assert.Equal(7, drops["KernelDrops"]);

            fake.KernelDrops = null;
            fake.ReceiveBufferBytes = null;
            Assert.Null(h.Runner.KernelDrops);
            Assert.Null(h.Runner.ReceiveBufferBytes);
        }

        [Fact]
        public void A_runner_starts_once_and_refuses_steps_before_it_starts()
        {
            using var h = new Harness();

            Assert.Throws<InvalidOperationException>(() => h.Runner.Invoke((now, output) => 0));
            h.Runner.Start();
            Assert.Throws<InvalidOperationException>(() => h.Runner.Start());
            Assert.Equal(3, h.Runner.Invoke((now, output) => 3));
        }

        [Fact]
        public void Closing_sends_the_farewell_after_what_was_sent_closes_the_channel_and_is_idempotent()
        {
            using var h = new Harness();
            int farewells = 0;
            h.Runner.Start();
            h.Runner.Invoke((now, output) =>
            {
                output.Datagrams.Add(Bytes("hello"));
                return 0;
            });

            h.Runner.Shutdown((now, output) =>
            {
                farewells++;
                output.Datagrams.Add(Bytes("bye.0"));
                output.Datagrams.Add(Bytes("bye.1"));
                output.Events.Add("left");
            });
            h.Runner.Shutdown((now, output) => farewells++);
            h.Runner.Dispose();

            Assert.Equal(1, farewells);
            Assert.Equal(new[] { "hello", "bye.0", "bye.1" }, h.Channel.Sent.Select(Text));
            Assert.Equal(new[] { "left" }, h.Events);
            Assert.True(h.Channel.IsDisposed);
            Assert.Equal(0, h.Runner.QueueDrops.Total);
            Assert.Equal(0, h.Runner.Errors.Total);
            Assert.Throws<ObjectDisposedException>(() => h.Runner.Invoke((now, output) => 0));
        }

        [Fact]
        public void A_deadline_set_by_a_callers_step_brings_the_tick_forward_long_before_the_period()
        {
            // A period of a minute: any tick seen within seconds came from the deadline.
            using var h = new Harness(options: new ProtocolRunnerOptions { TickPeriod = TimeSpan.FromMinutes(1) });
            DateTimeOffset? deadline = null;
            var ticks = new List<DateTimeOffset>();
            h.Runner.NextDeadline = () => deadline;
            h.OnTick = (now, output) =>
            {
                ticks.Add(now);
                if (deadline <= now)
                {
                    deadline = null;
                }
            };
            h.Runner.Start();

            // The worker waits for a minute; the caller's step asks for a tick now.
            h.Runner.Invoke((now, output) =>
            {
                deadline = now;
                return 0;
            });

            WaitUntil(() => h.Runner.Read(() => ticks.Count) == 1, "a tick at the deadline");
            Assert.Null(h.Runner.Read(() => deadline));

            // A deadline in the future of the (fake) clock is not due: no tick while it does not come.
            h.Runner.Invoke((now, output) =>
            {
                deadline = now + TimeSpan.FromHours(1);
                return 0;
            });
            Thread.Sleep(200);
            Assert.Equal(1, h.Runner.Read(() => ticks.Count));
            Assert.Equal(0, h.Runner.Errors.Total);
        }

        [Fact]
        public void A_deadline_a_tick_leaves_in_the_past_is_not_ticked_in_a_busy_loop()
        {
            using var h = new Harness(options: new ProtocolRunnerOptions { TickPeriod = TimeSpan.FromMinutes(1) });
            int ticks = 0;
            h.Runner.NextDeadline = () => h.Clock.Now - TimeSpan.FromSeconds(1);
            h.OnTick = (now, output) => ticks++;
            h.Runner.Start();

            Thread.Sleep(300);

            // A millisecond apart at most: a few hundred ticks, not the millions of a spinning loop.
            int seen = h.Runner.Read(() => ticks);
            Assert.InRange(seen, 1, 600);
        }

        [Fact]
        public void A_throwing_deadline_is_counted_and_the_worker_goes_on()
        {
            using var h = new Harness(options: new ProtocolRunnerOptions { TickPeriod = TimeSpan.FromMilliseconds(20) });
            int ticks = 0;
            h.Runner.NextDeadline = () => throw new InvalidOperationException("broken");
            h.OnTick = (now, output) => ticks++;
            h.Runner.Start();

            WaitUntil(() => h.Runner.Read(() => ticks) >= 3, "periodic ticks go on");
            Assert.True(h.Runner.Errors.Total >= 1);
            Assert.IsType<InvalidOperationException>(h.Runner.LastError);
        }

        /// <summary>A runner on a fake channel and a fake clock, with steps a test sets.</summary>
        private sealed class Harness : IDisposable
        {
            private readonly List<string> events = new List<string>();

            public Harness(SendPacer? pacer = null, ProtocolRunnerOptions? options = null, IDatagramChannel? channel = null)
            {
                Channel = new FakeDatagramChannel();
                Runner = new ProtocolRunner<string>(
                    channel ?? Channel,
                    (d, now, output) => OnReceive(d, now, output),
                    (now, output) => OnTick(now, output),
                    e =>
                    {
                        lock (events)
                        {
                            events.Add(e);
                        }
                    },
                    pacer ?? new SendPacer(1000000, 1000000),
                    Clock,
                    options);
            }

            public FakeDatagramChannel Channel { get; }

            public FakeMonotonicClock Clock { get; } = new FakeMonotonicClock();

            public ProtocolRunner<string> Runner { get; }

            public Action<Datagram, DateTimeOffset, ProtocolOutput<string>> OnReceive { get; set; } = (d, now, output) => { };

            /// <summary>What <see cref="StartHeldOnFirst"/> noted: each step and the time it was given (read it under the runner's lock).</summary>
            public List<(string What, DateTimeOffset At)> Steps { get; } = new List<(string What, DateTimeOffset At)>();

            private readonly ManualResetEventSlim entered = new ManualResetEventSlim();

            /// <summary>Set by the test to let the worker go on from the datagram "0".</summary>
            public ManualResetEventSlim Release { get; } = new ManualResetEventSlim();

            /// <summary>
            /// Notes every received datagram's text and time in <see cref="Steps"/>, starts the runner,
            /// delivers the datagram "0" and returns once the worker is held in its step, where it stays
            /// until <see cref="Release"/> is set: the datagrams delivered meanwhile wait in the queue.
            /// </summary>
            public void StartHeldOnFirst()
            {
                OnReceive = (d, now, output) =>
                {
                    Steps.Add((Text(d.Payload), now));
                    if (Text(d.Payload) == "0")
                    {
                        entered.Set();
                        Release.Wait(MaxWait);
                    }
                };
                Runner.Start();
                Channel.Deliver(Bytes("0"));
                Assert.True(entered.Wait(MaxWait), "the worker did not take the first datagram");
            }

            public Action<DateTimeOffset, ProtocolOutput<string>> OnTick { get; set; } = (now, output) => { };

            public List<string> Events
            {
                get
                {
                    lock (events)
                    {
                        return new List<string>(events);
                    }
                }
            }

            public void Dispose()
            {
                Release.Set();
                Runner.Dispose();
                Release.Dispose();
                entered.Dispose();
            }
        }
    }
}
