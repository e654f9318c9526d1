using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Crypto;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// docs/protocol.md ("Secure", "Limits and defaults") and <see cref="SecureDefaults"/> say the same:
    /// every default is named in the table's first column, and the row's default column states its
    /// value. The numbers are read from the page, not copied here, so that a change on either side
    /// alone fails. What is read: each number of the default column, with its unit when it has one
    /// (bytes, KiB, MiB, ms, s, minutes); the order of the numbers and the words around them are free.
    /// </summary>
    public class SecureDefaultsPageTests
    {
        private static readonly Regex CodeSpan = new Regex("`([^`]*)`");

        private static readonly Regex Number = new Regex(
            @"(?<![\w.^])(?<number>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(?<unit>KiB|MiB|GiB|ms|s|seconds?|minutes?|hours?)\b)?");

        [Fact]
        public void EveryDefaultIsNamedInTheTable()
        {
            var named = new HashSet<string>(Rows().SelectMany(row => row.Names));
            string[] missing = Defaults().Keys.Where(name => !named.Contains(name)).OrderBy(name => name, StringComparer.Ordinal).ToArray();
            Assert.True(
                missing.Length == 0,
                "docs/protocol.md, Secure, Limits and defaults: no row names " + string.Join(", ", missing)
                + ". Name each in the first column of the row that states it, as (`" + (missing.FirstOrDefault() ?? "Name") + "`).");
        }

        [Fact]
        public void EachRowStatesTheValueOfEveryDefaultItNames()
        {
            IReadOnlyDictionary<string, object> defaults = Defaults();
            var wrong = new List<string>();
            int checkedNames = 0;
            foreach (Row row in Rows())
            {
                List<(decimal Number, string? Unit)> stated = Quantities(row.Default).ToList();
                foreach (string name in row.Names)
                {
                    checkedNames++;
                    object value = defaults[name];
                    if (!stated.Any(q => Equals(q, value)))
                    {
                        wrong.Add(string.Format(
                            CultureInfo.InvariantCulture,
                            "line {0}: SecureDefaults.{1} is {2}, but the row's default column ('{3}') states only {4}",
                            row.Line,
                            name,
                            Show(value),
                            row.Default,
                            stated.Count == 0 ? "no number" : string.Join(", ", stated.Select(q => q.Number.ToString(CultureInfo.InvariantCulture) + (q.Unit is null ? string.Empty : " " + q.Unit)))));
                    }
                }
            }

            Assert.True(wrong.Count == 0, "docs/protocol.md, Secure, Limits and defaults, disagrees with SecureDefaults:\n" + string.Join("\n", wrong));
            Assert.True(checkedNames >= Defaults().Count, "Fewer names were checked than SecureDefaults has: " + checkedNames.ToString(CultureInfo.InvariantCulture));
        }

        [Fact]
        public void TheNumbersAreReadWithTheirUnits()
        {
            // The reading the two tests above rest on: a unit scales, thousands separators are read,
            // an exponent's digits and code spans are not numbers of the row.
            var read = Quantities("1,400 bytes; 576 to 65,507; 64 MiB; 0.5 s; 10 minutes; 2 ms; 2^31 − 1; `01` text").ToList();
            Assert.True(Equals(read[0], 1400));
            Assert.True(Equals(read[1], 576) && Equals(read[2], 65507));
            Assert.True(Equals(read[3], 64 * 1024 * 1024) && !Equals(read[3], 64));
            Assert.True(Equals(read[4], TimeSpan.FromMilliseconds(500)) && !Equals(read[4], 0));
            Assert.True(Equals(read[5], TimeSpan.FromMinutes(10)));
            Assert.True(Equals(read[6], TimeSpan.FromMilliseconds(2)) && !Equals(read[6], TimeSpan.FromSeconds(2)));
            Assert.Equal(new[] { 2m, 1m }, read.Skip(7).Select(q => q.Number));
        }

        /// <summary>The public int, long and TimeSpan fields of SecureDefaults, by name.</summary>
        private static IReadOnlyDictionary<string, object> Defaults() =>
            typeof(SecureDefaults).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.FieldType == typeof(int) || f.FieldType == typeof(long) || f.FieldType == typeof(TimeSpan))
                .ToDictionary(f => f.Name, f => f.GetValue(null)!, StringComparer.Ordinal);

        /// <summary>The rows of the table, each with the SecureDefaults names of its first column.</summary>
        private static IReadOnlyList<Row> Rows()
        {
            string[] lines = File.ReadAllLines(Path.Combine(TestVectorFiles.RepositoryRoot(), "docs", "protocol.md"));
            int secure = Array.FindIndex(lines, l => l.TrimEnd() == "## Secure");
            Assert.True(secure >= 0, "docs/protocol.md has no '## Secure' section.");
            int heading = Array.FindIndex(lines, secure, l => l.TrimEnd() == "### Limits and defaults");
            Assert.True(heading >= 0, "docs/protocol.md, Secure, has no '### Limits and defaults'.");
            int header = Array.FindIndex(lines, heading, l => l.TrimStart().StartsWith("|", StringComparison.Ordinal));
            Assert.True(header >= 0, "docs/protocol.md, Secure, Limits and defaults, has no table.");

            string[] titles = Cells(lines[header]);
            int what = Array.FindIndex(titles, t => t.Equals("what", StringComparison.OrdinalIgnoreCase));
            int byDefault = Array.FindIndex(titles, t => t.Equals("default", StringComparison.OrdinalIgnoreCase));
            Assert.True(what >= 0 && byDefault >= 0, "The limits table has no 'what' or 'default' column: " + lines[header]);

            IReadOnlyDictionary<string, object> defaults = Defaults();
            var rows = new List<Row>();
            for (int i = header + 2; i < lines.Length && lines[i].TrimStart().StartsWith("|", StringComparison.Ordinal); i++)
            {
                string[] cells = Cells(lines[i]);
                Assert.True(cells.Length == titles.Length, "docs/protocol.md line " + (i + 1).ToString(CultureInfo.InvariantCulture) + " has " + cells.Length.ToString(CultureInfo.InvariantCulture) + " cells, the header " + titles.Length.ToString(CultureInfo.InvariantCulture) + ".");
                string[] names = CodeSpan.Matches(cells[what]).Cast<Match>()
                    .Select(m => m.Groups[1].Value)
                    .Select(name => name.StartsWith("SecureDefaults.", StringComparison.Ordinal) ? name.Substring("SecureDefaults.".Length) : name)
                    .Where(defaults.ContainsKey)
                    .ToArray();
                rows.Add(new Row(names, cells[byDefault], i + 1));
            }

            Assert.True(rows.Count >= 20, "The limits table of docs/protocol.md, Secure, has only " + rows.Count.ToString(CultureInfo.InvariantCulture) + " rows.");
            return rows;
        }

        private static string[] Cells(string line)
        {
            string inner = line.Trim();
            inner = inner.Substring(1, inner.Length - (inner.EndsWith("|", StringComparison.Ordinal) ? 2 : 1));
            return inner.Split('|').Select(c => c.Trim()).ToArray();
        }

        /// <summary>The numbers of a cell outside its code spans, each with its unit, if any.</summary>
        private static IEnumerable<(decimal Number, string? Unit)> Quantities(string cell)
        {
            string prose = CodeSpan.Replace(cell, " ");
            foreach (Match m in Number.Matches(prose))
            {
                decimal number = decimal.Parse(m.Groups["number"].Value.Replace(",", string.Empty), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
                yield return (number, m.Groups["unit"].Success ? m.Groups["unit"].Value : null);
            }
        }

        /// <summary>True when a stated quantity is the value: a time for a TimeSpan, a count (bytes scaled by KiB, MiB, GiB) for a number.</summary>
        private static bool Equals((decimal Number, string? Unit) stated, object value)
        {
            decimal? scale;
            switch (value)
            {
                case TimeSpan time:
                    scale = stated.Unit switch
                    {
                        "ms" => TimeSpan.TicksPerMillisecond,
                        "s" or "second" or "seconds" => TimeSpan.TicksPerSecond,
                        "minute" or "minutes" => TimeSpan.TicksPerMinute,
                        "hour" or "hours" => TimeSpan.TicksPerHour,
                        _ => null,
                    };
                    return scale is not null && stated.Number * scale.Value == time.Ticks;
                case int or long:
                    scale = stated.Unit switch
                    {
                        null => 1,
                        "KiB" => 1024,
                        "MiB" => 1024 * 1024,
                        "GiB" => 1024 * 1024 * 1024,
                        _ => null,
                    };
                    return scale is not null && stated.Number * scale.Value == Convert.ToDecimal(value, CultureInfo.InvariantCulture);
                default:
                    return false;
            }
        }

        private static string Show(object value) => value is TimeSpan time
            ? time.TotalMilliseconds.ToString(CultureInfo.InvariantCulture) + " ms"
            : Convert.ToString(value, CultureInfo.InvariantCulture)!;

        private sealed class Row
        {
            public Row(string[] names, string byDefault, int line)
            {
                Names = names;
                Default = byDefault;
                Line = line;
            }

            public string[] Names { get; }

            public string Default { get; }

            public int Line { get; }
        }
    }
}
