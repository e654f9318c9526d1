using System;
using McastCrypto.Commands;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    public class ChatLineEditorTests
    {
        [Fact]
        public void PrintableCharactersGoInAtTheCursor()
        {
            var editor = Typed("hllo");
            Press(editor, ChatKey.Home);
            Press(editor, ChatKey.Right);
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Character, 'e'));
            Assert.Equal("hello", editor.Line);
            Assert.Equal(2, editor.Cursor);
        }

        [Theory]
        [InlineData('\t')]
        [InlineData('\x1b')]
        [InlineData('\0')]
        [InlineData('\x85')]
        public void ControlCharactersAreNotInserted(char control)
        {
            var editor = Typed("ab");
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Character, control));
            Assert.Equal("ab", editor.Line);
        }

        [Fact]
        public void BackspaceDeletesBeforeTheCursorAndStopsAtTheStart()
        {
            var editor = Typed("abc");
            Press(editor, ChatKey.Left);
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Backspace));
            Assert.Equal("ac", editor.Line);
            Assert.Equal(1, editor.Cursor);
            Press(editor, ChatKey.Backspace);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Backspace));
            Assert.Equal("c", editor.Line);
            Assert.Equal(0, editor.Cursor);
        }

        [Theory]
        [InlineData(0x08, '\x7f')] // DEL, as most terminals send Backspace (PowerShell's console host on Linux).
        [InlineData(0x08, '\b')] // Ctrl+H, as other terminals do.
        [InlineData(0x00, '\x7f')] // DEL from a host that knows no key code.
        [InlineData(0x00, '\b')]
        [InlineData(0x08, '\0')] // Windows: the key code, no character.
        public void BackspaceIsRecognisedAsDelAndAsCtrlH(int virtualKeyCode, char character)
        {
            Assert.Equal(ChatKey.Backspace, ChatLineEditor.KeyFor(virtualKeyCode, character));
            var editor = Typed("hi!");
            editor.Apply(ChatLineEditor.KeyFor(virtualKeyCode, character), character);
            Assert.Equal("hi", editor.Line);
        }

        [Theory]
        [InlineData(0x0D, '\r', nameof(ChatKey.Enter))]
        [InlineData(0x00, '\n', nameof(ChatKey.Enter))]
        [InlineData(0x25, '\0', nameof(ChatKey.Left))]
        [InlineData(0x27, '\0', nameof(ChatKey.Right))]
        [InlineData(0x24, '\0', nameof(ChatKey.Home))]
        [InlineData(0x23, '\0', nameof(ChatKey.End))]
        [InlineData(0x26, '\0', nameof(ChatKey.Up))]
        [InlineData(0x28, '\0', nameof(ChatKey.Down))]
        [InlineData(0x2E, '\0', nameof(ChatKey.Delete))]
        [InlineData(0x41, 'a', nameof(ChatKey.Character))]
        [InlineData(0x00, 'è', nameof(ChatKey.Character))]
        [InlineData(0x25, '%', nameof(ChatKey.Character))] // a printable character wins over a key code that looks like an arrow
        [InlineData(0x2E, '.', nameof(ChatKey.Character))]
        [InlineData(0x10, '\0', nameof(ChatKey.Ignored))] // Shift alone
        [InlineData(0x09, '\t', nameof(ChatKey.Ignored))]
        [InlineData(0x1B, '\x1b', nameof(ChatKey.Ignored))]
        [InlineData(0x70, '\0', nameof(ChatKey.Ignored))] // F1
        public void KeysAreRecognisedFromKeyCodeAndCharacter(int virtualKeyCode, char character, string expected) =>
            Assert.Equal(expected, ChatLineEditor.KeyFor(virtualKeyCode, character).ToString());

        [Fact]
        public void DeleteDeletesUnderTheCursorAndStopsAtTheEnd()
        {
            var editor = Typed("abc");
            Press(editor, ChatKey.Home);
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Delete));
            Assert.Equal("bc", editor.Line);
            Assert.Equal(0, editor.Cursor);
            Press(editor, ChatKey.End);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Delete));
            Assert.Equal("bc", editor.Line);
        }

        [Fact]
        public void LeftAndRightMoveOneCharacterAndStopAtTheEdges()
        {
            var editor = Typed("ab");
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Right));
            Assert.Equal(2, editor.Cursor);
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Left));
            Assert.Equal(1, editor.Cursor);
            Press(editor, ChatKey.Left);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Left));
            Assert.Equal(0, editor.Cursor);
            editor.Apply(ChatKey.Character, '[');
            Press(editor, ChatKey.Right);
            Press(editor, ChatKey.Right);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Right));
            editor.Apply(ChatKey.Character, ']');
            Assert.Equal("[ab]", editor.Line);
        }

        [Fact]
        public void HomeAndEndJumpToTheEdges()
        {
            var editor = Typed("middle");
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Home));
            Assert.Equal(0, editor.Cursor);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Home));
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.End));
            Assert.Equal(6, editor.Cursor);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.End));
        }

        [Fact]
        public void EnterHandsOverTheLineAndStartsAnEmptyOne()
        {
            var editor = Typed("ciao");
            Press(editor, ChatKey.Left);
            Assert.Equal(ChatEditResult.Submitted, editor.Apply(ChatKey.Enter));
            Assert.Equal("ciao", editor.Submitted);
            Assert.Equal(string.Empty, editor.Line);
            Assert.Equal(0, editor.Cursor);
            Assert.Equal(ChatEditResult.Submitted, editor.Apply(ChatKey.Enter));
            Assert.Equal(string.Empty, editor.Submitted);
        }

        [Fact]
        public void UpAndDownGoThroughTheHistoryAndBackToTheLineBeingTyped()
        {
            var editor = new ChatLineEditor();
            Enter(editor, "first");
            Enter(editor, "second");
            Type(editor, "draft");
            Press(editor, ChatKey.Left);

            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Up));
            Assert.Equal("second", editor.Line);
            Assert.Equal(6, editor.Cursor);
            Press(editor, ChatKey.Up);
            Assert.Equal("first", editor.Line);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Up));
            Assert.Equal("first", editor.Line);

            Press(editor, ChatKey.Down);
            Assert.Equal("second", editor.Line);
            Press(editor, ChatKey.Down);
            Assert.Equal("draft", editor.Line);
            Assert.Equal(5, editor.Cursor);
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Down));
            Assert.Equal("draft", editor.Line);
        }

        [Fact]
        public void ARecalledLineCanBeEditedAndEntered()
        {
            var editor = new ChatLineEditor();
            Enter(editor, "hello");
            Press(editor, ChatKey.Up);
            Type(editor, "!");
            editor.Apply(ChatKey.Enter);
            Assert.Equal("hello!", editor.Submitted);
            Assert.Equal(new[] { "hello", "hello!" }, editor.History);
            Press(editor, ChatKey.Up);
            Assert.Equal("hello!", editor.Line);
        }

        [Fact]
        public void UpAndDownDoNothingWithoutHistory()
        {
            var editor = Typed("only");
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Up));
            Assert.Equal(ChatEditResult.None, editor.Apply(ChatKey.Down));
            Assert.Equal("only", editor.Line);
        }

        [Fact]
        public void HistoryLeavesOutBlankLinesAndRepeatsAndKeepsTheNewestWithinItsLimit()
        {
            var editor = new ChatLineEditor(historyLimit: 3);
            foreach (string line in new[] { "a", "  ", "b", "b", "c", "d", string.Empty })
            {
                Enter(editor, line);
            }

            Assert.Equal(new[] { "b", "c", "d" }, editor.History);
        }

        [Fact]
        public void TheLineStopsGrowingAtItsLimit()
        {
            var editor = new ChatLineEditor(maxLength: 3);
            Type(editor, "abc");
            Assert.Equal(ChatEditResult.Refused, editor.Apply(ChatKey.Character, 'd'));
            Assert.Equal("abc", editor.Line);
            Press(editor, ChatKey.Backspace);
            Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Character, 'x'));
            Assert.Equal("abx", editor.Line);
        }

        [Fact]
        public void AHighSurrogateIsRefusedWhenItsPairWouldNotFit()
        {
            var editor = new ChatLineEditor(maxLength: 3);
            Type(editor, "ab");
            Assert.Equal(ChatEditResult.Refused, editor.Apply(ChatKey.Character, '\uD83D'));
            Assert.Equal("ab", editor.Line);
        }

        [Fact]
        public void ASurrogatePairIsOneCharacterForMovesAndDeletes()
        {
            // "a😀b": the emoji is two UTF-16 units, typed as two keys.
            var editor = Typed("a\uD83D\uDE00b");
            Press(editor, ChatKey.Left);
            Press(editor, ChatKey.Left);
            Assert.Equal(1, editor.Cursor);
            Press(editor, ChatKey.Right);
            Assert.Equal(3, editor.Cursor);
            Press(editor, ChatKey.Backspace);
            Assert.Equal("ab", editor.Line);
            Assert.Equal(1, editor.Cursor);

            editor = Typed("a\uD83D\uDE00b");
            Press(editor, ChatKey.Home);
            Press(editor, ChatKey.Right);
            Press(editor, ChatKey.Delete);
            Assert.Equal("ab", editor.Line);
        }

        [Fact]
        public void RefusesLimitsThatCannotHoldALine()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => new ChatLineEditor(maxLength: 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => new ChatLineEditor(historyLimit: -1));
        }

        private static ChatLineEditor Typed(string text)
        {
            var editor = new ChatLineEditor();
            Type(editor, text);
            return editor;
        }

        private static void Type(ChatLineEditor editor, string text)
        {
            foreach (char c in text)
            {
                Assert.Equal(ChatKey.Character, ChatLineEditor.KeyFor(0, c));
                Assert.Equal(ChatEditResult.Changed, editor.Apply(ChatKey.Character, c));
            }
        }

        private static void Enter(ChatLineEditor editor, string text)
        {
            Type(editor, text);
            Assert.Equal(ChatEditResult.Submitted, editor.Apply(ChatKey.Enter));
        }

        private static void Press(ChatLineEditor editor, ChatKey key) => Assert.Equal(ChatEditResult.Changed, editor.Apply(key));
    }
}
