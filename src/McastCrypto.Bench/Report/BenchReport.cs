using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace McastCrypto.Bench.Report
{
    /// <summary>
    /// Everything one run of the benchmarks measured: the machine, one table per section, named
    /// figures (the numbers ratios are computed from) and the ratios themselves. Written as markdown
    /// to the console and as JSON (System.Text.Json) to a file.
    /// </summary>
    internal sealed class BenchReport
    {
        private static readonly JsonSerializerOptions JsonOptions = new JsonSerializerOptions
        {
            WriteIndented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        };

        public BenchReport(bool quick)
        {
            Quick = quick;
            Machine = MachineInfo.Describe();
            StartedAt = DateTimeOffset.UtcNow;
        }

        public DateTimeOffset StartedAt { get; }

        public DateTimeOffset? FinishedAt { get; set; }

        public bool Quick { get; }

        public MachineInfo Machine { get; }

        public List<BenchTable> Tables { get; } = new List<BenchTable>();

        /// <summary>Every figure by its key (for example <c>throughput.Secure.n16.1024.messagesPerSecond</c>).</summary>
        public SortedDictionary<string, double> Figures { get; } = new SortedDictionary<string, double>(StringComparer.Ordinal);

        public List<BenchRatio> Ratios { get; } = new List<BenchRatio>();

        /// <summary>What a reader needs to read the figures right (for example a cell that was cut short).</summary>
        public List<string> Notes { get; } = new List<string>();

        public BenchTable AddTable(string id, string title, params string[] columns)
        {
            var table = new BenchTable(id, title, columns);
            Tables.Add(table);
            return table;
        }

        public void Figure(string key, double value) => Figures[key] = value;

        /// <summary>Adds the ratio of two figures; a missing or zero denominator gives NaN, never a throw.</summary>
        public BenchRatio Ratio(string name, string numeratorKey, string denominatorKey, string goal)
        {
            double numerator = Figures.TryGetValue(numeratorKey, out double n) ? n : double.NaN;
            double denominator = Figures.TryGetValue(denominatorKey, out double d) ? d : double.NaN;
            var ratio = new BenchRatio(name, numeratorKey, numerator, denominatorKey, denominator, denominator == 0 ? double.NaN : numerator / denominator, goal);
            Ratios.Add(ratio);
            return ratio;
        }

        public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

        public string ToMarkdown()
        {
            var text = new StringBuilder();
            text.AppendLine("Machine: " + Machine.Summary);
            text.AppendLine();
            foreach (BenchTable table in Tables)
            {
                text.Append(table.ToMarkdown());
                text.AppendLine();
            }

            if (Ratios.Count > 0)
            {
                var ratios = new BenchTable("ratios", "Ratios", new[] { "ratio", "value", "numerator", "denominator", "goal" });
                foreach (BenchRatio r in Ratios)
                {
                    ratios.AddRow(r.Name, r.Value, r.Numerator, r.Denominator, r.Goal);
                }

                text.Append(ratios.ToMarkdown());
                text.AppendLine();
            }

            foreach (string note in Notes)
            {
                text.AppendLine("- " + note);
            }

            return text.ToString();
        }

        /// <summary>A number as the tables show it: three significant figures, thousands grouped.</summary>
        internal static string FormatNumber(double value)
        {
            if (double.IsNaN(value))
            {
                return "n/a";
            }

            if (double.IsInfinity(value))
            {
                return value > 0 ? "inf" : "-inf";
            }

            double magnitude = Math.Abs(value);
            string format = magnitude >= 100 || value == Math.Floor(value) ? "#,0" : magnitude >= 10 ? "#,0.0" : magnitude >= 1 ? "0.00" : "0.###";
            return value.ToString(format, CultureInfo.InvariantCulture);
        }
    }

    /// <summary>A table of one section: named columns, rows of numbers or words.</summary>
    internal sealed class BenchTable
    {
        public BenchTable(string id, string title, IReadOnlyList<string> columns)
        {
            Id = id;
            Title = title;
            Columns = columns.ToList();
        }

        public string Id { get; }

        public string Title { get; }

        public List<string> Columns { get; }

        /// <summary>Cells: string, double, long, int or null (not measured).</summary>
        public List<List<object?>> Rows { get; } = new List<List<object?>>();

        public void AddRow(params object?[] cells)
        {
            if (cells.Length != Columns.Count)
            {
                throw new ArgumentException($"Table {Id} has {Columns.Count} columns, not {cells.Length}.", nameof(cells));
            }

            Rows.Add(cells.ToList());
        }

        public string ToMarkdown()
        {
            var text = new StringBuilder();
            text.AppendLine("### " + Title);
            text.AppendLine();
            text.AppendLine("| " + string.Join(" | ", Columns) + " |");
            text.AppendLine("|" + string.Join("|", Columns.Select((_, i) => i == 0 ? "---" : "---:")) + "|");
            foreach (List<object?> row in Rows)
            {
                text.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
            }

            return text.ToString();
        }

        private static string Cell(object? value) => value switch
        {
            null => "",
            double d => BenchReport.FormatNumber(d),
            float f => BenchReport.FormatNumber(f),
            long l => BenchReport.FormatNumber(l),
            int i => BenchReport.FormatNumber(i),
            _ => value.ToString()!.Replace("|", "\\|"),
        };
    }

    /// <summary>One ratio of two figures and the goal it is read against.</summary>
    internal sealed class BenchRatio
    {
        public BenchRatio(string name, string numeratorKey, double numerator, string denominatorKey, double denominator, double value, string goal)
        {
            Name = name;
            NumeratorKey = numeratorKey;
            Numerator = numerator;
            DenominatorKey = denominatorKey;
            Denominator = denominator;
            Value = value;
            Goal = goal;
        }

        public string Name { get; }

        public string NumeratorKey { get; }

        public double Numerator { get; }

        public string DenominatorKey { get; }

        public double Denominator { get; }

        public double Value { get; }

        public string Goal { get; }
    }
}
