using System.IO;
using McastCrypto.Relay;
using Xunit;

namespace McastCrypto.Tests.Relay
{
    public sealed class AuthorizedKeysFileTests
    {
        private const string Alice = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        private const string Bob = "SHA256:b+b/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

        [Fact]
        public void ReadsFingerprintsWithNotesCommentsAndBlankLines()
        {
            var keys = AuthorizedKeysFile.Parse(new[] { "# the lab", string.Empty, Alice + "  alice's laptop", "\t" + Bob }, "test");
            Assert.Equal(2, keys.Count);
            Assert.Contains(Alice, keys);
            Assert.Contains(Bob, keys);
        }

        [Theory]
        [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
        [InlineData("SHA256:AAAA")]
        [InlineData("alice")]
        [InlineData("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
        public void ALineThatIsNotAFingerprintIsAnErrorWithItsNumber(string line)
        {
            var e = Assert.Throws<InvalidDataException>(() => AuthorizedKeysFile.Parse(new[] { Alice, line }, "keys.txt"));
            Assert.Contains("keys.txt, line 2", e.Message);
        }

        [Fact]
        public void AMissingFileIsFileNotFound()
        {
            Assert.Throws<FileNotFoundException>(() => AuthorizedKeysFile.Load(Path.Combine(Path.GetTempPath(), "no-such-" + System.Guid.NewGuid().ToString("N"))));
        }
    }
}
