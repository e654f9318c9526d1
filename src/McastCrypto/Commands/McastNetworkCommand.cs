using System.Management.Automation;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>The network parameters New-McastSession and Start-McastRelay share: the group's, and -Ttl for what they send.</summary>
    public abstract class McastNetworkCommand : McastGroupCommand
    {
        /// <summary>The multicast time-to-live; 1 (the local network) when left out.</summary>
        [Parameter]
        [ValidateRange(0, 255)]
        public int Ttl { get; set; }

        /// <inheritdoc />
        protected override void AddNetworkOptions(MulticastOptions options)
        {
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Ttl)))
            {
                options.Ttl = Ttl;
            }
        }

        /// <summary>Warns when the system picks the interface and it is not loopback: the datagrams go out on the network.</summary>
        /// <param name="what">Who sends, for the sentence: "This session", "This relay".</param>
        /// <param name="network">The settings, checked.</param>
        protected void WarnOfDefaultInterface(string what, MulticastOptions network)
        {
            string? warning = NetworkWarnings.DefaultInterface(what, network.Interface, network.ResolveInterfaceAddress(), network.Group, network.Port, network.Ttl);
            if (warning is not null)
            {
                WriteWarning(warning);
            }
        }
    }
}
