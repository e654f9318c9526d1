using System;
using System.IO;
using System.Linq;
using System.Net;
using McastCrypto.Session;
using Xunit;

namespace McastCrypto.Tests.Session
{
    public sealed class KnownRelaysTests : IDisposable
    {
        private const string First = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        private const string Second = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB";
        private readonly string folder = Path.Combine(Path.GetTempPath(), "mcast-known-" + Guid.NewGuid().ToString("N"));
        private readonly string scope = KnownRelays.ScopeOf(IPAddress.Parse("239.255.1.2"), 5000, "127.0.0.1");

        private string FilePath => Path.Combine(folder, "sub", "known_relays");

        [Fact]
        public void TrustsTheFirstRelayAndWritesItDown()
        {
            var known = new KnownRelays(FilePath, scope, trustOnFirstUse: true);
            Assert.Null(known.Judge(First));
            Assert.Equal(First, new KnownRelays(FilePath, scope, trustOnFirstUse: false).Lookup());
            Assert.Contains("239.255.1.2:5000 127.0.0.1 " + First, File.ReadAllLines(FilePath));
        }

        [Fact]
        public void RefusesAnotherKeyForAKnownGroupShowingBothAndTheLine()
        {
            var known = new KnownRelays(FilePath, scope, trustOnFirstUse: true);
            Assert.Null(known.Judge(First));
            string? why = known.Judge(Second);
            Assert.NotNull(why);
            Assert.Contains(First, why);
            Assert.Contains(Second, why);
            Assert.Contains("line 2", why);
            Assert.Contains("-RelayFingerprint " + Second, why);
            Assert.Null(known.Judge(First));
        }

        [Fact]
        public void KeepsGroupsApart()
        {
            Assert.Null(new KnownRelays(FilePath, scope, true).Judge(First));
            string other = KnownRelays.ScopeOf(IPAddress.Parse("239.255.1.2"), 5001, "127.0.0.1");
            Assert.Null(new KnownRelays(FilePath, other, true).Judge(Second));
            Assert.Equal(First, new KnownRelays(FilePath, scope, true).Lookup());
            Assert.Equal(Second, new KnownRelays(FilePath, other, true).Lookup());
        }

        [Fact]
        public void WithoutTrustOnFirstUseAnUnknownGroupIsRefusedAndNothingIsWritten()
        {
            string? why = new KnownRelays(FilePath, scope, trustOnFirstUse: false).Judge(First);
            Assert.NotNull(why);
            Assert.Contains("-RelayFingerprint " + First, why);
            Assert.False(File.Exists(FilePath));
        }

        [Fact]
        public void ABrokenLineIsAnErrorNamingTheFileAndLine()
        {
            Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
            File.WriteAllLines(FilePath, new[] { "# comment", "239.255.1.2:5000 127.0.0.1 not-a-fingerprint" });
            var e = Assert.Throws<InvalidDataException>(() => new KnownRelays(FilePath, scope, true).Judge(First));
            Assert.Contains("line 2", e.Message);
            Assert.Equal(2, File.ReadAllLines(FilePath).Length);
        }

        [Fact]
        public void TheDefaultFileIsTheVariablesValueWhenItIsSet()
        {
            string fromVariable = Path.Combine(folder, "elsewhere", "relays.txt");
            Assert.Equal(fromVariable, KnownRelays.DefaultPathFor(fromVariable, Path.Combine(folder, "config")));
            Assert.Equal("relative.known", KnownRelays.DefaultPathFor("relative.known", Path.Combine(folder, "config")));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        public void WithoutTheVariableTheDefaultFileIsMcastCryptoKnownRelaysInTheApplicationDataFolder(string? variable)
        {
            // As New-McastSession's help says: McastCrypto/known_relays in the application-data folder
            // (~/.config on Linux and macOS, %APPDATA% on Windows); an empty variable is no variable.
            string config = Path.Combine(folder, "home", ".config");
            char separator = Path.DirectorySeparatorChar;
            Assert.Equal(config + separator + "McastCrypto" + separator + "known_relays", KnownRelays.DefaultPathFor(variable, config));
        }

        [Theory]
        [InlineData(null)]
        [InlineData("")]
        public void WithNeitherTheVariableNorAFolderTheDefaultIsRefusedNotMadeRelative(string? applicationData)
        {
            // Path.Combine("", ...) would give McastCrypto/known_relays, relative to whatever folder the
            // process happens to be in: trust would then depend on where PowerShell was started.
            var e = Assert.Throws<ArgumentException>(() => KnownRelays.DefaultPathFor(null, applicationData));
            Assert.Contains("-KnownRelaysPath", e.Message);
            Assert.Contains(KnownRelays.PathVariable, e.Message);
        }

        public void Dispose()
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        [Fact]
        public void Remembers_an_IPv6_group_in_brackets_with_a_scoped_member_address_and_finds_the_line()
        {
            string v6 = KnownRelays.ScopeOf(IPAddress.Parse("ff15::4d43"), 5007, "fe80::1%3");
            Assert.Equal("[ff15::4d43]:5007 fe80::1%3", v6);

            Assert.Null(new KnownRelays(FilePath, v6, trustOnFirstUse: true).Judge(First));
            Assert.Contains("[ff15::4d43]:5007 fe80::1%3 " + First, File.ReadAllLines(FilePath));
            Assert.Equal(First, new KnownRelays(FilePath, v6, trustOnFirstUse: false).Lookup());
            string? why = new KnownRelays(FilePath, v6, trustOnFirstUse: true).Judge(Second);
            Assert.NotNull(why);
            Assert.Contains("The relay for [ff15::4d43]:5007 fe80::1%3 has the key " + Second, why);

            var lines = KnownRelays.FindLines(FilePath, "[ff15::4d43]:5007", First);
            Assert.Equal(2, Assert.Single(lines).Line);
        }
    }
}
