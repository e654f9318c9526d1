using System;
using System.Collections.Generic;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;

namespace McastCrypto.Tests.Transport
{
    /// <summary>
    /// Everything the socket tests need to stay on loopback: a random administratively scoped group
    /// (239.255.0.0/16) and a random port per test, options that always name the loopback interface,
    /// and bounded waits.
    /// </summary>
    internal static class LoopbackNetwork
    {
        public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

        public static IPAddress RandomGroup()
        {
            return new IPAddress(new byte[] { 239, 255, (byte)Random.Shared.Next(1, 255), (byte)Random.Shared.Next(1, 255) });
        }

        public static int RandomPort()
        {
            return Random.Shared.Next(20000, 60001);
        }

        public static MulticastOptions Options(IPAddress group, int port)
        {
            return new MulticastOptions
            {
                Group = group,
                Port = port,
                Interface = "Loopback",
                Ttl = 0,
                MulticastLoopback = true,
            };
        }

        public static MulticastChannel Open(IPAddress group, int port)
        {
            return new MulticastChannel(Options(group, port));
        }

        /// <summary>Opens a channel whose receive socket asks for <paramref name="receiveBufferBytes"/> of buffer.</summary>
        public static MulticastChannel Open(IPAddress group, int port, int receiveBufferBytes)
        {
            MulticastOptions options = Options(group, port);
            options.ReceiveBufferBytes = receiveBufferBytes;
            return new MulticastChannel(options);
        }

        /// <summary>Receives one datagram or fails after <see cref="MaxWait"/>.</summary>
        public static async Task<Datagram> ReceiveOneAsync(IDatagramChannel channel)
        {
            using var timeout = new CancellationTokenSource(MaxWait);
            return await channel.ReceiveAsync(timeout.Token);
        }

        /// <summary>Everything the channel receives during <paramref name="window"/>.</summary>
        public static async Task<List<Datagram>> CollectAsync(IDatagramChannel channel, TimeSpan window, int maxCount = 10000)
        {
            var all = new List<Datagram>();
            using var stop = new CancellationTokenSource(window);
            while (all.Count < maxCount)
            {
                try
                {
                    all.Add(await channel.ReceiveAsync(stop.Token));
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }

            return all;
        }
    }
}
