using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// The warnings New-McastSession and Start-McastRelay give before they open anything: decisions
    /// only, on what the user asked for and what it resolved to, so that they are tested without a socket.
    /// </summary>
    internal static class NetworkWarnings
    {
        /// <summary>
        /// A warning when the system picks the interface (no -Interface) and it is not the loopback
        /// interface: the datagrams then go out on the real network, where everyone on the segment
        /// can hear them. Null when the user named an interface (they chose the network on purpose)
        /// or the address is a loopback one.
        /// </summary>
        /// <param name="what">Who sends: "This session" or "This relay".</param>
        /// <param name="requestedInterface">-Interface as given; null when left out.</param>
        /// <param name="resolved">The interface address the options resolve to (0.0.0.0 for the system's choice).</param>
        /// <param name="group">The group it sends to.</param>
        /// <param name="port">The group's port.</param>
        /// <param name="ttl">The multicast time-to-live of what it sends.</param>
        public static string? DefaultInterface(string what, string? requestedInterface, IPAddress resolved, IPAddress group, int port, int ttl)
        {
            if (requestedInterface is not null || IPAddress.IsLoopback(resolved))
            {
                return null;
            }

            string reach = ttl <= 1
                ? "every computer on this network segment that listens to the group can receive them"
                : string.Format(CultureInfo.InvariantCulture, "they can cross up to {0} routers (-Ttl {0})", ttl);
            return string.Format(
                CultureInfo.InvariantCulture,
                "{0} uses the system's default interface: its datagrams to {1} go out on the network, and {2}. To keep them on this computer, use -Interface Loopback; to choose the network, name the interface with -Interface.",
                what,
                AddressText.EndPoint(group, port),
                reach);
        }

        /// <summary>
        /// A warning when a relay of this process already serves the same group and port on the same
        /// interface (or one of the two listens on the system's default): members would hear two
        /// relays. Null when there is none.
        /// </summary>
        /// <param name="running">The running relays: name, Id, group, port and interface (as the relay shows it).</param>
        /// <param name="group">The group of the relay about to start.</param>
        /// <param name="port">Its port.</param>
        /// <param name="resolvedInterface">Its interface as a relay shows it: an IPv4 address (0.0.0.0 for the system's choice), or an IPv6 group's interface name.</param>
        public static string? SecondRelay(IEnumerable<(string Name, int Id, IPAddress Group, int Port, string Interface)> running, IPAddress group, int port, string resolvedInterface)
        {
            string wanted = resolvedInterface;
            string any = IPAddress.Any.ToString();
            var same = running
                .Where(r => AddressText.SameAddress(r.Group, group) && r.Port == port && (string.Equals(r.Interface, wanted, StringComparison.OrdinalIgnoreCase) || r.Interface == any || wanted == any))
                .ToList();
            if (same.Count == 0)
            {
                return null;
            }

            var first = same[0];
            return string.Format(
                CultureInfo.InvariantCulture,
                "The relay {0} (Id {1}) of this PowerShell already serves {2} on {3}. Two relays on one group both answer its members, each with its own key and members: run one relay per group (Stop-McastRelay -Id {1} stops the other).",
                first.Name,
                first.Id,
                AddressText.EndPoint(group, port),
                first.Interface);
        }
    }
}
