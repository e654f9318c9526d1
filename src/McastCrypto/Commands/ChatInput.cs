using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation.Host;
using System.Threading.Tasks;

namespace McastCrypto.Commands
{
    /// <summary>
    /// The chat's console: lines typed by the user, read without blocking, and what the chat prints.
    /// Keys come from the host's console where there is one: a <see cref="ChatLineEditor"/> makes
    /// lines of them and a <see cref="ChatScreen"/> draws the prompt and the line, so that messages
    /// can be shown while the user types. From redirected input it reads whole lines.
    /// </summary>
    internal sealed class ChatInput
    {
        // Keys handled in one call at most, so a long paste cannot keep arrivals from showing.
        private const int MaxKeysPerRead = 1000;

        private readonly PSHostRawUserInterface? keys;
        private readonly TextReader? reader;
        private readonly ChatScreen screen;
        private readonly string prompt;
        private readonly ChatLineEditor editor = new ChatLineEditor();
        private Task<string?>? pending;

        private ChatInput(PSHostRawUserInterface? keys, TextReader? reader, ChatScreen screen, string prompt)
        {
            this.keys = keys;
            this.reader = reader;
            this.screen = screen;
            this.prompt = prompt;
        }

        /// <summary>True once redirected input has ended.</summary>
        public bool Ended { get; private set; }

        /// <summary>Keys from the host where it can tell whether a key is waiting; lines from standard input otherwise.</summary>
        public static ChatInput For(PSHost host, string prompt)
        {
            PSHostUserInterface ui = host.UI;
            PSHostRawUserInterface? raw = ui.RawUI;
            if (raw is not null && !Console.IsInputRedirected)
            {
                try
                {
                    _ = raw.KeyAvailable;
                    return new ChatInput(raw, null, ChatScreen.For(ui, raw), prompt);
                }
                catch (Exception e) when (e is NotImplementedException || e is NotSupportedException || e is InvalidOperationException || e is HostException)
                {
                    // This host cannot tell: read lines.
                }
            }

            return new ChatInput(null, Console.In, ChatScreen.For(ui, null), prompt);
        }

        /// <summary>Prints lines above the prompt, which stays below them with what is typed.</summary>
        public void Print(params string[] lines) => screen.Above(lines);

        /// <summary>Prints lines above the prompt, which stays below them with what is typed.</summary>
        public void Print(IEnumerable<string> lines) => screen.Above(lines);

        /// <summary>Draws the prompt and what is typed, unless they are on the screen already.</summary>
        public void ShowPrompt()
        {
            if (!screen.Visible)
            {
                screen.Show(prompt, editor.Line, editor.Cursor);
            }
        }

        /// <summary>Leaves the prompt line (the chat is ending), with what was typed on it.</summary>
        public void Finish() => screen.Leave();

        /// <summary>A whole line if one is complete, else null. Never blocks for long.</summary>
        public string? TryReadLine() => keys is not null ? TryReadKeys() : TryReadRedirected();

        private string? TryReadKeys()
        {
            bool changed = false;
            for (int read = 0; read < MaxKeysPerRead && keys!.KeyAvailable; read++)
            {
                KeyInfo key = keys.ReadKey(ReadKeyOptions.NoEcho | ReadKeyOptions.IncludeKeyDown);
                ChatKey what = ChatLineEditor.KeyFor(key.VirtualKeyCode, key.Character);
                if (what == ChatKey.Enter)
                {
                    if (changed)
                    {
                        screen.Show(prompt, editor.Line, editor.Cursor);
                    }

                    editor.Apply(ChatKey.Enter);
                    screen.Leave();
                    return editor.Submitted;
                }

                switch (editor.Apply(what, key.Character))
                {
                    case ChatEditResult.Changed:
                        changed = true;
                        break;
                    case ChatEditResult.Refused:
                        screen.Bell();
                        break;
                }
            }

            // Drawn once for all the keys that were waiting: a paste is not redrawn key by key.
            if (changed)
            {
                screen.Show(prompt, editor.Line, editor.Cursor);
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

            screen.Leave();
            return result;
        }
    }
}
