using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Turns an object piped to a cmdlet that acts on sessions or relays into the objects it stands
    /// for, and anything else into a NotASession or NotARelay error: an Id alone never picks an
    /// object, since sessions and relays number their Ids apart and share the numbers.
    /// </summary>
    internal static class PipelineObject
    {
        // typeName: the full type name; an object whose type names end with it (Selected.…,
        // Deserialized.…) is picked by its Id. direct: the object itself, or the one a piped
        // object holds (a message's session); null for anything else.
        public static List<T> Resolve<T>(PSCmdlet cmdlet, PSObject input, string noun, string typeName, IReadOnlyList<T> all, Func<T, int> id, Func<T, string> name, Func<object, T?> direct)
            where T : class
        {
            T? found = direct(input.BaseObject);
            if (found is not null)
            {
                return new List<T> { found };
            }

            // A session or relay passed through Select-Object (or serialized) keeps its type name:
            // its Id still means that object, so it binds by property name as -Id used to.
            bool sameType = input.TypeNames.Any(t => t.EndsWith(typeName, StringComparison.Ordinal));
            object? value = input.Properties["Id"]?.Value;
            if (sameType && value is int number)
            {
                return ObjectQuery.Select(cmdlet, all, id, name, new[] { number }, null, noun);
            }

            string article = "aeiou".IndexOf(char.ToLowerInvariant(noun[0])) >= 0 ? "an" : "a";
            cmdlet.WriteError(new ErrorRecord(
                new ArgumentException(string.Format(CultureInfo.InvariantCulture, "{0} is not {1} {2}: pipe {3}s (or messages, for sessions), or give -Id or -Name.", Describe(input), article, noun.ToLowerInvariant(), noun.ToLowerInvariant())),
                "NotA" + noun,
                ErrorCategory.InvalidArgument,
                input.BaseObject));
            return new List<T>();
        }

        private static string Describe(PSObject input) =>
            input.BaseObject is PSCustomObject ? "The object" : $"{input.BaseObject.GetType().Name} '{input.BaseObject}'";
    }
}
