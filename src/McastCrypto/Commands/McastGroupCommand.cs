using System;
using System.Management.Automation;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// The parameters that name a group on the network: -Group, -Port and -Interface, shared by every
    /// cmdlet that opens a channel (Watch-McastGroup, which only listens, and through
    /// <see cref="McastNetworkCommand"/> the cmdlets that also send).
    /// </summary>
    public abstract class McastGroupCommand : PSCmdlet
    {
        /// <summary>The multicast group: IPv4 (224.0.0.0/4) or IPv6 (ff00::/8, with -Interface); 224.1.1.1 when left out.</summary>
        [Parameter]
        [ValidateNotNull]
        public IPAddress? Group { get; set; }

        /// <summary>The UDP port of the group; 5007 when left out.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; }

        /// <summary>
        /// The interface: for an IPv4 group Loopback, an IPv4 address of this host, an interface name
        /// or index, or the system's choice when left out; for an IPv6 group (required) an interface
        /// name, index or IPv6 address.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(InterfaceCompleter))]
        public string? Interface { get; set; }

        /// <summary>The network settings, checked; a bad one is a terminating InvalidArgument error.</summary>
        protected MulticastOptions NetworkOptions()
        {
            // Only what the user gave: the defaults are MulticastOptions' own.
            var options = new MulticastOptions { Interface = Interface };
            if (Group is not null)
            {
                options.Group = Group;
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(Port)))
            {
                options.Port = Port;
            }

            AddNetworkOptions(options);
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidNetworkOption", ErrorCategory.InvalidArgument, Named(e.ParamName, options)));
            }

            return options;
        }

        /// <summary>Adds the settings of a derived cmdlet's own network parameters, before they are checked.</summary>
        protected virtual void AddNetworkOptions(MulticastOptions options)
        {
        }

        /// <summary>A terminating error for a socket that could not be set up, saying which and why.</summary>
        protected void ThrowSocketError(McastTransportException e, object target) =>
            ThrowTerminatingError(CmdletErrors.Record(e, "SocketSetupFailed", ErrorCategory.OpenError, target));

        /// <summary>The value the user gave for the setting an error names (the group, the port, the interface...), else group:port.</summary>
        private object Named(string? setting, MulticastOptions options)
        {
            switch (setting)
            {
                case nameof(MulticastOptions.Group):
                    return options.Group;
                case nameof(MulticastOptions.Port):
                    return options.Port;
                case nameof(MulticastOptions.Interface):
                    return (object?)options.Interface ?? CmdletErrors.GroupTarget(options);
                case nameof(MulticastOptions.Ttl):
                    return options.Ttl;
                default:
                    return CmdletErrors.GroupTarget(options);
            }
        }
    }
}
