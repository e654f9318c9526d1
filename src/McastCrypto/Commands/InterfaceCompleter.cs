using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Tab completion of -Interface. For an IPv4 group (or none yet): Loopback, then this host's
    /// interfaces with an IPv4 address and those addresses. For an IPv6 -Group already on the command
    /// line: the interfaces that do IPv6 multicast, by name and then by index.
    /// </summary>
    public sealed class InterfaceCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            bool ipv6 = IsIPv6Group(fakeBoundParameters);
            var candidates = new List<string>();
            if (!ipv6)
            {
                candidates.Add(MulticastOptions.LoopbackInterfaceName);
            }

            var indexes = new List<string>();
            try
            {
                foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
                {
                    if (ipv6)
                    {
                        if (nic.SupportsMulticast && nic.Supports(NetworkInterfaceComponent.IPv6))
                        {
                            candidates.Add(nic.Name);
                            indexes.Add(nic.GetIPProperties().GetIPv6Properties().Index.ToString(CultureInfo.InvariantCulture));
                        }

                        continue;
                    }

                    var addresses = nic.GetIPProperties().UnicastAddresses
                        .Where(a => a.Address.AddressFamily == AddressFamily.InterNetwork)
                        .Select(a => a.Address.ToString())
                        .ToList();
                    if (addresses.Count > 0)
                    {
                        candidates.Add(nic.Name);
                        candidates.AddRange(addresses);
                    }
                }
            }
            catch (NetworkInformationException)
            {
                // No interface list on this system: Loopback (IPv4) is still a good answer.
            }

            candidates.AddRange(indexes);
            return Completions.Matching(candidates, wordToComplete);
        }

        /// <summary>True when -Group is on the command line and is an IPv6 address.</summary>
        private static bool IsIPv6Group(IDictionary? fakeBoundParameters)
        {
            object? value = fakeBoundParameters?["Group"];
            if (value is PSObject wrapped)
            {
                value = wrapped.BaseObject;
            }

            IPAddress? group = value as IPAddress;
            if (group is null && value is string text)
            {
                IPAddress.TryParse(text.Trim('\'', '"'), out group);
            }

            return group is not null && AddressText.Normalize(group).AddressFamily == AddressFamily.InterNetworkV6;
        }
    }
}
