using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The Plain system's sender and members: one <see cref="MulticastChannel"/> each on loopback. The
    /// sender cuts a message into fragments (<see cref="PlainCodec"/>) and sends them to the relay,
    /// without pacing; each member keeps the fragments from the relay and reports a message once it
    /// has all of them. Nothing is repaired.
    /// </summary>
    internal sealed class PlainGroup : IBenchGroup
    {
        private readonly MulticastChannel sender;
        private readonly List<MulticastChannel> members = new List<MulticastChannel>();
        private readonly List<Task> loops = new List<Task>();
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly DeliveryTracker tracker;
        private readonly byte[] fullFragment = new byte[PlainCodec.MaxDatagramBytes];
        private byte[] message = Array.Empty<byte>();
        private long incomplete;

        public PlainGroup(MulticastOptions network, int count, DeliveryTracker tracker)
        {
            this.tracker = tracker;
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var member = new MulticastChannel(network);
                    members.Add(member);
                    loops.Add(Task.Run(() => ReceiveAsync(member)));
                }

                sender = new MulticastChannel(network);

                // Everyone hears everything: the sender's socket is read and what it hears let go, as a Secure sender's is.
                loops.Add(Task.Run(() => DrainAsync(sender)));
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
            long atMembers = members.Sum(m => m.KernelDrops ?? 0);
            long atSender = sender.KernelDrops ?? 0;
            long partial = Interlocked.Read(ref incomplete);
            return atMembers == 0 && atSender == 0 && partial == 0
                ? null
                : $"kernel drops at the members' sockets {atMembers}, at the sender's {atSender} (it hears the relay's copies and lets them go), messages given up incomplete by members {partial}";
        }

        public bool Send(long sequence, int size)
        {
            if (message.Length != size)
            {
                message = new byte[size];
            }

            BenchPayload.Write(message, sequence, Stopwatch.GetTimestamp());
            int count = PlainCodec.Fragments(size);
            for (int index = 0; index < count; index++)
            {
                int length = PlainCodec.FragmentLength(size, index);
                byte[] datagram = length == fullFragment.Length ? fullFragment : new byte[length];
                PlainCodec.WriteFragment(datagram, message, sequence, index, count);
                sender.Send(datagram);
            }

            return true;
        }

        public void Dispose()
        {
            stop.Cancel();
            sender?.Dispose();
            foreach (MulticastChannel member in members)
            {
                member.Dispose();
            }

            try
            {
                Task.WaitAll(loops.ToArray(), TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task DrainAsync(MulticastChannel channel)
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await channel.ReceiveAsync(stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException)
                {
                    return;
                }
            }
        }

        private async Task ReceiveAsync(MulticastChannel channel)
        {
            // The member's messages being put together: number -> (fragments seen as a bit mask, timestamp).
            var partial = new Dictionary<long, (ulong Seen, long Stamp)>();
            long newest = 0;
            while (!stop.IsCancellationRequested)
            {
                Datagram datagram;
                try
                {
                    datagram = await channel.ReceiveAsync(stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException)
                {
                    return;
                }

                byte[] payload = datagram.Payload;
                if (!PlainCodec.TryReadHeader(payload, out byte kind, out long sequence, out int index, out int count) || kind != PlainCodec.FromRelay)
                {
                    continue;
                }

                long stamp = 0;
                if (index == 0 && !BenchPayload.TryRead(payload.AsSpan(PlainCodec.HeaderBytes), out _, out stamp))
                {
                    continue;
                }

                if (count == 1)
                {
                    tracker.Arrived(sequence, stamp);
                    continue;
                }

                partial.TryGetValue(sequence, out (ulong Seen, long Stamp) entry);
                ulong bit = 1UL << index;
                if ((entry.Seen & bit) != 0)
                {
                    continue;
                }

                entry.Seen |= bit;
                if (index == 0)
                {
                    entry.Stamp = stamp;
                }

                ulong all = count == 64 ? ulong.MaxValue : (1UL << count) - 1;
                if (entry.Seen == all)
                {
                    partial.Remove(sequence);
                    tracker.Arrived(sequence, entry.Stamp);
                }
                else
                {
                    partial[sequence] = entry;
                }

                if (sequence > newest)
                {
                    newest = sequence;
                    if (partial.Count > 4096)
                    {
                        // Bounded: messages far behind the newest will not be completed.
                        foreach (long old in partial.Keys.Where(s => s < newest - 2048).ToList())
                        {
                            partial.Remove(old);
                            Interlocked.Increment(ref incomplete);
                        }
                    }
                }
            }
        }
    }
}
