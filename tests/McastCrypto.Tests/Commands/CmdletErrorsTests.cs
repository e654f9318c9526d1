using System;
using McastCrypto.Commands;
using Xunit;

namespace McastCrypto.Tests.Commands
{
    public class CmdletErrorsTests
    {
        [Fact]
        public void DropsTheParameterNameOfAnArgumentException()
        {
            var e = new ArgumentException("A message cannot be empty.", "text");
            Assert.NotEqual("A message cannot be empty.", e.Message);
            Assert.Equal("A message cannot be empty.", CmdletErrors.CleanMessage(e));
        }

        [Fact]
        public void DropsTheParameterNameAndActualValueOfAnArgumentOutOfRangeException()
        {
            var e = new ArgumentOutOfRangeException("count", 300, "A Rekey holds 1 to 255 entries.");
            Assert.Equal("A Rekey holds 1 to 255 entries.", CmdletErrors.CleanMessage(e));
        }

        [Fact]
        public void DropsTheObjectNameOfAnObjectDisposedException()
        {
            var e = new ObjectDisposedException("victim", "victim (Id 3) is closed.");
            Assert.Contains("victim'", e.Message);
            Assert.Equal("victim (Id 3) is closed.", CmdletErrors.CleanMessage(e));
        }

        [Theory]
        [InlineData("Use -AsHex or -AsBase64, not both.")]
        [InlineData("The word (Parameter 'x') in the middle stays (Parameter 'x') here.")]
        public void LeavesAMessageWithoutASuffixAsItIs(string message)
        {
            Assert.Equal(message, CmdletErrors.CleanMessage(new ArgumentException(message)));
            Assert.Equal(message, CmdletErrors.CleanMessage(new InvalidOperationException(message)));
        }

        [Fact]
        public void KeepsAMessageThatIsOnlyTheSuffix()
        {
            // Nothing would be left: the message says at least which parameter.
            var e = new ArgumentException(string.Empty, "text");
            Assert.Equal(e.Message, CmdletErrors.CleanMessage(e));
        }

        [Fact]
        public void ReplacesOnlyExceptionsWhoseMessageChangesKeepingTheOriginalInside()
        {
            var clean = new InvalidOperationException("Not connected.");
            Assert.Same(clean, CmdletErrors.WithCleanMessage(clean));

            var argument = new ArgumentException("-FragmentSize is for the Classic protocol.", "options");
            Exception replaced = CmdletErrors.WithCleanMessage(argument);
            Assert.IsType<ArgumentException>(replaced);
            Assert.Equal("-FragmentSize is for the Classic protocol.", replaced.Message);
            Assert.Same(argument, replaced.InnerException);

            var disposed = new ObjectDisposedException("s", "s (Id 1) is closed.");
            Exception closed = CmdletErrors.WithCleanMessage(disposed);
            Assert.IsType<InvalidOperationException>(closed);
            Assert.Equal("s (Id 1) is closed.", closed.Message);
        }
    }
}
