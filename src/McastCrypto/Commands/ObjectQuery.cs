using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Picks open objects (sessions, relays) by Id or by name with wildcards, the way Get-PSSession
    /// does: an Id or a name without wildcards that matches nothing is an ObjectNotFound error.
    /// </summary>
    internal static class ObjectQuery
    {
        public static List<T> Select<T>(PSCmdlet cmdlet, IReadOnlyList<T> all, Func<T, int> id, Func<T, string> name, int[]? ids, string[]? names, string noun)
        {
            var picked = new List<T>();
            if (ids is not null)
            {
                foreach (int wanted in ids)
                {
                    var found = all.Where(o => id(o) == wanted).ToList();
                    if (found.Count == 0)
                    {
                        cmdlet.WriteError(new ErrorRecord(
                            new ItemNotFoundException(string.Format(CultureInfo.InvariantCulture, "No {0} has the Id {1}.", noun, wanted)),
                            noun + "NotFound",
                            ErrorCategory.ObjectNotFound,
                            wanted));
                    }

                    picked.AddRange(found);
                }
            }
            else if (names is not null)
            {
                foreach (string wanted in names)
                {
                    var pattern = new WildcardPattern(wanted, WildcardOptions.IgnoreCase);
                    var found = all.Where(o => pattern.IsMatch(name(o))).ToList();
                    if (found.Count == 0 && !WildcardPattern.ContainsWildcardCharacters(wanted))
                    {
                        cmdlet.WriteError(new ErrorRecord(
                            new ItemNotFoundException(string.Format(CultureInfo.InvariantCulture, "No {0} is named '{1}'.", noun, wanted)),
                            noun + "NotFound",
                            ErrorCategory.ObjectNotFound,
                            wanted));
                    }

                    picked.AddRange(found);
                }
            }
            else
            {
                picked.AddRange(all);
            }

            return picked.Distinct().ToList();
        }
    }
}
