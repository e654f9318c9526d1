using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace McastCrypto.Commands
{
    /// <summary>Completion results for the names that match what the user typed so far, quoted where needed.</summary>
    internal static class Completions
    {
        public static IEnumerable<CompletionResult> Matching(IEnumerable<string> names, string wordToComplete)
        {
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            return names.Distinct().Where(pattern.IsMatch).OrderBy(n => n).Select(n =>
            {
                string text = n.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', ';', ',', '{', '}' }) >= 0 ? "'" + n.Replace("'", "''") + "'" : n;
                return new CompletionResult(text, n, CompletionResultType.ParameterValue, n);
            }).ToList();
        }
    }
}
