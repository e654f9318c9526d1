using System;
using System.IO;
using System.Linq;
using System.Reflection;
using McastCrypto.Protocol.Federation;
using McastCrypto.Tests.Crypto;
using Xunit;

namespace McastCrypto.Tests.Protocol.Federation
{
    /// <summary>docs/protocol.md's "Federation" section names every drop reason and label the link uses, and the layout lengths the codec has.</summary>
    public class FederationPageTests
    {
        private static string Section()
        {
            string text = File.ReadAllText(Path.Combine(TestVectorFiles.RepositoryRoot(), "docs", "protocol.md")).Replace("\r\n", "\n");
            int start = text.IndexOf("\n### Federation\n", StringComparison.Ordinal);
            Assert.True(start >= 0, "docs/protocol.md has no '### Federation' section.");
            int end = text.IndexOf("\n### ", start + 5, StringComparison.Ordinal);
            return end < 0 ? text.Substring(start) : text.Substring(start, end - start);
        }

        [Fact]
        public void EveryDropReasonHasARowInTheDropsTable()
        {
            string section = Section();
            string[] reasons = typeof(FederationLink).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string))
                .Select(f => (string)f.GetRawConstantValue()!)
                .ToArray();
            Assert.True(reasons.Length >= 15);
            string[] missing = reasons.Where(r => !section.Contains("\n| `" + r + "` |", StringComparison.Ordinal)).ToArray();
            Assert.True(missing.Length == 0, "docs/protocol.md, Federation, drops table: no row for " + string.Join(", ", missing));
        }

        [Fact]
        public void EveryLabelAndTheFixedLengthsAreOnThePage()
        {
            string section = Section();
            foreach (string label in FederationCodec.Labels)
            {
                Assert.Contains("| `" + label + "` |", section);
            }

            Assert.Contains("| " + FederationCodec.AnnounceLength + " |", section);
            Assert.Contains("| " + FederationCodec.KeyRequestLength + " |", section);
            Assert.Contains("at least " + FederationCodec.EnvelopeOverhead, section);
            Assert.Contains(FederationCodec.PairHeaderLength + "-byte **pair header**", section);
            Assert.Contains("the " + FederationCodec.GrantHeaderLength + " bytes before it", section);
            Assert.Contains("| " + FederationCodec.RangesFixedLength + " + 16`k` |", section);
            Assert.Contains("the " + FederationCodec.EnvelopeHeaderLength + " bytes before the sealed part", section);
        }
    }
}
