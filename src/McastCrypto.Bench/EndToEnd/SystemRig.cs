using System;
using System.Diagnostics;
using System.Net;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// One system set up for measuring: its relay in a child process, and in this process its sender
    /// and <see cref="Members"/> receiving members, all on loopback (a random group in 239.255.0.0/16
    /// and a random port; TCP on 127.0.0.1). Runs the cells: closed loop (<see cref="RunClosedLoop"/>)
    /// and paced (<see cref="RunPaced"/>).
    /// </summary>
    internal sealed class SystemRig : IDisposable
    {
        private static readonly TimeSpan PrimeTimeout = TimeSpan.FromSeconds(15);

        private readonly RelayChild relay;
        private readonly IBenchGroup group;

        private SystemRig(BenchSystem system, int members, RelayChild relay, IBenchGroup group, DeliveryTracker tracker)
        {
            System = system;
            Members = members;
            this.relay = relay;
            this.group = group;
            Tracker = tracker;
        }

        public BenchSystem System { get; }

        public int Members { get; }

        public DeliveryTracker Tracker { get; }

        /// <summary>Starts the relay's process, opens the sender and the members, and waits until a first message reaches every member.</summary>
        public static SystemRig Open(BenchSystem system, int members)
        {
            var random = new Random();
            var network = new MulticastOptions
            {
                Group = IPAddress.Parse("239.255." + random.Next(0, 256) + "." + random.Next(1, 255)),
                Port = random.Next(20000, 60000),
                Interface = MulticastOptions.LoopbackInterfaceName,
            };
            RelayChild relay = RelayChild.Start(system, network.Group, network.Port);
            IBenchGroup? group = null;
            try
            {
                var tracker = new DeliveryTracker(members);
                group = system switch
                {
                    BenchSystem.Secure => new McastGroup(McastProtocol.Secure, network, relay.Info, members, tracker),
                    BenchSystem.Classic => new McastGroup(McastProtocol.Classic, network, relay.Info, members, tracker),
                    BenchSystem.Plain => new PlainGroup(network, members, tracker),
                    _ => new TlsFanoutGroup(relay.Info, members, tracker),
                };
                var rig = new SystemRig(system, members, relay, group, tracker);
                rig.Prime();
                return rig;
            }
            catch
            {
                group?.Dispose();
                relay.Dispose();
                throw;
            }
        }

        /// <summary>
        /// One closed-loop cell: at most <paramref name="window"/> messages sent and not yet delivered to
        /// every member; a warm-up, then <paramref name="measure"/> of sending measured, then a drain.
        /// </summary>
        public CellResult RunClosedLoop(int size, int window, TimeSpan warmup, TimeSpan measure, TimeSpan abandonAfter, TimeSpan drainQuiet, TimeSpan drainCap)
        {
            BetweenCells();
            Tracker.StartWindow(window);
            SendClosedLoop(size, Deadline(warmup), abandonAfter);
            return Measure(size, window, drainQuiet, drainCap, () => SendClosedLoop(size, Deadline(measure), abandonAfter));
        }

        /// <summary>
        /// One paced cell (open loop): <paramref name="rate"/> messages a second whatever arrives, a
        /// warm-up, then <paramref name="duration"/> measured with every delivery's latency, then a drain.
        /// </summary>
        public CellResult RunPaced(int size, double rate, TimeSpan warmup, TimeSpan duration, TimeSpan drainQuiet, TimeSpan drainCap)
        {
            BetweenCells();
            Tracker.StartOpenLoop();
            SendPaced(size, rate, warmup);
            Tracker.RecordLatencies((int)Math.Min(int.MaxValue / 2, (rate * duration.TotalSeconds * 1.5 + 100) * Members));
            CellResult result = Measure(size, 0, drainQuiet, drainCap, () => SendPaced(size, rate, duration));
            result.Latencies = Tracker.TakeLatencies();
            return result;
        }

        /// <summary>What the members report as lost or dropped since the group opened; null when nothing.</summary>
        public string? Troubles() => group.Troubles();

        public void Dispose()
        {
            try
            {
                group.Dispose();
            }
            finally
            {
                relay.Dispose();
            }
        }

        private static long Deadline(TimeSpan after) => Stopwatch.GetTimestamp() + (long)(after.TotalSeconds * Stopwatch.Frequency);

        private static TimeSpan Since(long start) => TimeSpan.FromSeconds((Stopwatch.GetTimestamp() - start) / (double)Stopwatch.Frequency);

        private void BetweenCells()
        {
            if (group is McastGroup mcast)
            {
                mcast.DrainSender();
            }
        }

        /// <summary>Sends one message at a time until one reached every member: the members know the sender, the paths are warm.</summary>
        private void Prime()
        {
            Tracker.StartWindow(1);
            long deadline = Deadline(PrimeTimeout);
            while (Tracker.Completed == 0)
            {
                if (Stopwatch.GetTimestamp() > deadline)
                {
                    throw new TimeoutException($"{System}: no message reached all {Members} members within {PrimeTimeout.TotalSeconds} s of opening.");
                }

                if (Tracker.WaitForRoom(TimeSpan.FromMilliseconds(100)))
                {
                    Send(64);
                }
                else
                {
                    Tracker.AbandonStale(TimeSpan.FromMilliseconds(500));
                }
            }
        }

        private void SendClosedLoop(int size, long deadline, TimeSpan abandonAfter)
        {
            while (Stopwatch.GetTimestamp() < deadline)
            {
                if (Tracker.WaitForRoom(TimeSpan.FromMilliseconds(50)))
                {
                    Send(size);
                }
                else
                {
                    Tracker.AbandonStale(abandonAfter);
                }
            }
        }

        /// <summary>
        /// Sends <paramref name="rate"/> messages a second for <paramref name="duration"/>: sleeps a
        /// millisecond at a time and sends every message that is due (each stamped when it is sent).
        /// </summary>
        private void SendPaced(int size, double rate, TimeSpan duration)
        {
            long start = Stopwatch.GetTimestamp();
            long end = Deadline(duration);
            long sent = 0;
            while (true)
            {
                long now = Stopwatch.GetTimestamp();
                if (now >= end)
                {
                    return;
                }

                long due = (long)((now - start) * rate / Stopwatch.Frequency) + 1;
                if (sent >= due)
                {
                    Thread.Sleep(1);
                    continue;
                }

                // Due, sent or refused: a refused message is not offered again (the loop is open).
                sent++;
                if (!Send(size))
                {
                    Thread.Sleep(1);
                }
            }
        }

        /// <summary>Numbers the next message and sends it; false when the system refused it (counted by the tracker).</summary>
        private bool Send(int size)
        {
            long sequence = Tracker.Next();
            if (group.Send(sequence, size))
            {
                return true;
            }

            Tracker.Refuse(sequence);
            return false;
        }

        private CellResult Measure(int size, int window, TimeSpan drainQuiet, TimeSpan drainCap, Action send)
        {
            using Process self = Process.GetCurrentProcess();
            long kernelBefore = group.KernelDrops;
            RelayStats relayBefore = relay.Stats();
            TimeSpan benchCpuBefore = self.TotalProcessorTime;
            long completedBefore = Tracker.Completed;
            long abandonedBefore = Tracker.Abandoned;
            long refusedBefore = Tracker.Refused;
            long first = Tracker.StartMeasure();
            long start = Stopwatch.GetTimestamp();

            send();

            long completedAfter = Tracker.Completed;
            TimeSpan elapsed = Since(start);
            RelayStats relayAfter = relay.Stats();
            self.Refresh();
            TimeSpan benchCpuAfter = self.TotalProcessorTime;
            long refused = Tracker.Refused - refusedBefore;
            long sent = Tracker.Sent - first + 1 - refused;

            // The drain: until every message sent in the measured part is everywhere, or nothing
            // arrived for drainQuiet, or drainCap passed.
            long drainStart = Stopwatch.GetTimestamp();
            bool cut = false;
            while (Tracker.CompletedMeasured < sent)
            {
                long now = Stopwatch.GetTimestamp();
                if (Since(drainStart) >= drainCap)
                {
                    cut = (now - Tracker.LastArrival) / (double)Stopwatch.Frequency < drainQuiet.TotalSeconds;
                    break;
                }

                if ((now - Math.Max(Tracker.LastArrival, drainStart)) / (double)Stopwatch.Frequency >= drainQuiet.TotalSeconds)
                {
                    break;
                }

                Thread.Sleep(5);
            }

            long completed = completedAfter - completedBefore;
            return new CellResult(System, Members, size, window)
            {
                Seconds = elapsed.TotalSeconds,
                Sent = sent,
                Completed = completed,
                Lost = sent - Tracker.CompletedMeasured,
                Abandoned = Tracker.Abandoned - abandonedBefore,
                Refused = refused,
                DrainCutShort = cut,
                DrainSeconds = Since(drainStart).TotalSeconds,
                RelayCpuSeconds = (relayAfter.ProcessorTime - relayBefore.ProcessorTime).TotalSeconds,
                BenchCpuSeconds = (benchCpuAfter - benchCpuBefore).TotalSeconds,
                RelayBytes = relayAfter.BytesSent - relayBefore.BytesSent,
                RelayDatagrams = relayAfter.DatagramsSent - relayBefore.DatagramsSent,
                RelayDatagramsReceived = relayAfter.DatagramsReceived - relayBefore.DatagramsReceived,
                RelayKernelDrops = relayAfter.KernelDrops < 0 ? 0 : relayAfter.KernelDrops - relayBefore.KernelDrops,
                RelayQueueDrops = relayAfter.QueueDrops - relayBefore.QueueDrops,
                RelayRepairs = relayAfter.RepairsSent - relayBefore.RepairsSent,
                MemberKernelDrops = group.KernelDrops - kernelBefore,
            };
        }
    }
}
