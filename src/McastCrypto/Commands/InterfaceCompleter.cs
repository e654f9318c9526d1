using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using McastCrypto.Relay;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>Tab completion of -Interface: Loopback, then this host's interfaces with an IPv4 address and those addresses.</summary>
    public sealed class InterfaceCompleter : IArgumentCompleter
    {
        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var candidates = new List<string> { MulticastOptions.LoopbackInterfaceName };
            try
            {
                foreach (NetworkInterface nic in NetworkInterface.GetAllNetworkInterfaces())
                {
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
                // No interface list on this system: Loopback is still a good answer.
            }

            return Completions.Matching(candidates, wordToComplete);
        }
    }
}
