using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using McastCrypto.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Security;
using Xunit;
using Xunit.Abstractions;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// Wycheproof RSA-OAEP-2048 / SHA-256 / MGF1-SHA-256 decryption vectors against both backends.
    ///
    /// Labels: our API has no label (the Classic protocol uses none). A case whose ciphertext was
    /// made with a non-empty label, even a "valid" one, must come back false from TryDecrypt:
    /// decrypting it without the label and returning msg would accept a ciphertext under the wrong
    /// OAEP parameters. Those cases are counted separately, and a separate test shows they are
    /// genuine (they decrypt to msg when the label is given), so the false is the label check at
    /// work and not an unrelated failure.
    /// </summary>
    public sealed class WycheproofRsaOaepTests
    {
        private const string FileName = "rsa_oaep_2048_sha256_mgf1sha256_test.json";

        private readonly ITestOutputHelper output;

        public WycheproofRsaOaepTests(ITestOutputHelper output)
        {
            this.output = output;
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void EveryCaseBehavesAsTheVectorSays(string backend)
        {
            VectorFile file = VectorFile.Load();
            var failures = new List<string>();
            int valid = 0, invalid = 0, acceptable = 0, labelled = 0;

            foreach (VectorGroup group in file.Groups)
            {
                using RsaPrivateKey key = RsaBackends.ImportPkcs8(backend, group.Pkcs8);
                Assert.Equal(group.KeySize / 8, key.PublicKey.KeySizeBytes);

                foreach (VectorCase c in group.Cases)
                {
                    bool ok;
                    byte[]? plaintext;
                    try
                    {
                        ok = key.TryDecrypt(c.Ciphertext, out plaintext);
                    }
                    catch (Exception ex)
                    {
                        failures.Add($"tcId {c.Id} ({c.Result}, {c.Comment}): threw {ex.GetType().Name}: {ex.Message}");
                        continue;
                    }

                    if (!ok && plaintext is not null)
                    {
                        failures.Add($"tcId {c.Id}: returned false with a non-null plaintext");
                    }

                    if (c.Label.Length != 0)
                    {
                        labelled++;
                        if (ok)
                        {
                            failures.Add($"tcId {c.Id} ({c.Result}, label of {c.Label.Length} bytes): decrypted without its label");
                        }
                    }
                    else if (c.Result == "valid")
                    {
                        valid++;
                        if (!ok || !plaintext!.AsSpan().SequenceEqual(c.Message))
                        {
                            failures.Add($"tcId {c.Id} (valid, {c.Comment}): " + (ok ? "wrong plaintext" : "not decrypted"));
                        }
                    }
                    else if (c.Result == "invalid")
                    {
                        invalid++;
                        if (ok)
                        {
                            failures.Add($"tcId {c.Id} (invalid, {c.Comment}): decrypted to {Convert.ToHexString(plaintext!)}");
                        }
                    }
                    else if (c.Result == "acceptable")
                    {
                        acceptable++;
                    }
                    else
                    {
                        failures.Add($"tcId {c.Id}: unknown result '{c.Result}'");
                    }
                }
            }

            output.WriteLine(
                $"{backend}: {valid} valid decrypted, {invalid} invalid refused, {labelled} with a label refused, {acceptable} acceptable did not throw; {file.NumberOfTests} in the file.");
            Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
            Assert.Equal(file.NumberOfTests, valid + invalid + acceptable + labelled);
            Assert.True(valid > 0 && invalid > 0, "The file should hold both valid and invalid cases.");
        }

        /// <summary>
        /// The labelled cases are real ciphertexts: with their label (BouncyCastle's OAEP directly,
        /// outside our API) the valid ones decrypt to msg. So the false our backends return for them
        /// comes from the label check alone.
        /// </summary>
        [Fact]
        public void LabelledValidCasesDecryptWithTheirLabel()
        {
            VectorFile file = VectorFile.Load();
            int checkedCases = 0;
            foreach (VectorGroup group in file.Groups)
            {
                var key = PrivateKeyFactory.CreateKey(group.Pkcs8);
                foreach (VectorCase c in group.Cases.Where(c => c.Label.Length != 0 && c.Result == "valid"))
                {
                    var oaep = new OaepEncoding(new RsaBlindedEngine(), new Sha256Digest(), new Sha256Digest(), c.Label);
                    oaep.Init(false, key);
                    byte[] plaintext = oaep.ProcessBlock(c.Ciphertext, 0, c.Ciphertext.Length);
                    Assert.Equal(c.Message, plaintext);
                    checkedCases++;
                }
            }

            output.WriteLine($"{checkedCases} labelled valid cases decrypt with their label.");
            Assert.True(checkedCases > 0, "Expected labelled valid cases in the file.");
        }

        [Fact]
        public void TheVectorFileIsPresent()
        {
            Assert.True(File.Exists(TestVectorFiles.Wycheproof(FileName)));
        }

        private sealed record VectorCase(int Id, string Comment, string Result, byte[] Message, byte[] Ciphertext, byte[] Label);

        private sealed record VectorGroup(int KeySize, byte[] Pkcs8, IReadOnlyList<VectorCase> Cases);

        private sealed record VectorFile(int NumberOfTests, IReadOnlyList<VectorGroup> Groups)
        {
            internal static VectorFile Load()
            {
                string path = TestVectorFiles.Wycheproof(FileName);
                using JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path));
                JsonElement root = json.RootElement;
                Assert.Equal("RSAES-OAEP", root.GetProperty("algorithm").GetString());

                var groups = new List<VectorGroup>();
                foreach (JsonElement g in root.GetProperty("testGroups").EnumerateArray())
                {
                    // Only the scheme we implement: any other group in this file would be a mistake.
                    Assert.Equal("RsaesOaepDecrypt", g.GetProperty("type").GetString());
                    Assert.Equal("SHA-256", g.GetProperty("sha").GetString());
                    Assert.Equal("MGF1", g.GetProperty("mgf").GetString());
                    Assert.Equal("SHA-256", g.GetProperty("mgfSha").GetString());

                    var cases = new List<VectorCase>();
                    foreach (JsonElement t in g.GetProperty("tests").EnumerateArray())
                    {
                        cases.Add(new VectorCase(
                            t.GetProperty("tcId").GetInt32(),
                            t.GetProperty("comment").GetString() ?? string.Empty,
                            t.GetProperty("result").GetString() ?? string.Empty,
                            Convert.FromHexString(t.GetProperty("msg").GetString()!),
                            Convert.FromHexString(t.GetProperty("ct").GetString()!),
                            Convert.FromHexString(t.GetProperty("label").GetString()!)));
                    }

                    groups.Add(new VectorGroup(
                        g.GetProperty("keySize").GetInt32(),
                        Convert.FromHexString(g.GetProperty("privateKeyPkcs8").GetString()!),
                        cases));
                }

                int total = root.GetProperty("numberOfTests").GetInt32();
                Assert.Equal(total, groups.Sum(g => g.Cases.Count));
                return new VectorFile(total, groups);
            }
        }
    }
}
