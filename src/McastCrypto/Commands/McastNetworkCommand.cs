using System;
using System.Management.Automation;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>The network parameters New-McastSession and Start-McastRelay share.</summary>
    public abstract class McastNetworkCommand : PSCmdlet
    {
        /// <summary>The IPv4 multicast group (224.0.0.0/4).</summary>
        [Parameter]
        [ValidateNotNull]
        public IPAddress Group { get; set; } = IPAddress.Parse("224.1.1.1");

        /// <summary>The UDP port of the group.</summary>
        [Parameter]
        [ValidateRange(1, 65535)]
        public int Port { get; set; } = 5007;

        /// <summary>The interface: Loopback, an IPv4 address of this host, or an interface name; the system's choice when left out.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(InterfaceCompleter))]
        public string? Interface { get; set; }

        /// <summary>The multicast time-to-live: 1 keeps datagrams on the local network.</summary>
        [Parameter]
        [ValidateRange(0, 255)]
        public int Ttl { get; set; } = 1;

        /// <summary>The network settings, checked; a bad one is a terminating InvalidArgument error.</summary>
        protected MulticastOptions NetworkOptions()
        {
            var options = new MulticastOptions { Group = Group, Port = Port, Interface = Interface, Ttl = Ttl };
            try
            {
                options.Validate();
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidNetworkOption", ErrorCategory.InvalidArgument, options));
            }

            return options;
        }

        /// <summary>A terminating error for a socket that could not be set up, saying which and why.</summary>
        protected void ThrowSocketError(McastTransportException e, object target) =>
            ThrowTerminatingError(new ErrorRecord(e, "SocketSetupFailed", ErrorCategory.OpenError, target));
    }
}
