using System;
using System.Collections.Generic;
using System.IO;
using System.Management.Automation.Host;
using System.Text;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Draws the chat's prompt and the line being typed, and prints what arrives above them without
    /// tearing them. Where the host can place the cursor (its RawUI tells the buffer size and takes a
    /// cursor position) it clears every row the prompt and line cover, wrapped or not, prints, and
    /// draws them again with the cursor where it was; elsewhere it makes do with "\r" and spaces,
    /// which clear only the row the cursor is on.
    /// </summary>
    internal sealed class ChatScreen
    {
        private readonly PSHostUserInterface ui;

        // Null once the host cannot place the cursor: plain text from then on.
        private PSHostRawUserInterface? raw;

        // What is drawn now, if anything.
        private bool visible;
        private string prompt = string.Empty;
        private string line = string.Empty;
        private int cursor;

        // With a RawUI: the buffer row of the prompt's first cell; negative once it scrolled off the top.
        private int top;

        private ChatScreen(PSHostUserInterface ui, PSHostRawUserInterface? raw)
        {
            this.ui = ui;
            this.raw = raw;
        }

        /// <summary>True while the prompt and the line are on the screen.</summary>
        public bool Visible => visible;

        /// <summary>True when the host places the cursor (wrapped lines are redrawn whole); false for "\r" and spaces.</summary>
        public bool Addressed => raw is not null;

        /// <summary>
        /// A screen that places the cursor through <paramref name="raw"/> when it can (output to a
        /// console whose RawUI tells the size and the cursor position), plain text otherwise.
        /// </summary>
        public static ChatScreen For(PSHostUserInterface ui, PSHostRawUserInterface? raw)
        {
            if (raw is not null && !Console.IsOutputRedirected)
            {
                try
                {
                    _ = raw.CursorPosition;
                    _ = Size(raw);
                    return new ChatScreen(ui, raw);
                }
                catch (Exception e) when (IsHostFailure(e))
                {
                    // This host cannot place the cursor.
                }
            }

            return new ChatScreen(ui, null);
        }

        /// <summary>Draws <paramref name="prompt"/> and <paramref name="line"/> (over what is drawn), the cursor at <paramref name="cursor"/> in the line.</summary>
        public void Show(string prompt, string line, int cursor)
        {
            if (raw is not null)
            {
                try
                {
                    ShowAddressed(prompt, line, cursor);
                    Remember(prompt, line, cursor);
                    return;
                }
                catch (Exception e) when (IsHostFailure(e))
                {
                    // Plain text from now on, on a fresh row.
                    raw = null;
                    visible = false;
                    ui.WriteLine();
                }
            }

            ShowPlain(prompt, line, cursor);
            Remember(prompt, line, cursor);
        }

        /// <summary>Prints <paramref name="lines"/> where the prompt is, and draws the prompt and line again below them if they were shown.</summary>
        public void Above(IEnumerable<string> lines)
        {
            bool wasVisible = visible;
            if (visible)
            {
                Erase();
                visible = false;
            }

            foreach (string text in lines)
            {
                ui.WriteLine(text);
            }

            if (wasVisible)
            {
                Show(prompt, line, cursor);
            }
        }

        /// <summary>Leaves the prompt and line as they are and moves to the start of the next row (after Enter, and when the chat ends).</summary>
        public void Leave()
        {
            if (!visible)
            {
                return;
            }

            visible = false;
            if (raw is not null)
            {
                try
                {
                    (int width, int height) = Size(raw);
                    (int row, int column) = ChatText.End(prompt + line, width);
                    SetCursor(Math.Min(column, width - 1), Clamp(top + row, height));
                    ui.WriteLine();
                    return;
                }
                catch (Exception e) when (IsHostFailure(e))
                {
                    raw = null;
                }
            }

            ui.Write(line.Substring(cursor));
            ui.WriteLine();
        }

        /// <summary>Tells the user a key was refused.</summary>
        public void Bell() => ui.Write("\a");

        private void ShowAddressed(string newPrompt, string newLine, int newCursor)
        {
            (int width, int height) = Size(raw!);
            if (visible)
            {
                EraseAddressed(width);
            }
            else
            {
                top = StartRow();
            }

            string text = newPrompt + newLine;

            // Rows that scrolled off the top cannot be drawn: start at the first one still there.
            int skip = top < 0 ? ChatText.IndexOfRow(text, -top, width) : 0;
            SetCursor(0, Math.Max(0, top));
            ui.Write(text.Substring(skip));

            // Writing past the bottom row scrolled the screen up by as many rows.
            int overflow = top + ChatText.End(text, width).Row - (height - 1);
            if (overflow > 0)
            {
                top -= overflow;
            }

            (int row, int column) = ChatText.Locate(text, newPrompt.Length + newCursor, width);
            int y = top + row;
            if (y > height - 1)
            {
                // The cursor belongs on the row after a full last row, below the bottom: scroll one row.
                SetCursor(0, height - 1);
                ui.WriteLine();
                top -= y - (height - 1);
                y = height - 1;
            }

            SetCursor(column, Math.Max(0, y));
        }

        private void ShowPlain(string newPrompt, string newLine, int newCursor)
        {
            var text = new StringBuilder();
            if (visible)
            {
                text.Append('\r').Append(' ', ChatText.Cells(prompt + line)).Append('\r');
            }

            string drawn = newPrompt + newLine;
            text.Append(drawn).Append('\b', ChatText.Cells(drawn, newPrompt.Length + newCursor));
            ui.Write(text.ToString());
        }

        // Blanks what is drawn and leaves the cursor where the prompt began.
        private void Erase()
        {
            if (raw is not null)
            {
                try
                {
                    EraseAddressed(Size(raw).Width);
                    SetCursor(0, Math.Max(0, top));
                    return;
                }
                catch (Exception e) when (IsHostFailure(e))
                {
                    raw = null;
                    ui.WriteLine();
                    return;
                }
            }

            ui.Write("\r" + new string(' ', ChatText.Cells(prompt + line)) + "\r");
        }

        private void EraseAddressed(int width)
        {
            // Spaces over every cell from the prompt's first to the line's last, row after row: as
            // many as were written, so the screen does not scroll.
            (int row, int column) = ChatText.End(prompt + line, width);
            int firstRow = Math.Max(0, -top);
            int cells = ((row - firstRow) * width) + column;
            if (cells > 0)
            {
                SetCursor(0, top + firstRow);
                ui.Write(new string(' ', cells));
            }
        }

        // The row the prompt starts on: the cursor's, or the next one when something is written on it.
        private int StartRow()
        {
            var at = raw!.CursorPosition;
            if (at.X != 0)
            {
                ui.WriteLine();
                at = raw.CursorPosition;
            }

            return at.Y;
        }

        private void SetCursor(int x, int y) => raw!.CursorPosition = new Coordinates(x, y);

        private void Remember(string newPrompt, string newLine, int newCursor)
        {
            prompt = newPrompt;
            line = newLine;
            cursor = newCursor;
            visible = true;
        }

        private static int Clamp(int row, int height) => Math.Max(0, Math.Min(height - 1, row));

        private static (int Width, int Height) Size(PSHostRawUserInterface raw)
        {
            System.Management.Automation.Host.Size size = raw.BufferSize;
            if (size.Width <= 0 || size.Height <= 0)
            {
                size = raw.WindowSize;
            }

            if (size.Width < 2 || size.Height < 1)
            {
                throw new NotSupportedException("The host reports no usable console size.");
            }

            return (size.Width, size.Height);
        }

        private static bool IsHostFailure(Exception e) =>
            e is NotImplementedException || e is NotSupportedException || e is InvalidOperationException || e is HostException
            || e is IOException || e is ArgumentOutOfRangeException;
    }
}
