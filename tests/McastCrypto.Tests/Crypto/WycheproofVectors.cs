using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>
    /// One Wycheproof vector file (tests/vectors/wycheproof/), read once per test run, and its cases
    /// as theory data: one row per (backend, tcId), so every vector is a test of its own, named by
    /// its tcId. A missing file fails the tests that need it (see <see cref="TestVectorFiles"/>).
    /// </summary>
    internal sealed class WycheproofVectors
    {
        private static readonly ConcurrentDictionary<string, Lazy<WycheproofVectors>> Loaded = new();

        private readonly Dictionary<int, VectorCase> byId;

        private WycheproofVectors(string fileName, string algorithm, int numberOfTests, IReadOnlyList<VectorGroup> groups)
        {
            FileName = fileName;
            Algorithm = algorithm;
            NumberOfTests = numberOfTests;
            Groups = groups;
            byId = new Dictionary<int, VectorCase>();
            foreach (VectorCase c in groups.SelectMany(g => g.Cases))
            {
                Assert.True(byId.TryAdd(c.Id, c), $"{fileName}: tcId {c.Id} appears twice.");
            }
        }

        internal string FileName { get; }

        internal string Algorithm { get; }

        /// <summary>What the file says it holds; checked against the cases actually read.</summary>
        internal int NumberOfTests { get; }

        internal IReadOnlyList<VectorGroup> Groups { get; }

        internal IEnumerable<VectorCase> Cases => Groups.SelectMany(g => g.Cases);

        internal static WycheproofVectors Load(string fileName) =>
            Loaded.GetOrAdd(fileName, name => new Lazy<WycheproofVectors>(() => Read(name))).Value;

        internal VectorCase Case(int id)
        {
            Assert.True(byId.TryGetValue(id, out VectorCase? c), $"{FileName}: no tcId {id}.");
            return c!;
        }

        /// <summary>Theory data: (backend, tcId) for every case and both backends.</summary>
        internal TheoryData<string, int> CasesOnEveryBackend()
        {
            var data = new TheoryData<string, int>();
            foreach (string backend in new[] { CryptoBackends.Bcl, CryptoBackends.BouncyCastle })
            {
                foreach (VectorCase c in Cases)
                {
                    data.Add(backend, c.Id);
                }
            }

            return data;
        }

        /// <summary>Checks what every file must satisfy, so that no case can go missing unnoticed.</summary>
        internal void AssertComplete(string expectedAlgorithm)
        {
            Assert.Equal(expectedAlgorithm, Algorithm);
            Assert.Equal(NumberOfTests, Cases.Count());
            Assert.All(Cases, c => Assert.Contains(c.Result, new[] { "valid", "invalid", "acceptable" }));
            Assert.Contains(Cases, c => c.Result == "valid");
            Assert.Contains(Cases, c => c.Result == "invalid");
        }

        private static WycheproofVectors Read(string fileName)
        {
            string path = TestVectorFiles.Wycheproof(fileName);
            JsonElement root;
            using (JsonDocument json = JsonDocument.Parse(File.ReadAllBytes(path)))
            {
                root = json.RootElement.Clone();
            }

            var groups = new List<VectorGroup>();
            foreach (JsonElement g in root.GetProperty("testGroups").EnumerateArray())
            {
                var group = new VectorGroup(groups.Count, g);
                foreach (JsonElement t in g.GetProperty("tests").EnumerateArray())
                {
                    group.Cases.Add(new VectorCase(
                        t.GetProperty("tcId").GetInt32(),
                        t.GetProperty("result").GetString() ?? string.Empty,
                        t.TryGetProperty("comment", out JsonElement comment) ? comment.GetString() ?? string.Empty : string.Empty,
                        t,
                        group));
                }

                groups.Add(group);
            }

            return new WycheproofVectors(
                fileName,
                root.GetProperty("algorithm").GetString() ?? string.Empty,
                root.GetProperty("numberOfTests").GetInt32(),
                groups);
        }

        internal sealed class VectorGroup
        {
            internal VectorGroup(int index, JsonElement json)
            {
                Index = index;
                Json = json;
            }

            internal int Index { get; }

            internal JsonElement Json { get; }

            internal List<VectorCase> Cases { get; } = new();

            internal int Int(string name) => Json.GetProperty(name).GetInt32();

            internal string String(string name) => Json.GetProperty(name).GetString() ?? string.Empty;

            internal byte[] Hex(string name) => Convert.FromHexString(String(name));
        }

        internal sealed record VectorCase(int Id, string Result, string Comment, JsonElement Json, VectorGroup Group)
        {
            internal byte[] Hex(string name) => Convert.FromHexString(Json.GetProperty(name).GetString()!);

            internal int Int(string name) => Json.GetProperty(name).GetInt32();

            public override string ToString() => $"tcId {Id} ({Result}, {Comment})";
        }
    }
}
