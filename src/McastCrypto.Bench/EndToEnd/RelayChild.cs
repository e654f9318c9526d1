using System;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Threading.Tasks;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The parent's handle on a relay's child process (see <see cref="RelayProcess"/>): starts it,
    /// reads its ready line, asks for its stats, and ends it; killed by its PID when it does not
    /// quit in time, and always on <see cref="Dispose"/>.
    /// </summary>
    internal sealed class RelayChild : IDisposable
    {
        private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(10);

        private readonly Process process;

        private RelayChild(Process process, string info)
        {
            this.process = process;
            Info = info;
        }

        /// <summary>What the relay said members need (after "ready ").</summary>
        public string Info { get; }

        public int ProcessId => process.Id;

        public static RelayChild Start(BenchSystem system, IPAddress group, int port)
        {
            string path = Environment.ProcessPath ?? throw new InvalidOperationException("The bench cannot find its own executable to start the relay's process.");
            var start = new ProcessStartInfo(path)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };

            // Run as "dotnet McastCrypto.Bench.dll": the host needs the assembly first.
            string host = Path.GetFileNameWithoutExtension(path);
            if (string.Equals(host, "dotnet", StringComparison.OrdinalIgnoreCase))
            {
                start.ArgumentList.Add(typeof(RelayChild).Assembly.Location);
            }

            foreach (string argument in new[] { RelayProcess.Role, "--system", system.ToString(), "--group", group.ToString(), "--port", port.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            Process process = Process.Start(start) ?? throw new InvalidOperationException("The relay's process did not start.");
            try
            {
                string line = ReadLine(process, ReadyTimeout) ?? throw new InvalidOperationException("The relay's process ended before it was ready (exit code " + ExitCode(process) + ").");
                if (!line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    throw new InvalidOperationException("The relay's process said '" + line + "' instead of ready.");
                }

                return new RelayChild(process, line.Substring("ready ".Length));
            }
            catch
            {
                Kill(process);
                process.Dispose();
                throw;
            }
        }

        public RelayStats Stats()
        {
            process.StandardInput.WriteLine("stats");
            process.StandardInput.Flush();
            string line = ReadLine(process, AnswerTimeout) ?? throw new InvalidOperationException("The relay's process ended (exit code " + ExitCode(process) + ").");
            return RelayStats.Parse(line);
        }

        public void Dispose()
        {
            try
            {
                if (!process.HasExited)
                {
                    process.StandardInput.WriteLine("quit");
                    process.StandardInput.Flush();
                    process.WaitForExit(3000);
                }
            }
            catch (Exception e) when (e is IOException || e is InvalidOperationException || e is Win32Exception)
            {
            }
            finally
            {
                Kill(process);
                process.Dispose();
            }
        }

        private static string? ReadLine(Process process, TimeSpan timeout)
        {
            Task<string?> read = process.StandardOutput.ReadLineAsync();
            if (!read.Wait(timeout))
            {
                throw new TimeoutException("The relay's process did not answer within " + timeout.TotalSeconds + " s.");
            }

            return read.Result;
        }

        private static string ExitCode(Process process) =>
            process.WaitForExit(1000) ? process.ExitCode.ToString(CultureInfo.InvariantCulture) : "none yet";

        /// <summary>Kills the process (by this handle, that is its PID) if it still runs.</summary>
        private static void Kill(Process process)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: false);
                    process.WaitForExit(2000);
                }
            }
            catch (Exception e) when (e is InvalidOperationException || e is Win32Exception || e is NotSupportedException)
            {
            }
        }
    }
}
