using System;
using System.Collections.Generic;
using System.Text;

namespace McastCrypto.Commands
{
    /// <summary>
    /// The line the user is typing in Enter-McastChat, and the lines entered before: keys in, the
    /// line and the cursor out. It knows nothing of the console, so every key is tested without one;
    /// the chat's screen (ChatScreen) draws what it holds.
    /// </summary>
    /// <remarks>
    /// The cursor is an index into <see cref="Line"/> (0 = before the first character) and never
    /// splits a surrogate pair: Left, Right, Backspace and Delete step over a pair as one character.
    /// </remarks>
    internal sealed class ChatLineEditor
    {
        /// <summary>The longest line the editor takes, in UTF-16 characters: a paste cannot grow it without bound.</summary>
        public const int DefaultMaxLength = 4000;

        /// <summary>How many entered lines Up and Down go back through.</summary>
        public const int DefaultHistoryLimit = 100;

        private readonly StringBuilder line = new StringBuilder();
        private readonly List<string> history = new List<string>();
        private readonly int maxLength;
        private readonly int historyLimit;

        // history.Count while on the line being typed; otherwise the history entry shown.
        private int historyIndex;

        // The line being typed, kept while Up and Down show older lines.
        private string draft = string.Empty;

        public ChatLineEditor(int maxLength = DefaultMaxLength, int historyLimit = DefaultHistoryLimit)
        {
            if (maxLength < 2)
            {
                throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "A line must hold at least two characters (a surrogate pair).");
            }

            if (historyLimit < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(historyLimit), historyLimit, "The history limit cannot be negative.");
            }

            this.maxLength = maxLength;
            this.historyLimit = historyLimit;
        }

        /// <summary>The line as typed so far.</summary>
        public string Line => line.ToString();

        /// <summary>Where the next character goes: 0 before the first, <see cref="Line"/>.Length after the last.</summary>
        public int Cursor { get; private set; }

        /// <summary>The lines entered, oldest first (blank lines and repeats of the newest left out).</summary>
        public IReadOnlyList<string> History => history;

        /// <summary>The line the last Enter ended (null before the first).</summary>
        public string? Submitted { get; private set; }

        /// <summary>
        /// What a key read from the host is, from its virtual key code (Windows VK codes, which are
        /// also .NET's ConsoleKey values, as PowerShell's console host reports them on every system)
        /// and its character.
        /// </summary>
        public static ChatKey KeyFor(int virtualKeyCode, char character)
        {
            switch (character)
            {
                case '\r':
                case '\n':
                    return ChatKey.Enter;
                case '\b':
                case '\x7f':
                    // Terminals send DEL for Backspace, some Ctrl+H; both are Backspace here.
                    return ChatKey.Backspace;
            }

            if (character != '\0' && !char.IsControl(character))
            {
                return ChatKey.Character;
            }

            switch (virtualKeyCode)
            {
                case 0x08:
                    return ChatKey.Backspace;
                case 0x0D:
                    return ChatKey.Enter;
                case 0x23:
                    return ChatKey.End;
                case 0x24:
                    return ChatKey.Home;
                case 0x25:
                    return ChatKey.Left;
                case 0x26:
                    return ChatKey.Up;
                case 0x27:
                    return ChatKey.Right;
                case 0x28:
                    return ChatKey.Down;
                case 0x2E:
                    return ChatKey.Delete;
                default:
                    return ChatKey.Ignored;
            }
        }

        /// <summary>Applies one key; <paramref name="character"/> is the character typed for <see cref="ChatKey.Character"/>.</summary>
        public ChatEditResult Apply(ChatKey key, char character = '\0')
        {
            switch (key)
            {
                case ChatKey.Character:
                    return Insert(character);
                case ChatKey.Backspace:
                    if (Cursor == 0)
                    {
                        return ChatEditResult.None;
                    }

                    int before = StepBack(Cursor);
                    line.Remove(before, Cursor - before);
                    Cursor = before;
                    return ChatEditResult.Changed;
                case ChatKey.Delete:
                    if (Cursor == line.Length)
                    {
                        return ChatEditResult.None;
                    }

                    line.Remove(Cursor, StepForward(Cursor) - Cursor);
                    return ChatEditResult.Changed;
                case ChatKey.Left:
                    return MoveTo(Cursor == 0 ? 0 : StepBack(Cursor));
                case ChatKey.Right:
                    return MoveTo(Cursor == line.Length ? Cursor : StepForward(Cursor));
                case ChatKey.Home:
                    return MoveTo(0);
                case ChatKey.End:
                    return MoveTo(line.Length);
                case ChatKey.Up:
                    if (historyIndex == 0)
                    {
                        return ChatEditResult.None;
                    }

                    if (historyIndex == history.Count)
                    {
                        draft = line.ToString();
                    }

                    historyIndex--;
                    Load(history[historyIndex]);
                    return ChatEditResult.Changed;
                case ChatKey.Down:
                    if (historyIndex == history.Count)
                    {
                        return ChatEditResult.None;
                    }

                    historyIndex++;
                    Load(historyIndex == history.Count ? draft : history[historyIndex]);
                    return ChatEditResult.Changed;
                case ChatKey.Enter:
                    Submit();
                    return ChatEditResult.Submitted;
                default:
                    return ChatEditResult.None;
            }
        }

        private ChatEditResult Insert(char character)
        {
            if (character == '\0' || char.IsControl(character))
            {
                return ChatEditResult.None;
            }

            // A high surrogate needs room for its low half too, so the limit never splits a pair.
            int room = maxLength - line.Length;
            if (room <= 0 || (char.IsHighSurrogate(character) && room < 2))
            {
                return ChatEditResult.Refused;
            }

            line.Insert(Cursor, character);
            Cursor++;
            return ChatEditResult.Changed;
        }

        private ChatEditResult MoveTo(int position)
        {
            if (position == Cursor)
            {
                return ChatEditResult.None;
            }

            Cursor = position;
            return ChatEditResult.Changed;
        }

        private void Load(string text)
        {
            line.Clear();
            line.Append(text);
            Cursor = line.Length;
        }

        private void Submit()
        {
            string entered = line.ToString();
            Submitted = entered;
            if (historyLimit > 0 && entered.Trim().Length > 0 && (history.Count == 0 || history[history.Count - 1] != entered))
            {
                history.Add(entered);
                if (history.Count > historyLimit)
                {
                    history.RemoveAt(0);
                }
            }

            line.Clear();
            Cursor = 0;
            draft = string.Empty;
            historyIndex = history.Count;
        }

        // The index one character before/after: two UTF-16 units over a surrogate pair.
        private int StepBack(int index) =>
            index >= 2 && char.IsLowSurrogate(line[index - 1]) && char.IsHighSurrogate(line[index - 2]) ? index - 2 : index - 1;

        private int StepForward(int index) =>
            index + 1 < line.Length && char.IsHighSurrogate(line[index]) && char.IsLowSurrogate(line[index + 1]) ? index + 2 : index + 1;
    }
}
