using System;
using System.Collections.Generic;
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
    /// The load that lost messages without a trace before the runner had its own queues: a relay
    /// with 12 members fanning out 200 back-to-back messages, every socket on the system's default
    /// receive buffer. Every message must arrive, or every loss must be counted somewhere. Liveness is
    /// not what is tested here: on a loaded machine every Classic member spends a private-key operation
    /// on each of the 2,200 relayed blocks and can fall seconds behind, so the keep-alive interval and
    /// the relay's time-out are long enough that nobody is declared gone meanwhile.
    /// </summary>
    public sealed class ClassicLoadTests
    {
        private const int Members = 12;
        private const int Messages = 200;

        [Fact]
        public void TwelveMembersAndTwoHundredBackToBackMessagesAreAllDeliveredOrEveryLossIsCounted()
        {
            var group = LoopbackNetwork.RandomGroup();
            int port = LoopbackNetwork.RandomPort();
            MulticastOptions Network()
            {
                MulticastOptions options = LoopbackNetwork.Options(group, port);
                options.ReceiveBufferBytes = 0; // the system's default, as a user who changed nothing has it
                return options;
            }

            using McastRelay relay = McastRelay.Start(new McastRelayOptions { Protocol = McastProtocol.Classic, Network = Network(), ClientTimeout = TimeSpan.FromMinutes(2) });
            var sessions = new List<McastSession>();
            try
            {
                for (int i = 0; i < Members; i++)
                {
                    sessions.Add(McastSession.Open(new McastSessionOptions { Protocol = McastProtocol.Classic, Name = "load" + i, Network = Network(), KeepAliveInterval = TimeSpan.FromSeconds(30) }, CancellationToken.None));
                }

                Assert.True(SpinWait.SpinUntil(() => relay.Members.Count(m => m.Connected) == Members, TimeSpan.FromSeconds(10)), "every member joined");
                foreach (McastSession s in sessions)
                {
                    s.Receive();
                }

                McastSession sender = sessions[0];
                for (int i = 0; i < Messages; i++)
                {
                    sender.Send("load " + i);
                }

                var receivers = sessions.Skip(1).ToList();
                var received = receivers.ToDictionary(s => s, _ => 0);
                var clock = Stopwatch.StartNew();
                long lastProgress = 0;
                while (clock.Elapsed < TimeSpan.FromSeconds(90) && clock.ElapsedMilliseconds - lastProgress < 5000 && received.Values.Any(n => n < Messages))
                {
                    foreach (McastSession s in receivers)
                    {
                        int got = s.Receive().Count(m => m.Kind == McastMessageKind.Message);
                        if (got > 0)
                        {
                            received[s] += got;
                            lastProgress = clock.ElapsedMilliseconds;
                        }
                    }

                    Thread.Sleep(50);
                }

                long relayLosses = Losses(relay.Drops, "KernelDrops", "ReceiveQueueFull", "SendQueueFull", "SendError");
                foreach (McastSession s in receivers)
                {
                    long losses = Losses(s.Drops, "KernelDrops", "ReceiveQueueFull", "InboxOverflow", "ReceiveError", "StepError");
                    Assert.True(
                        received[s] + losses + relayLosses >= Messages,
                        $"{s.Name} received {received[s]} of {Messages} messages; counted losses: its own {losses}, the relay's {relayLosses} ({string.Join(", ", s.Drops.Select(p => p.Key + "=" + p.Value))})");
                }

                Assert.True(relay.MessagesRelayed + relayLosses >= Messages, $"the relay relayed {relay.MessagesRelayed} of {Messages} messages and counted {relayLosses} losses");
            }
            finally
            {
                foreach (McastSession s in sessions)
                {
                    s.Close();
                }
            }
        }

        private static long Losses(IReadOnlyDictionary<string, long> drops, params string[] reasons) =>
            reasons.Sum(r => drops.TryGetValue(r, out long n) ? n : 0);
    }
}
