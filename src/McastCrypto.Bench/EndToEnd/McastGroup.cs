using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The Secure or Classic system's sender and members: McastSessions with the protocol's defaults,
    /// as a C# user opens them (Secure pinned to the relay's fingerprint, nothing written to the
    /// user's known relays). Each member has a thread that waits for arrivals
    /// (<see cref="McastSession.WaitForArrivals"/>) and takes them (<see cref="McastSession.Receive"/>).
    /// Secure sends bytes (<see cref="McastSession.Send(MessageContent, bool, CancellationToken, Action{SendProgress})"/>
    /// without waiting for the acknowledgement); Classic carries text only, which its relay delivers in
    /// pieces of 190 bytes: a member reports a message once it has every piece.
    /// </summary>
    internal sealed class McastGroup : IBenchGroup
    {
        private static readonly TimeSpan OpenTimeout = TimeSpan.FromSeconds(20);

        private readonly McastProtocol protocol;
        private readonly List<McastSession> members = new List<McastSession>();
        private readonly List<Thread> readers = new List<Thread>();
        private readonly DeliveryTracker tracker;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly McastSession sender;
        private long gaps;
        private long incomplete;

        /// <param name="protocol">Secure or Classic.</param>
        /// <param name="network">The group, on loopback.</param>
        /// <param name="relayFingerprint">Secure: the relay's fingerprint, pinned.</param>
        /// <param name="count">Receiving members.</param>
        /// <param name="tracker">Told of each message a member has.</param>
        public McastGroup(McastProtocol protocol, MulticastOptions network, string relayFingerprint, int count, DeliveryTracker tracker)
        {
            this.protocol = protocol;
            this.tracker = tracker;
            try
            {
                // All at once: a Classic member makes an RSA key first, and a relay answers joins at a
                // limited rate; one after the other, 16 members take long on a busy machine.
                var opening = new Task<McastSession>[count];
                for (int i = 0; i < count; i++)
                {
                    string name = "member" + i;
                    opening[i] = Task.Factory.StartNew(() => Open(network, relayFingerprint, name), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                }

                try
                {
                    Task.WaitAll(opening);
                }
                finally
                {
                    // Whatever opened is kept, so that Dispose closes it when another failed.
                    members.AddRange(opening.Where(t => t.Status == TaskStatus.RanToCompletion).Select(t => t.Result));
                }

                for (int i = 0; i < members.Count; i++)
                {
                    McastSession member = members[i];
                    var thread = new Thread(() => Read(member)) { IsBackground = true, Name = protocol + " member " + i };
                    readers.Add(thread);
                    thread.Start();
                }

                sender = Open(network, relayFingerprint, "sender");
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public long KernelDrops => members.Sum(m => m.KernelDrops ?? 0) + (sender?.KernelDrops ?? 0);

        public string? Troubles()
        {
            var text = new List<string>();
            long atMembers = members.Sum(m => m.KernelDrops ?? 0);
            long atSender = sender.KernelDrops ?? 0;
            if (atMembers + atSender > 0)
            {
                text.Add($"kernel drops at the members' sockets {atMembers}, at the sender's {atSender}");
            }

            var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
            foreach (McastSession session in members.Append(sender))
            {
                foreach (KeyValuePair<string, long> drop in session.Drops)
                {
                    // Everyone hears everything: Classic members ignore the others' copies and the
                    // members' own traffic by design; these are not losses.
                    if (drop.Key is "NotForUs" or "IgnoredType" or "KernelDrops")
                    {
                        continue;
                    }

                    drops[drop.Key] = drops.TryGetValue(drop.Key, out long v) ? v + drop.Value : drop.Value;
                }
            }

            if (drops.Count > 0)
            {
                text.Add("session drops " + string.Join(", ", drops.Select(d => d.Key + " " + d.Value)));
            }

            long gapCount = Interlocked.Read(ref gaps);
            if (gapCount > 0)
            {
                text.Add("gaps reported by members " + gapCount);
            }

            if (protocol == McastProtocol.Secure)
            {
                long nacks = members.Sum(m => m.Reliability?.NacksSent ?? 0);
                long repairs = members.Sum(m => m.Reliability?.RepairsReceived ?? 0);
                long retransmissions = sender.Reliability?.Retransmissions ?? 0;
                if (nacks + repairs + retransmissions > 0)
                {
                    text.Add($"members' Nacks {nacks}, repairs received {repairs}, sender's retransmissions {retransmissions} (for {sender.MessagesSent} messages sent)");
                }
            }

            long partial = Interlocked.Read(ref incomplete);
            if (partial > 0)
            {
                text.Add("messages given up incomplete by members " + partial);
            }

            return text.Count == 0 ? null : string.Join("; ", text);
        }

        public bool Send(long sequence, int size)
        {
            long stamp = Stopwatch.GetTimestamp();
            MessageContent content;
            if (protocol == McastProtocol.Classic)
            {
                content = MessageContent.FromText(BenchPayload.ClassicText(sequence, stamp, size));
            }
            else
            {
                // Not reused: the session keeps the bytes until the relay acknowledges them.
                var data = new byte[size];
                BenchPayload.Write(data, sequence, stamp);
                content = MessageContent.FromData(data);
            }

            try
            {
                sender.Send(content, wait: false, CancellationToken.None);
                return true;
            }
            catch (InvalidOperationException) when (sender.State == MemberState.Connected)
            {
                // Connected, yet refused: the send buffer is full (Secure keeps at most 1,024 messages
                // not yet acknowledged). A sender offered more than the system carries.
                return false;
            }
        }

        /// <summary>Takes and lets go what the sender's session received (joins and the like): it would pile up.</summary>
        public void DrainSender() => sender.Receive();

        public void Dispose()
        {
            stop.Cancel();
            sender?.Close();
            foreach (McastSession member in members)
            {
                member.Close();
            }

            foreach (Thread reader in readers)
            {
                reader.Join(TimeSpan.FromSeconds(2));
            }
        }

        private McastSession Open(MulticastOptions network, string relayFingerprint, string name)
        {
            var options = new McastSessionOptions
            {
                Name = name,
                Protocol = protocol,
                Network = network,
                Timeout = OpenTimeout,
            };
            if (protocol == McastProtocol.Secure)
            {
                options.RelayFingerprint = relayFingerprint;
                options.TrustOnFirstUse = false;
            }

            return McastSession.Open(options, stop.Token);
        }

        private void Read(McastSession member)
        {
            var after = new Dictionary<McastSession, long> { [member] = 0 };

            // Classic: the pieces of each message seen so far, by number.
            var pieces = new Dictionary<long, int>();
            long newest = 0;
            while (!stop.IsCancellationRequested)
            {
                McastSession.WaitForArrivals(after, TimeSpan.FromMilliseconds(200), stop.Token);
                IReadOnlyList<McastMessage> arrived;
                try
                {
                    arrived = member.Receive();
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                if (arrived.Count == 0)
                {
                    if (stop.IsCancellationRequested || member.State == MemberState.Closed)
                    {
                        return;
                    }

                    continue;
                }

                after[member] = arrived[arrived.Count - 1].Sequence;
                foreach (McastMessage message in arrived)
                {
                    if (message.Kind == McastMessageKind.Gap)
                    {
                        Interlocked.Increment(ref gaps);
                        continue;
                    }

                    if (message.Kind != McastMessageKind.Message)
                    {
                        continue;
                    }

                    if (protocol != McastProtocol.Classic)
                    {
                        if (message.Data is byte[] data && BenchPayload.TryRead(data, out long sequence, out long stamp))
                        {
                            tracker.Arrived(sequence, stamp);
                        }

                        continue;
                    }

                    if (!BenchPayload.TryReadClassicPiece(message.Text, out long number, out _, out int total, out long sent) || total < 1)
                    {
                        continue;
                    }

                    int got = (pieces.TryGetValue(number, out int seen) ? seen : 0) + 1;
                    if (got >= total)
                    {
                        pieces.Remove(number);
                        tracker.Arrived(number, sent);
                    }
                    else
                    {
                        pieces[number] = got;
                    }

                    if (number > newest)
                    {
                        newest = number;
                        if (pieces.Count > 1024)
                        {
                            foreach (long old in pieces.Keys.Where(s => s < newest - 512).ToList())
                            {
                                pieces.Remove(old);
                                Interlocked.Increment(ref incomplete);
                            }
                        }
                    }
                }
            }
        }
    }
}
