using System;
using System.IO;
using System.Linq;
using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// The tests that change the process umask: they run alone, so no other test creates a file
    /// while the umask is 0.
    /// </summary>
    [CollectionDefinition(Name, DisableParallelization = true)]
    public sealed class ProcessUmaskCollection
    {
        internal const string Name = "Process umask";
    }

    /// <summary>
    /// <see cref="IdentityKeyFile"/>: round trips, refusals with clear messages, no silent
    /// overwrite, and files readable by their owner alone. Each test works in a folder of its own,
    /// deleted afterwards. The mode checks set the umask to 0 (and put it back), so that only the
    /// code under test can be what makes a file 0600.
    /// </summary>
    [Collection(ProcessUmaskCollection.Name)]
    public sealed class IdentityKeyFileTests : IDisposable
    {
        private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;

        private readonly string folder;

        public IdentityKeyFileTests()
        {
            folder = Path.Combine(Path.GetTempPath(), "mcast-keyfile-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(folder);
        }

        public void Dispose() => Directory.Delete(folder, recursive: true);

        [Fact]
        public void LoadOrCreateEcdsaCreatesAFileAndThenLoadsTheSameKey()
        {
            string path = Path.Combine(folder, "relay.key");

            using EcdsaP256PrivateKey created = IdentityKeyFile.LoadOrCreateEcdsa(path, out bool wasCreated);
            Assert.True(wasCreated);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----\n", File.ReadAllText(path));
            Assert.Equal(IdentityKeyKind.EcdsaP256, IdentityKeyFile.GetKind(path));

            using EcdsaP256PrivateKey loaded = IdentityKeyFile.LoadOrCreateEcdsa(path, out bool createdAgain);
            Assert.False(createdAgain);
            Assert.Equal(created.PublicKey.Fingerprint, loaded.PublicKey.Fingerprint);
            byte[] data = { 1, 2, 3 };
            Assert.True(created.PublicKey.Verify(data, loaded.Sign(data)));

            using EcdsaP256PrivateKey again = IdentityKeyFile.LoadEcdsa(path);
            Assert.Equal(created.PublicKey.Fingerprint, again.PublicKey.Fingerprint);
            Assert.Equal(new[] { "relay.key" }, Directory.GetFiles(folder).Select(Path.GetFileName));
        }

        [Fact]
        public void LoadOrCreateRsaCreatesAFileAndThenLoadsTheSameKey()
        {
            string path = Path.Combine(folder, "classic-relay.key");

            using RsaPrivateKey created = IdentityKeyFile.LoadOrCreateRsa(path, out bool wasCreated);
            Assert.True(wasCreated);
            Assert.Equal(IdentityKeyKind.Rsa, IdentityKeyFile.GetKind(path));
            Assert.Equal(2048 / 8, created.PublicKey.KeySizeBytes);

            using RsaPrivateKey loaded = IdentityKeyFile.LoadOrCreateRsa(path, out bool createdAgain);
            Assert.False(createdAgain);
            Assert.Equal(created.PublicKey.Fingerprint, loaded.PublicKey.Fingerprint);
            Assert.True(loaded.TryDecrypt(created.PublicKey.Encrypt(new byte[] { 42 }), out byte[]? plaintext));
            Assert.Equal(new byte[] { 42 }, plaintext);
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Pairs), MemberType = typeof(RsaBackends))]
        public void RsaPkcs8ExportedByOneBackendImportsIntoTheOther(string exporter, string importer)
        {
            RsaPrivateKey key = RsaBackends.SharedKey(exporter);
            using RsaPrivateKey copy = RsaBackends.ImportPkcs8(importer, key.ExportPkcs8());
            Assert.Equal(key.PublicKey.SubjectPublicKeyInfo, copy.PublicKey.SubjectPublicKeyInfo);
            Assert.True(copy.TryDecrypt(key.PublicKey.Encrypt(new byte[] { 7 }), out byte[]? plaintext));
            Assert.Equal(new byte[] { 7 }, plaintext);
        }

        [Fact]
        public void AnExistingFileIsNeverOverwrittenWithoutForce()
        {
            string path = Path.Combine(folder, "relay.key");
            using EcdsaP256PrivateKey first = IdentityKeyFile.CreateEcdsa(path, force: false);
            byte[] before = File.ReadAllBytes(path);

            var ex = Assert.Throws<IOException>(() => IdentityKeyFile.CreateEcdsa(path, force: false));
            Assert.Contains("already exists", ex.Message);
            Assert.Contains(path, ex.Message);
            Assert.Throws<IOException>(() => IdentityKeyFile.CreateRsa(path, force: false));
            Assert.Equal(before, File.ReadAllBytes(path));

            using EcdsaP256PrivateKey second = IdentityKeyFile.CreateEcdsa(path, force: true);
            Assert.NotEqual(first.PublicKey.Fingerprint, second.PublicKey.Fingerprint);
            using EcdsaP256PrivateKey loaded = IdentityKeyFile.LoadEcdsa(path);
            Assert.Equal(second.PublicKey.Fingerprint, loaded.PublicKey.Fingerprint);
            Assert.Single(Directory.GetFiles(folder));
        }

        [Fact]
        public void LoadingTheWrongKindOfKeySaysWhatTheFileHolds()
        {
            string rsaPath = Path.Combine(folder, "rsa.key");
            string ecdsaPath = Path.Combine(folder, "ecdsa.key");
            IdentityKeyFile.CreateRsa(rsaPath, force: false).Dispose();
            IdentityKeyFile.CreateEcdsa(ecdsaPath, force: false).Dispose();

            var ex = Assert.Throws<CryptographicException>(() => IdentityKeyFile.LoadEcdsa(rsaPath));
            Assert.Equal($"The key file '{rsaPath}' holds an RSA key; the Secure protocol needs an ECDSA P-256 key.", ex.Message);
            Assert.Throws<CryptographicException>(() => IdentityKeyFile.LoadOrCreateEcdsa(rsaPath, out _));

            ex = Assert.Throws<CryptographicException>(() => IdentityKeyFile.LoadRsa(ecdsaPath));
            Assert.Equal($"The key file '{ecdsaPath}' holds an ECDSA P-256 key; the Classic protocol needs an RSA key.", ex.Message);
            Assert.Throws<CryptographicException>(() => IdentityKeyFile.LoadOrCreateRsa(ecdsaPath, out _));
        }

        [Fact]
        public void AMissingFileIsFileNotFoundWithItsPath()
        {
            string path = Path.Combine(folder, "nothing.key");
            var ex = Assert.Throws<FileNotFoundException>(() => IdentityKeyFile.LoadEcdsa(path));
            Assert.Equal(path, ex.FileName);
            Assert.Contains(path, ex.Message);
            Assert.Throws<FileNotFoundException>(() => IdentityKeyFile.LoadRsa(path));
            Assert.Throws<FileNotFoundException>(() => IdentityKeyFile.GetKind(path));
            Assert.Empty(Directory.GetFiles(folder));
        }

        [Theory]
        [InlineData("empty", "not a PEM private key")]
        [InlineData("text", "not a PEM private key")]
        [InlineData("public key", "not a PEM private key")]
        [InlineData("SEC1", "openssl pkcs8 -topk8 -nocrypt")]
        [InlineData("PKCS#1", "openssl pkcs8 -topk8 -nocrypt")]
        [InlineData("encrypted", "unencrypted keys only")]
        [InlineData("garbage in the PEM", "not a PKCS#8 private key")]
        [InlineData("P-384", "secp384r1")]
        [InlineData("Ed25519", "Ed25519")]
        [InlineData("1024-bit RSA", "1024-bit")]
        [InlineData("too long", "longer than 65536 bytes")]
        [InlineData("binary", "not a PEM private key")]
        public void AFileThatIsNotAUsableKeyIsRefusedWithAClearMessage(string variant, string messagePart)
        {
            string path = Path.Combine(folder, "bad.key");
            using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            byte[] contents = variant switch
            {
                "empty" => Array.Empty<byte>(),
                "text" => Encoding.UTF8.GetBytes("my relay key\n"),
                "public key" => Encoding.ASCII.GetBytes(p256.ExportSubjectPublicKeyInfoPem()),
                "SEC1" => Encoding.ASCII.GetBytes(p256.ExportECPrivateKeyPem()),
                "PKCS#1" => Encoding.ASCII.GetBytes(RSA.Create(2048).ExportRSAPrivateKeyPem()),
                "encrypted" => Encoding.ASCII.GetBytes(p256.ExportEncryptedPkcs8PrivateKeyPem("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000))),
                "garbage in the PEM" => Encoding.ASCII.GetBytes(Pem.Encode("PRIVATE KEY", new byte[] { 0x30, 0x03, 0x02, 0x01, 0x00 })),
                "P-384" => Encoding.ASCII.GetBytes(ECDsa.Create(ECCurve.NamedCurves.nistP384).ExportPkcs8PrivateKeyPem()),
                "Ed25519" => Encoding.ASCII.GetBytes(Pem.Encode(
                    "PRIVATE KEY",
                    PrivateKeyInfoFactory.CreatePrivateKeyInfo(new Ed25519PrivateKeyParameters(new byte[32])).GetDerEncoded())),
                "1024-bit RSA" => Encoding.ASCII.GetBytes(RSA.Create(1024).ExportPkcs8PrivateKeyPem()),
                "too long" => Encoding.ASCII.GetBytes(p256.ExportPkcs8PrivateKeyPem() + new string('\n', 70000)),
                "binary" => p256.ExportPkcs8PrivateKey(),
                _ => throw new ArgumentOutOfRangeException(nameof(variant)),
            };
            File.WriteAllBytes(path, contents);

            var ex = Assert.Throws<CryptographicException>(() => Load(variant, path));
            Assert.Contains(messagePart, ex.Message);
            Assert.Contains(path, ex.Message);

            // LoadOrCreate must not replace a file it cannot read.
            Assert.Throws<CryptographicException>(() => IdentityKeyFile.LoadOrCreateEcdsa(path, out _));
            Assert.Equal(contents, File.ReadAllBytes(path));
        }

        [Fact]
        public void AByteOrderMarkAndCrlfLineEndsAreAccepted()
        {
            string path = Path.Combine(folder, "windows.key");
            using ECDsa p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            File.WriteAllText(path, p256.ExportPkcs8PrivateKeyPem().Replace("\n", "\r\n"), new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
            Assert.Equal(0xEF, File.ReadAllBytes(path)[0]);

            using EcdsaP256PrivateKey key = IdentityKeyFile.LoadEcdsa(path);
            Assert.Equal(p256.ExportSubjectPublicKeyInfo(), key.PublicKey.SubjectPublicKeyInfo);
        }

        [Fact]
        public void AFolderInsteadOfAFileIsRefused()
        {
            string path = Path.Combine(folder, "sub");
            Directory.CreateDirectory(path);
            Assert.Throws<IOException>(() => IdentityKeyFile.CreateEcdsa(path, force: true));
            Assert.Throws<FileNotFoundException>(() => IdentityKeyFile.LoadEcdsa(path));
            Assert.True(Directory.Exists(path));
        }

        [Fact]
        public void AMissingFolderIsRefusedAndNotCreated()
        {
            string path = Path.Combine(folder, "missing", "relay.key");
            Assert.Throws<DirectoryNotFoundException>(() => IdentityKeyFile.LoadOrCreateEcdsa(path, out _));
            Assert.False(Directory.Exists(Path.Combine(folder, "missing")));
        }

        [Fact]
        public void NullAndEmptyPathsAreRefused()
        {
            Assert.Throws<ArgumentNullException>(() => IdentityKeyFile.LoadEcdsa(null!));
            Assert.Throws<ArgumentException>(() => IdentityKeyFile.CreateEcdsa(string.Empty, force: false));
        }

        [UnixFact]
        [UnsupportedOSPlatform("windows")]
        public void NewKeyFilesAreMode0600EvenUnderAnOpenUmask()
        {
            string ecdsa = Path.Combine(folder, "ecdsa.key");
            string rsa = Path.Combine(folder, "rsa.key");
            string control = Path.Combine(folder, "control");
            uint previous = OwnerOnlyFile.SetUmask(0);
            try
            {
                File.WriteAllText(control, "an ordinary file");
                IdentityKeyFile.LoadOrCreateEcdsa(ecdsa, out _).Dispose();
                IdentityKeyFile.CreateRsa(rsa, force: false).Dispose();
            }
            finally
            {
                Assert.Equal(0u, OwnerOnlyFile.SetUmask(previous));
            }

            // With umask 0 an ordinary file is readable and writable by everyone: only the key
            // file code can have made the key files 0600.
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite, File.GetUnixFileMode(control));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(ecdsa));
            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(rsa));
        }

        [UnixFact]
        [UnsupportedOSPlatform("windows")]
        public void AReplacedKeyFileIsMode0600EvenIfTheOldOneWasNot()
        {
            string path = Path.Combine(folder, "relay.key");
            File.WriteAllText(path, "an old, world-readable file");
            File.SetUnixFileMode(path, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

            uint previous = OwnerOnlyFile.SetUmask(0);
            try
            {
                IdentityKeyFile.CreateEcdsa(path, force: true).Dispose();
            }
            finally
            {
                OwnerOnlyFile.SetUmask(previous);
            }

            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
            Assert.Equal(IdentityKeyKind.EcdsaP256, IdentityKeyFile.GetKind(path));
        }

        /// <summary>The netstandard2.0 way (umask, then chmod), compiled into the net8.0 build so it can be checked here.</summary>
        [UnixFact]
        [UnsupportedOSPlatform("windows")]
        public void TheNetStandardWayAlsoCreatesMode0600()
        {
            string path = Path.Combine(folder, "netstandard.key");
            uint previous = OwnerOnlyFile.SetUmask(0);
            try
            {
                using (FileStream stream = OwnerOnlyFile.CreateNewWithUmask(path))
                {
                    stream.WriteByte(1);
                }

                // The umask it set while creating the file is put back.
                Assert.Equal(0u, OwnerOnlyFile.SetUmask(0));
            }
            finally
            {
                OwnerOnlyFile.SetUmask(previous);
            }

            Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(path));
            Assert.Throws<IOException>(() => OwnerOnlyFile.CreateNewWithUmask(path));
            Assert.Equal(new byte[] { 1 }, File.ReadAllBytes(path));
        }

        private static void Load(string variant, string path)
        {
            if (variant.Contains("RSA", StringComparison.Ordinal))
            {
                IdentityKeyFile.LoadRsa(path).Dispose();
            }
            else
            {
                IdentityKeyFile.LoadEcdsa(path).Dispose();
            }
        }
    }
}
