using System;
using System.IO;
using System.Management.Automation.Host;
using System.Text;
using System.Threading.Tasks;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Lines typed by the user, without blocking: keys from the host's console where there is one
    /// (so messages can be shown while the user types), or whole lines from redirected input.
    /// </summary>
    internal sealed class ChatInput
    {
        private readonly PSHostRawUserInterface? rawUI;
        private readonly TextReader? reader;
        private readonly StringBuilder line = new StringBuilder();
        private Task<string?>? pending;

        private ChatInput(PSHostRawUserInterface? rawUI, TextReader? reader)
        {
            this.rawUI = rawUI;
            this.reader = reader;
        }

        /// <summary>What the user has typed of the current line (keys only).</summary>
        public string Partial => line.ToString();

        /// <summary>True once redirected input has ended.</summary>
        public bool Ended { get; private set; }

        /// <summary>Keys from the host where it can tell whether a key is waiting; lines from standard input otherwise.</summary>
        public static ChatInput For(PSHost host)
        {
            PSHostRawUserInterface? raw = host.UI?.RawUI;
            if (raw is not null && !Console.IsInputRedirected)
            {
                try
                {
                    _ = raw.KeyAvailable;
                    return new ChatInput(raw, null);
                }
                catch (Exception e) when (e is NotImplementedException || e is NotSupportedException || e is InvalidOperationException || e is HostException)
                {
                    // This host cannot tell: read lines.
                }
            }

            return new ChatInput(null, Console.In);
        }

        /// <summary>
        /// A whole line if one is complete, else null; <paramref name="echo"/> shows what the user
        /// types (keys mode). Never blocks for long.
        /// </summary>
        public string? TryReadLine(Action<string> echo)
        {
            return rawUI is not null ? TryReadKeys(echo) : TryReadRedirected();
        }

        private string? TryReadKeys(Action<string> echo)
        {
            while (rawUI!.KeyAvailable)
            {
                KeyInfo key = rawUI.ReadKey(ReadKeyOptions.NoEcho | ReadKeyOptions.IncludeKeyDown);
                switch (key.Character)
                {
                    case '\r':
                    case '\n':
                        string done = line.ToString();
                        line.Clear();
                        echo("\n");
                        return done;
                    case '\b':
                        if (line.Length > 0)
                        {
                            line.Length--;
                            echo("\b \b");
                        }

                        break;
                    default:
                        if (!char.IsControl(key.Character))
                        {
                            line.Append(key.Character);
                            echo(key.Character.ToString());
                        }

                        break;
                }
            }

            return null;
        }

        private string? TryReadRedirected()
        {
            if (Ended)
            {
                return null;
            }

            pending ??= reader!.ReadLineAsync();
            if (!pending.Wait(50))
            {
                return null;
            }

            string? result = pending.Result;
            pending = null;
            if (result is null)
            {
                Ended = true;
            }

            return result;
        }
    }
}
