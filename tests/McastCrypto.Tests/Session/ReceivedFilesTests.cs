using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Tests.Crypto;
using Xunit;

namespace McastCrypto.Tests.Session
{
    /// <summary>
    /// Files from other members written to a directory: the name is hostile (a protocol might let
    /// anything through), so it becomes a plain name in that directory, and nothing is overwritten
    /// without being asked. Each test works in a directory of its own.
    /// </summary>
    public sealed class ReceivedFilesTests : IDisposable
    {
        private readonly string root;
        private readonly string folder;

        public ReceivedFilesTests()
        {
            root = Path.Combine(Path.GetTempPath(), "mcast-files-" + Guid.NewGuid().ToString("N"));
            folder = Path.Combine(root, "inbox");
            Directory.CreateDirectory(folder);
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(root, true);
            }
            catch (IOException)
            {
            }
        }

        [Theory]
        [InlineData("report.pdf", "report.pdf")]
        [InlineData("..\\..\\x", ".._.._x")]
        [InlineData("../../x", ".._.._x")]
        [InlineData("/etc/passwd", "_etc_passwd")]
        [InlineData("C:\\Windows\\win.ini", "C__Windows_win.ini")]
        [InlineData("CON", "_CON")]
        [InlineData("con.txt", "_con.txt")]
        [InlineData("Nul .tar.gz", "_Nul .tar.gz")]
        [InlineData("COM1", "_COM1")]
        [InlineData("lpt9.log", "_lpt9.log")]
        [InlineData("CONSOLE.txt", "CONSOLE.txt")]
        [InlineData("a\u0001b\u001fc\u007fd\u0085e", "a_b_c_d_e")]
        [InlineData("evil\u202Etxt.exe", "evil_txt.exe")]
        [InlineData("line\u2028break", "line_break")]
        [InlineData("a:b*c?d\"e<f>g|h", "a_b_c_d_e_f_g_h")]
        [InlineData("name. . ", "name")]
        [InlineData("  leading", "leading")]
        [InlineData(".hidden", ".hidden")]
        [InlineData("caf\u00e9 \U0001F600.txt", "caf\u00e9 \U0001F600.txt")]
        public void HostileNamesBecomePlainNames(string name, string expected)
        {
            Assert.Equal(expected, ReceivedFiles.SafeName(name, "fallback"));
        }

        [Fact]
        public void ALoneSurrogateBecomesAnUnderscore()
        {
            // Not in the theory's data: xunit carries its arguments as UTF-8, which has no lone surrogate.
            Assert.Equal("lone_surrogate_", ReceivedFiles.SafeName("lone\uD800surrogate\uDC00", "fallback"));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        [InlineData(".")]
        [InlineData("..")]
        [InlineData("...")]
        [InlineData("   ")]
        [InlineData(". .")]
        public void ANameWithNothingLeftGetsTheFallback(string? name)
        {
            Assert.Equal("fallback", ReceivedFiles.SafeName(name, "fallback"));
        }

        [Fact]
        public void ALongNameIsCutTo255BytesKeepingItsExtensionAndWholeCharacters()
        {
            string name = string.Concat(Enumerable.Repeat("\U0001F600", 100)) + ".txt"; // 404 bytes of UTF-8

            string safe = ReceivedFiles.SafeName(name, "fallback");

            // 62 whole emoji of 4 bytes (248) and ".txt" (4): a 63rd would pass 255.
            Assert.Equal(string.Concat(Enumerable.Repeat("\U0001F600", 62)) + ".txt", safe);
            Assert.Equal(252, Encoding.UTF8.GetByteCount(safe));
        }

        [Fact]
        public void AFileIsWrittenUnderItsNameAndItsPathRecorded()
        {
            McastMessage message = FileMessage("notes.txt", "hello");

            Assert.True(ReceivedFiles.TrySave(message, folder, false, out string path));

            Assert.Equal(Path.Combine(Path.GetFullPath(folder), "notes.txt"), path);
            Assert.Equal("hello", File.ReadAllText(path));
            Assert.Equal(path, message.SavedPath);
        }

        [Theory]
        [InlineData("..\\..\\x")]
        [InlineData("../../x")]
        [InlineData("/etc/passwd")]
        [InlineData("..")]
        [InlineData("sub/../../escape")]
        [InlineData("CON")]
        [InlineData("a\u0000b")]
        [InlineData("tab\tname\r\n")]
        public void NoNameLeavesTheDirectory(string name)
        {
            string[] before = Directory.GetFileSystemEntries(root);
            McastMessage message = FileMessage(name, "payload");

            Assert.True(ReceivedFiles.TrySave(message, folder, false, out string path));

            Assert.Equal(Path.GetFullPath(folder), Path.GetDirectoryName(path));
            Assert.Single(Directory.GetFileSystemEntries(folder));
            Assert.Equal(before, Directory.GetFileSystemEntries(root)); // nothing new beside the directory
            Assert.Equal("payload", File.ReadAllText(path));
        }

        [Fact]
        public void AnExistingFileIsLeftAloneWithoutForce()
        {
            string existing = Path.Combine(folder, "same.txt");
            File.WriteAllText(existing, "mine");
            McastMessage message = FileMessage("same.txt", "theirs");

            Assert.False(ReceivedFiles.TrySave(message, folder, false, out string path));

            Assert.Equal(Path.GetFullPath(existing), path);
            Assert.Equal("mine", File.ReadAllText(existing));
            Assert.Null(message.SavedPath);
        }

        [Fact]
        public void ForceReplacesAnExistingFile()
        {
            string existing = Path.Combine(folder, "same.txt");
            File.WriteAllText(existing, "a longer text that was here first");
            McastMessage message = FileMessage("same.txt", "theirs");

            Assert.True(ReceivedFiles.TrySave(message, folder, true, out string path));

            Assert.Equal("theirs", File.ReadAllText(path));
            Assert.Equal(path, message.SavedPath);
        }

        [Fact]
        public void ADirectoryInTheWayIsAnErrorEvenWithForce()
        {
            Directory.CreateDirectory(Path.Combine(folder, "taken"));

            Assert.Throws<IOException>(() => ReceivedFiles.TrySave(FileMessage("taken", "x"), folder, true, out _));
            Assert.True(Directory.Exists(Path.Combine(folder, "taken")));
        }

        [UnixFact]
        public void ALinkInTheWayIsNeverWrittenThrough()
        {
            string outside = Path.Combine(root, "outside.txt");
            File.WriteAllText(outside, "precious");
            string link = Path.Combine(folder, "link.txt");
            File.CreateSymbolicLink(link, outside);
            string dangling = Path.Combine(folder, "dangling.txt");
            File.CreateSymbolicLink(dangling, Path.Combine(root, "nowhere.txt"));

            Assert.False(ReceivedFiles.TrySave(FileMessage("link.txt", "overwrite?"), folder, false, out _));
            Assert.False(ReceivedFiles.TrySave(FileMessage("dangling.txt", "create?"), folder, false, out _));
            Assert.False(File.Exists(Path.Combine(root, "nowhere.txt")));

            Assert.True(ReceivedFiles.TrySave(FileMessage("link.txt", "replaced"), folder, true, out string path));
            Assert.Equal("precious", File.ReadAllText(outside));
            Assert.Equal("replaced", File.ReadAllText(path));
            Assert.Null(new FileInfo(path).LinkTarget);

            Assert.True(ReceivedFiles.TrySave(FileMessage("dangling.txt", "made here"), folder, true, out _));
            Assert.False(File.Exists(Path.Combine(root, "nowhere.txt")));
        }

        [Fact]
        public void OnlyFileMessagesAreSaved()
        {
            var data = new McastMessage(null!, 1, null, MessageContent.FromData(new byte[] { 1 }), "0000000000000001", true, DateTimeOffset.Now);

            Assert.Throws<ArgumentException>(() => ReceivedFiles.TrySave(data, folder, false, out _));
            Assert.Empty(Directory.GetFileSystemEntries(folder));
        }

        [Fact]
        public void AnEmptyNameIsSavedUnderTheMessageId()
        {
            Assert.True(ReceivedFiles.TrySave(FileMessage("...", "x"), folder, false, out string path));
            Assert.Equal("file-00000000000000ab", Path.GetFileName(path));
        }

        /// <summary>A file message as a protocol that checked nothing would deliver it.</summary>
        private static McastMessage FileMessage(string name, string text)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            MessageContent content = MessageContent.Received(MessageContentKind.File, bytes, null, name, SHA256.HashData(bytes));
            return new McastMessage(null!, 1, null, content, "00000000000000ab", true, DateTimeOffset.Now);
        }
    }
}
