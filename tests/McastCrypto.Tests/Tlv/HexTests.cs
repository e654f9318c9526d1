using System;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Tlv
{
    public class HexTests
    {
        [Theory]
        [InlineData("000aff", new byte[] { 0x00, 0x0A, 0xFF })]
        [InlineData("00 0A FF", new byte[] { 0x00, 0x0A, 0xFF })]
        [InlineData(" 0x00:0a-ff\n", new byte[] { 0x00, 0x0A, 0xFF })]
        [InlineData("", new byte[0])]
        public void DecodesWithSeparators(string text, byte[] expected) => Assert.Equal(expected, Hex.Decode(text));

        [Theory]
        [InlineData("0g", "'g'")]
        [InlineData("abc", "odd")]
        [InlineData("a b", "splits")]
        public void RefusesBadTextNamingTheProblem(string text, string expected)
        {
            var e = Assert.Throws<FormatException>(() => Hex.Decode(text));
            Assert.Contains(expected, e.Message);
        }

        [Fact]
        public void EncodesLowerCase() => Assert.Equal("00abff", Hex.Encode(new byte[] { 0, 0xAB, 0xFF }));
    }
}
