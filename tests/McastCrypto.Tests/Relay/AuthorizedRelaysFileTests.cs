using System;
using System.IO;
using McastCrypto.Relay;
using Xunit;

namespace McastCrypto.Tests.Relay
{
    public sealed class AuthorizedRelaysFileTests
    {
        private const string Paris = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        private const string Turin = "SHA256:b+b/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

        [Fact]
        public void ReadsRelayFingerprintsWithNotesCommentsAndBlankLines()
        {
            var relays = AuthorizedRelaysFile.Parse(new[] { "# our sites", string.Empty, Paris + "  relay in Paris", "\t" + Turin + "\t# Turin", Paris }, "test");
            Assert.Equal(2, relays.Count);
            Assert.Contains(Paris, relays);
            Assert.Contains(Turin, relays);
        }

        [Theory]
        [InlineData("sha256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
        [InlineData("SHA256:AAAA")]
        [InlineData("nats://relay-b:4222")]
        [InlineData("SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")]
        public void ALineThatIsNotAFingerprintIsAnErrorNamingTheFileAndLine(string line)
        {
            var e = Assert.Throws<InvalidDataException>(() => AuthorizedRelaysFile.Parse(new[] { Paris, line }, "relays.txt"));
            Assert.Contains("relays.txt, line 2", e.Message);
            Assert.Contains("relay fingerprint", e.Message);
        }

        [Fact]
        public void LoadsAFileAndAMissingFileIsFileNotFound()
        {
            string path = Path.Combine(Path.GetTempPath(), "relays-" + Guid.NewGuid().ToString("N") + ".txt");
            try
            {
                File.WriteAllLines(path, new[] { "# test", Turin + " turin" });
                Assert.Equal(new[] { Turin }, AuthorizedRelaysFile.Load(path));
            }
            finally
            {
                File.Delete(path);
            }

            Assert.Throws<FileNotFoundException>(() => AuthorizedRelaysFile.Load(path));
        }
    }
}
