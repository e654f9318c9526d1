using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McastCrypto.Transport
{
    /// <summary>
    /// The interface a <see cref="MulticastOptions"/> names, as the sockets need it: for an IPv4 group
    /// its IPv4 address (0.0.0.0 for the system's default); for an IPv6 group its index, its name, and
    /// the IPv6 address to send from when the user named one.
    /// </summary>
    internal sealed class ResolvedInterface
    {
        private ResolvedInterface(AddressFamily family, IPAddress address, int index, string? name)
        {
            Family = family;
            Address = address;
            Index = index;
            Name = name;
        }

        /// <summary>InterNetwork for an IPv4 group, InterNetworkV6 for an IPv6 group.</summary>
        public AddressFamily Family { get; }

        /// <summary>
        /// IPv4: the interface's address, or 0.0.0.0 for the system's default. IPv6: the address the
        /// user named to send from (with the interface's scope id when it is link-local), or :: when
        /// the system picks among the interface's addresses.
        /// </summary>
        public IPAddress Address { get; }

        /// <summary>IPv6: the interface index (IPV6_MULTICAST_IF, the join). IPv4: 0.</summary>
        public int Index { get; }

        /// <summary>The interface's name when it is known (IPv6 always when the system lists interfaces).</summary>
        public string? Name { get; }

        public bool IsIPv6 => Family == AddressFamily.InterNetworkV6;

        /// <summary>
        /// How a session or relay shows the interface: the IPv4 address (0.0.0.0 for the system's
        /// default), or for IPv6 the interface's name, else its index.
        /// </summary>
        public string Text => IsIPv6 ? Name ?? Index.ToString(CultureInfo.InvariantCulture) : Address.ToString();

        public static ResolvedInterface IPv4(IPAddress address) => new ResolvedInterface(AddressFamily.InterNetwork, address, 0, null);

        public static ResolvedInterface IPv6(int index, string? name, IPAddress? address) =>
            new ResolvedInterface(AddressFamily.InterNetworkV6, address ?? IPAddress.IPv6Any, index, name);
    }
}
