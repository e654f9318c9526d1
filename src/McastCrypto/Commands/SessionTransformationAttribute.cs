using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Lets a -Session parameter take an open session's exact name (no wildcards: the parameter
    /// names sessions, it does not search them) or its Id as well as the session object.
    /// </summary>
    /// <remarks>
    /// Only strings and whole numbers are looked up: another object (a relay, whose Id is a number
    /// too) is passed on unchanged for the binder to refuse, never taken for the session that shares its Id.
    /// </remarks>
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
    public sealed class SessionTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? raw = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (raw is null || raw is string || raw is not IEnumerable items)
            {
                return One(raw);
            }

            var sessions = new List<object?>();
            foreach (object? item in items)
            {
                sessions.Add(One(item is PSObject inner ? inner.BaseObject : item));
            }

            return sessions.ToArray();
        }

        private static object? One(object? raw)
        {
            switch (raw)
            {
                case null:
                    // Left to [ValidateNotNull] and the parameter's own checks.
                    return null;
                case McastSession session:
                    return session;
                case string name:
                    return ByName(name);
                case byte or sbyte or short or ushort or int or uint or long or ulong:
                    long id = Convert.ToInt64(raw, CultureInfo.InvariantCulture);
                    McastSession? found = id >= int.MinValue && id <= int.MaxValue ? McastSession.Table.Get((int)id) : null;
                    return found ?? throw new ArgumentTransformationMetadataException(
                        string.Format(CultureInfo.InvariantCulture, "No open session has the Id {0}.", id));
                default:
                    // Left as it is: the binder refuses it for a McastSession (a relay stays a
                    // relay, never the session that shares its Id), and while binding pipeline
                    // input it then tries the object's Session property, which throwing here would stop.
                    return raw;
            }
        }

        private static McastSession ByName(string name)
        {
            var found = McastSession.Table.All().Where(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
            if (found.Count == 1)
            {
                return found[0];
            }

            if (found.Count > 1)
            {
                throw new ArgumentTransformationMetadataException(
                    string.Format(CultureInfo.InvariantCulture, "{0} open sessions are named '{1}' (Ids {2}): give the Id or the session itself.", found.Count, name, string.Join(", ", found.Select(s => s.Id.ToString(CultureInfo.InvariantCulture)))));
            }

            string hint = WildcardPattern.ContainsWildcardCharacters(name) ? " -Session takes an exact name, not wildcards: use Get-McastSession -Name to search." : string.Empty;
            throw new ArgumentTransformationMetadataException(
                string.Format(CultureInfo.InvariantCulture, "No open session is named '{0}'.{1}", name, hint));
        }
    }
}
