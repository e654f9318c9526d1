using System.Management.Automation;
using System.Net;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>The network parameters New-McastSession and Start-McastRelay share: the group's, and -Ttl for what they send.</summary>
    public abstract class McastNetworkCommand : McastGroupCommand
    {
        /// <summary>The multicast time-to-live (the hop limit for an IPv6 group); 1 (the local network) when left out.</summary>
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

        /// <summary>
        /// A terminating ClassicRequiresIPv4 error (InvalidArgument, the group as its target) when
        /// <paramref name="protocol"/> is Classic and -Group is IPv6: checked before the network
        /// settings, because no interface or port would make Classic carry an IPv6 address.
        /// </summary>
        protected void RefuseClassicOnIPv6(McastProtocol protocol)
        {
            if (protocol == McastProtocol.Classic && Group is not null && !ClassicAddresses.IsIPv4(Group))
            {
                IPAddress group = AddressText.Normalize(Group);
                ThrowTerminatingError(CmdletErrors.Record(
                    new System.ArgumentException(ClassicAddresses.RefusalFor(group), nameof(Group)),
                    ClassicAddresses.RequiresIPv4ErrorId,
                    ErrorCategory.InvalidArgument,
                    group,
                    "Use -Protocol Secure with the IPv6 group (and -Interface), or give Classic an IPv4 group such as 239.255.0.1."));
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
