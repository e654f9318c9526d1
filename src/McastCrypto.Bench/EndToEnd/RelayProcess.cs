using System;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Transport;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The bench executable as a relay's child process (<c>relay --system S --group G --port P</c>),
    /// so that the relay's CPU time is a process's own. It starts the relay, writes
    /// <c>ready &lt;info&gt;</c> on stdout, then answers on stdin, one line each: <c>stats</c> with
    /// <see cref="RelayStats.ToLine"/> (its own TotalProcessorTime and the relay's counters), and
    /// <c>quit</c> (or the end of stdin: the parent went away) by stopping the relay and exiting.
    /// It exits after an hour whatever happens.
    /// </summary>
    internal static class RelayProcess
    {
        public const string Role = "relay";

        private static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);

        public static int Run(string[] args)
        {
            BenchSystem? system = null;
            IPAddress? group = null;
            int port = 0;
            for (int i = 1; i + 1 < args.Length; i += 2)
            {
                switch (args[i])
                {
                    case "--system":
                        system = Enum.Parse<BenchSystem>(args[i + 1]);
                        break;
                    case "--group":
                        group = IPAddress.Parse(args[i + 1]);
                        break;
                    case "--port":
                        port = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                        break;
                }
            }

            if (system is null || group is null || port < 1 || port > 65535)
            {
                Console.Error.WriteLine("Usage: relay --system Secure|Classic|Plain|TlsFanout --group <239.255.x.y> --port <port>");
                return 2;
            }

            // Loopback only, whatever the parent asks (network safety).
            var network = new MulticastOptions { Group = group, Port = port, Interface = MulticastOptions.LoopbackInterfaceName };
            network.Validate();
            using IChildRelay relay = system switch
            {
                BenchSystem.Secure => new McastChildRelay(McastProtocol.Secure, network),
                BenchSystem.Classic => new McastChildRelay(McastProtocol.Classic, network),
                BenchSystem.Plain => new PlainChildRelay(network),
                _ => new TlsFanoutChildRelay(),
            };

            using var lifetime = new Timer(_ => Environment.Exit(3), null, Lifetime, Timeout.InfiniteTimeSpan);
            using Process self = Process.GetCurrentProcess();
            Console.Out.WriteLine("ready " + relay.ReadyInfo);
            Console.Out.Flush();
            string? line;
            while ((line = Console.In.ReadLine()) is not null)
            {
                if (line == "stats")
                {
                    self.Refresh();
                    Console.Out.WriteLine(relay.Stats(self.TotalProcessorTime).ToLine());
                    Console.Out.Flush();
                }
                else if (line == "quit")
                {
                    break;
                }
            }

            return 0;
        }
    }
}
