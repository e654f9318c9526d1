using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using McastCrypto.Bench.Report;
using McastCrypto.Protocol;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Bench
{
    /// <summary>
    /// Membership on loopback, every member a session of this process:
    /// <list type="bullet">
    /// <item><b>Joins</b>: the clock starts before the first <see cref="McastSession.Open(McastSessionOptions, CancellationToken)"/>
    /// and stops when the last one returned (Open returns once the relay announced that member's
    /// join to it). One after another, as a script's loop of New-McastSession would; in the full run
    /// also all at once, from 64 threads released together, and for Classic (16 members). The Secure
    /// relay's Hello budget per source address is raised to 64 a second (every member here shares
    /// 127.0.0.1; members on 64 hosts would each have the default 5), except in the full run's row
    /// that says default budget.</item>
    /// <item><b>Rekey</b>: a group of 64 plus one; the clock starts when the one is closed (its Leave
    /// is the trigger: the relay starts a new epoch for the 64 who stay) and stops when the last of
    /// the 64 reports the new <see cref="McastSession.Epoch"/> (read in a loop that yields between
    /// passes). The relay's datagrams and bytes are counted by a decorator on its channel over the
    /// same interval: the Rekey datagrams, the group datagram announcing the departure, and anything
    /// else it sent meanwhile (repairs, heartbeats). Repeated, a new 65th member joining each time.</item>
    /// </list>
    /// CPU is that of the whole process (relay and members share two cores); nothing is subtracted.
    /// </summary>
    internal static class MembershipSection
    {
        private const int Members = 64;

        /// <summary>Classic joins are timed with fewer members: see the note the section adds.</summary>
        private const int ClassicMembers = 16;

        public static void Run(BenchRun run)
        {
            BenchTable table = run.Report.AddTable(
                "membership",
                "Membership: 64 members joining one relay, and a rekey among 64 (loopback, one process)",
                "what", "runs", "median ms", "min ms", "max ms", "relay datagrams", "of them Rekey", "relay bytes");

            int rounds = run.Quick ? 5 : 20;
            WarmUp(run.Quick ? new[] { McastProtocol.Secure } : new[] { McastProtocol.Secure, McastProtocol.Classic });
            SecureJoinsAndRekeys(run, table, rounds);

            if (!run.Quick)
            {
                run.Progress("Secure: 64 joins all at once");
                Joins(run, table, McastProtocol.Secure, Members, raisedBudget: true, together: true, "Secure: 64 join all at once (64 threads)", "membership.join64.together.milliseconds");
                run.Progress("Secure: 64 joins with the default Hello budget (5 a second from 127.0.0.1)");
                Joins(run, table, McastProtocol.Secure, Members, raisedBudget: false, together: false, "Secure: 64 join one after another, default Hello budget (5/s per source address, all on 127.0.0.1)", "membership.join64.defaultBudget.milliseconds");
                run.Progress($"Classic: {ClassicMembers} joins one after another");
                Joins(run, table, McastProtocol.Classic, ClassicMembers, raisedBudget: false, together: false, $"Classic: {ClassicMembers} join one after another (each makes an RSA-2048 key)", $"membership.classic.join{ClassicMembers}.milliseconds");
                run.Report.Notes.Add(
                    $"Membership: Classic is timed with {ClassicMembers} members, not 64: each Classic session makes an RSA-2048 key when it opens, and the Classic relay imports at most 10 keys a second, so 64 joins take at least 6.4 s by that budget alone.");
            }
            else
            {
                run.Report.Notes.Add("Membership (quick): the Secure joins all at once and with the default Hello budget, and the Classic joins, run in the full run only.");
            }

            run.Report.Notes.Add(
                "Membership: the Secure relay's Hello budget per source address is raised to 64 a second for the join and rekey rows (all 64 members send from 127.0.0.1; with the default 5 a second the joins measure the budget, as the default-budget row shows in a full run). "
                + "Each Secure join starts a new epoch, so 64 joins send 64 rekeys to groups of 1 to 64.");
        }

        private static void SecureJoinsAndRekeys(BenchRun run, BenchTable table, int rounds)
        {
            MulticastOptions network = LoopbackGroup.NewNetwork();
            var tally = new SendTally();
            var sessions = new List<McastSession>();
            McastRelay relay = McastRelay.Start(new McastRelayOptions
            {
                Name = "bench-membership",
                Network = network,
                ChannelDecorator = tally.Wrap,
                HandshakesPerSourcePerSecond = Members,
            });
            try
            {
                run.Progress("Secure: 64 joins one after another");
                SendTally.Snapshot before = tally.Take();
                var watch = Stopwatch.StartNew();
                for (int i = 0; i < Members; i++)
                {
                    sessions.Add(McastSession.Open(LoopbackGroup.Session(relay, network, "m" + i), CancellationToken.None));
                }

                double joinMs = watch.Elapsed.TotalMilliseconds;
                SendTally.Snapshot sent = tally.Take() - before;
                CheckJoined(relay, sessions);
                table.AddRow("Secure: 64 join one after another (as a script would)", 1, joinMs, joinMs, joinMs, sent.Datagrams, sent.Rekeys, sent.Bytes);
                run.Report.Figure("membership.join64.milliseconds", joinMs);

                Rekeys(run, table, relay, network, tally, sessions, rounds);
            }
            finally
            {
                Close(relay, sessions);
            }

        }

        /// <summary>A 65th member joins (timed too: one join into a group of 64), the group settles, the 65th leaves: the rekey is timed and counted.</summary>
        private static void Rekeys(BenchRun run, BenchTable table, McastRelay relay, MulticastOptions network, SendTally tally, List<McastSession> group, int rounds)
        {
            run.Progress($"Secure: {rounds} rekeys among 64 (a 65th joins, then leaves)");
            var joins = new List<double>();
            var rekeys = new List<double>();
            var datagrams = new List<long>();
            var rekeyDatagrams = new List<long>();
            var bytes = new List<long>();
            int unfinished = 0;
            for (int round = 0; round < rounds; round++)
            {
                var watch = Stopwatch.StartNew();
                McastSession extra = McastSession.Open(LoopbackGroup.Session(relay, network, "extra" + round), CancellationToken.None);
                joins.Add(watch.Elapsed.TotalMilliseconds);
                try
                {
                    long epoch = relay.Epoch ?? 0;
                    if (!WaitUntil(() => group.All(s => s.Epoch >= epoch) && relay.Epoch == epoch, TimeSpan.FromSeconds(5)))
                    {
                        run.Report.Notes.Add($"Membership rekey round {round}: the group did not settle on epoch {epoch} within 5 s; the round was skipped.");
                        continue;
                    }

                    // Quiet a moment, so that the join's own traffic (Joined notices, repairs) is not counted.
                    Thread.Sleep(20);
                    SendTally.Snapshot before = tally.Take();
                    long start = Stopwatch.GetTimestamp();
                    var closer = new Thread(extra.Close) { IsBackground = true, Name = "bench-leave" };
                    closer.Start();
                    var pending = new List<McastSession>(group);
                    long deadline = start + (5 * Stopwatch.Frequency);
                    long last = start;
                    while (pending.Count > 0 && Stopwatch.GetTimestamp() < deadline)
                    {
                        for (int i = pending.Count - 1; i >= 0; i--)
                        {
                            if (pending[i].Epoch > epoch)
                            {
                                last = Stopwatch.GetTimestamp();
                                pending.RemoveAt(i);
                            }
                        }

                        Thread.Yield();
                    }

                    SendTally.Snapshot sent = tally.Take() - before;
                    closer.Join(TimeSpan.FromSeconds(10));
                    if (pending.Count > 0)
                    {
                        unfinished++;
                        continue;
                    }

                    rekeys.Add((last - start) * 1000.0 / Stopwatch.Frequency);
                    datagrams.Add(sent.Datagrams);
                    rekeyDatagrams.Add(sent.Rekeys);
                    bytes.Add(sent.Bytes);
                }
                finally
                {
                    extra.Dispose();
                }
            }

            if (unfinished > 0)
            {
                run.Report.Notes.Add($"Membership: in {unfinished} of {rounds} rekeys some of the 64 members did not report the new epoch within 5 s; those rounds are left out of the rekey row.");
            }

            AddSpread(table, "Secure: a 65th joins a group of 64 (one join)", joins, null, null, null);
            run.Report.Figure("membership.join65th.medianMilliseconds", Median(joins));
            if (rekeys.Count == 0)
            {
                table.AddRow("Secure: rekey among 64 (one of 65 leaves; until all 64 have the new epoch)", 0, null, null, null, null, null, null);
                run.Report.Notes.Add("Membership: no rekey finished; membership.rekey64 figures are missing.");
                return;
            }

            long medianDatagrams = MedianLong(datagrams);
            AddSpread(table, "Secure: rekey among 64 (one of 65 leaves; until all 64 have the new epoch)", rekeys, medianDatagrams, MedianLong(rekeyDatagrams), MedianLong(bytes));
            run.Report.Figure("membership.rekey64.milliseconds", Median(rekeys));
            run.Report.Figure("membership.rekey64.datagrams", medianDatagrams);
            run.Report.Figure("membership.rekey64.bytes", MedianLong(bytes));
            double median = Median(rekeys);
            BenchTable goals = run.Report.AddTable("membership-goals", "Goals read against (not asserted): membership", "goal", "measured", "met");
            goals.AddRow("Rekey of 64 members under 50 ms", $"median {BenchReport.FormatNumber(median)} ms of {rekeys.Count} (max {BenchReport.FormatNumber(rekeys.Max())} ms)", median < 50 ? "yes" : "no");
            run.Report.Notes.Add("Membership: the rekey row's relay datagrams and bytes are medians over the rounds.");
        }

        /// <summary><paramref name="members"/> members of a new relay join, one after another or all at once; the time from the first Open to the last one returned.</summary>
        private static void Joins(BenchRun run, BenchTable table, McastProtocol protocol, int members, bool raisedBudget, bool together, string label, string? figure)
        {
            MulticastOptions network = LoopbackGroup.NewNetwork();
            var tally = new SendTally();
            var sessions = new McastSession?[members];
            var options = new McastRelayOptions { Name = "bench-joins", Protocol = protocol, Network = network, ChannelDecorator = tally.Wrap };
            if (raisedBudget)
            {
                options.HandshakesPerSourcePerSecond = Members;
            }

            McastRelay relay = McastRelay.Start(options);
            try
            {
                var errors = new List<Exception>();
                var watch = Stopwatch.StartNew();
                if (together)
                {
                    using var go = new ManualResetEventSlim(false);
                    var threads = Enumerable.Range(0, members).Select(i => new Thread(() =>
                    {
                        go.Wait();
                        try
                        {
                            sessions[i] = McastSession.Open(LoopbackGroup.Session(relay, network, "m" + i), CancellationToken.None);
                        }
                        catch (Exception e) when (e is TimeoutException || e is McastSessionFailedException || e is InvalidOperationException)
                        {
                            lock (errors)
                            {
                                errors.Add(e);
                            }
                        }
                    }) { IsBackground = true, Name = "bench-join-" + i }).ToList();
                    threads.ForEach(t => t.Start());
                    watch.Restart();
                    go.Set();
                    threads.ForEach(t => t.Join(TimeSpan.FromSeconds(60)));
                }
                else
                {
                    for (int i = 0; i < members; i++)
                    {
                        sessions[i] = McastSession.Open(LoopbackGroup.Session(relay, network, "m" + i), CancellationToken.None);
                    }
                }

                double ms = watch.Elapsed.TotalMilliseconds;
                SendTally.Snapshot sent = tally.Take();
                int joined = sessions.Count(s => s is not null);
                if (errors.Count > 0 || joined < members)
                {
                    run.Report.Notes.Add($"Membership, {label}: {joined} of {members} joined ({errors.Count} failed, first: {errors.FirstOrDefault()?.Message}); the time is up to the last that did.");
                }
                else
                {
                    CheckJoined(relay, sessions!);
                }

                table.AddRow(label, 1, ms, ms, ms, sent.Datagrams, protocol == McastProtocol.Secure ? sent.Rekeys : (long?)null, sent.Bytes);
                if (figure is not null)
                {
                    run.Report.Figure(figure, ms);
                }
            }
            finally
            {
                Close(relay, sessions.Where(s => s is not null).ToList()!);
            }
        }

        /// <summary>One relay and two members of each protocol timed here, opened and closed: the code the timed joins run is compiled before the clock starts.</summary>
        private static void WarmUp(McastProtocol[] protocols)
        {
            foreach (McastProtocol protocol in protocols)
            {
                MulticastOptions network = LoopbackGroup.NewNetwork();
                var sessions = new List<McastSession>();
                McastRelay relay = McastRelay.Start(new McastRelayOptions { Name = "bench-warm-up", Protocol = protocol, Network = network });
                try
                {
                    for (int i = 0; i < 2; i++)
                    {
                        sessions.Add(McastSession.Open(LoopbackGroup.Session(relay, network, "w" + i), CancellationToken.None));
                    }
                }
                finally
                {
                    Close(relay, sessions);
                }
            }
        }

        private static void CheckJoined(McastRelay relay, IReadOnlyList<McastSession> sessions)
        {
            if (sessions.Any(s => s.State != MemberState.Connected) || relay.MemberCount < sessions.Count)
            {
                throw new InvalidOperationException($"After the joins the relay knows {relay.MemberCount} members and {sessions.Count(s => s.State == MemberState.Connected)} of {sessions.Count} sessions are connected.");
            }
        }

        /// <summary>The relay first (so that the members' leaves start no rekeys), then the sessions, several at a time.</summary>
        private static void Close(McastRelay relay, List<McastSession> sessions)
        {
            relay.Stop();
            sessions.AsParallel().WithDegreeOfParallelism(8).ForAll(s => s.Dispose());
        }

        private static bool WaitUntil(Func<bool> condition, TimeSpan limit)
        {
            var watch = Stopwatch.StartNew();
            while (!condition())
            {
                if (watch.Elapsed > limit)
                {
                    return false;
                }

                Thread.Sleep(1);
            }

            return true;
        }

        private static void AddSpread(BenchTable table, string label, List<double> ms, long? datagrams, long? rekeys, long? bytes) =>
            table.AddRow(label, ms.Count, Median(ms), ms.Min(), ms.Max(), datagrams, rekeys, bytes);

        private static double Median(List<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
        }

        private static long MedianLong(List<long> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            return sorted[sorted.Count / 2];
        }
    }
}
