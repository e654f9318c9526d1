using System;
using McastCrypto.Commands;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    public class ChatTextTests
    {
        [Theory]
        [InlineData("a", 0, 1)]
        [InlineData("è", 0, 1)]
        [InlineData("漢", 0, 2)]
        [InlineData("ｱ", 0, 1)] // halfwidth katakana
        [InlineData("Ａ", 0, 2)] // fullwidth A
        [InlineData("\uD83D\uDE00", 0, 2)] // 😀: the pair counts at its high half...
        [InlineData("\uD83D\uDE00", 1, 0)] // ...and not at its low half
        [InlineData("e\u0301", 1, 0)] // a combining acute accent
        [InlineData("\u200D", 0, 0)] // zero width joiner
        [InlineData("\x1b", 0, 0)]
        [InlineData("\uDE00", 0, 1)] // a lone low surrogate, drawn as a replacement character
        public void CountsTheCellsACharacterTakes(string text, int index, int cells) =>
            Assert.Equal(cells, ChatText.CellWidth(text, index));

        [Fact]
        public void LocatesCharactersOfAWrappedLine()
        {
            string text = "> " + new string('x', 18);
            Assert.Equal((0, 0), ChatText.Locate(text, 0, 10));
            Assert.Equal((0, 9), ChatText.Locate(text, 9, 10));
            Assert.Equal((1, 0), ChatText.Locate(text, 10, 10));
            Assert.Equal((1, 9), ChatText.Locate(text, 19, 10));
        }

        [Fact]
        public void TheCursorAfterAFullLastRowStandsOnTheNextRow()
        {
            // 20 cells in rows of 10: the terminal's cursor waits in the last column, but the next
            // character (and so the editor's cursor) goes to the start of row 2.
            string text = new string('x', 20);
            Assert.Equal((1, 10), ChatText.End(text, 10));
            Assert.Equal((2, 0), ChatText.Locate(text, 20, 10));
            Assert.Equal((1, 9), ChatText.End(text.Substring(1), 10));
            Assert.Equal((1, 9), ChatText.Locate(text.Substring(1), 19, 10));
        }

        [Fact]
        public void AWideCharacterThatDoesNotFitGoesToTheNextRow()
        {
            // 9 narrow cells, then a wide one: the last column stays empty, as terminals leave it.
            string text = new string('x', 9) + "漢y";
            Assert.Equal((1, 0), ChatText.Locate(text, 9, 10));
            Assert.Equal((1, 2), ChatText.Locate(text, 10, 10));
            Assert.Equal((1, 3), ChatText.End(text, 10));
        }

        [Fact]
        public void ASurrogatePairTakesItsCellsOnce()
        {
            string text = "> \uD83D\uDE00!";
            Assert.Equal((0, 4), ChatText.Locate(text, 4, 10));
            Assert.Equal((0, 5), ChatText.End(text, 10));
            Assert.Equal(5, ChatText.Cells(text));
            Assert.Equal(3, ChatText.Cells(text, 2));
        }

        [Fact]
        public void FindsTheFirstCharacterOfARow()
        {
            string text = new string('a', 10) + new string('b', 10) + "cc";
            Assert.Equal(0, ChatText.IndexOfRow(text, 0, 10));
            Assert.Equal(10, ChatText.IndexOfRow(text, 1, 10));
            Assert.Equal(20, ChatText.IndexOfRow(text, 2, 10));
            Assert.Equal(text.Length, ChatText.IndexOfRow(text, 3, 10));
        }

        [Fact]
        public void RefusesImpossibleWidthsAndIndexes()
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => ChatText.Locate("abc", 0, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => ChatText.Locate("abc", 4, 10));
            Assert.Throws<ArgumentOutOfRangeException>(() => ChatText.End("abc", 0));
        }

        [Theory]
        [InlineData("plain è 漢", "plain è 漢")]
        [InlineData("\x1b[2J\x1b[Hgotcha", "\uFFFD[2J\uFFFD[Hgotcha")] // no escape sequence reaches the terminal
        [InlineData("ok\r[12:00:00] bob: fake", "ok\uFFFD[12:00:00] bob: fake")] // a carriage return cannot overwrite the sender
        [InlineData("bell\a\x7f\x9b", "bell\uFFFD\uFFFD\uFFFD")]
        [InlineData("a\tb", "a b")]
        [InlineData(null, "")]
        public void MakesStrangersTextPrintable(string? text, string expected) =>
            Assert.Equal(expected, ChatText.Printable(text));

        [Fact]
        public void IndentsTheLinesAfterALineBreak()
        {
            string nl = Environment.NewLine;
            Assert.Equal("one" + nl + "    two" + nl + "    three", ChatText.Printable("one\ntwo\r\nthree"));
        }
    }
}
