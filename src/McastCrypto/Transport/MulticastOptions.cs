using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;

namespace McastCrypto.Transport
{
    /// <summary>
    /// Where a <see cref="MulticastChannel"/> sends and listens: group, port, interface, TTL (hop
    /// limit for IPv6), loopback and receive buffer. The defaults are the Classic protocol's
    /// (docs/protocol.md, "Transport"). The group is IPv4 (224.0.0.0/4) or IPv6 (ff00::/8); an IPv6
    /// group needs an interface.
    /// </summary>
    public sealed class MulticastOptions
    {
        /// <summary>The name that selects the loopback interface (127.0.0.1), compared case-insensitively.</summary>
        public const string LoopbackInterfaceName = "Loopback";

        /// <summary>The multicast group: IPv4 (224.0.0.0/4) or IPv6 (ff00::/8). Default 224.1.1.1.</summary>
        public IPAddress Group { get; set; } = IPAddress.Parse("224.1.1.1");

        /// <summary>The UDP port, 1 to 65535. Default 5007.</summary>
        public int Port { get; set; } = 5007;

        /// <summary>
        /// The interface to join the group on and send from. For an IPv4 group: null for the system's
        /// default, "Loopback" (any case) for 127.0.0.1, an IPv4 address, or an interface's name, id,
        /// description or index (its first IPv4 address is used). For an IPv6 group it is required:
        /// an interface's name (eth0), its index (3) or one of its IPv6 addresses; "Loopback" only
        /// where the loopback interface does multicast (Linux's lo does not).
        /// </summary>
        public string? Interface { get; set; }

        /// <summary>The multicast time-to-live (IPv4) or hop limit (IPv6), 0 to 255. Default 1 (the local link only).</summary>
        public int Ttl { get; set; } = 1;

        /// <summary>Whether this host's own sockets hear what it sends. Default true (the protocol relies on it).</summary>
        public bool MulticastLoopback { get; set; } = true;

        /// <summary>
        /// The receive buffer to ask the operating system for, in bytes; it may grant a different
        /// size (see <see cref="MulticastChannel.ReceiveBufferBytes"/>). 0 keeps the system's default.
        /// Default 4 MiB.
        /// </summary>
        public int ReceiveBufferBytes { get; set; } = 4 * 1024 * 1024;

        /// <summary>True when <see cref="Group"/> is an IPv6 group.</summary>
        public bool IsIPv6 => Group is not null && AddressText.Normalize(Group).AddressFamily == AddressFamily.InterNetworkV6;

        /// <summary>
        /// Checks every setting and throws <see cref="ArgumentException"/> naming the first bad value:
        /// a group that is not multicast (224.0.0.0/4 or ff00::/8), a port outside 1..65535, a TTL or
        /// hop limit outside 0..255, a negative receive buffer, an interface that does not exist or
        /// has no address of the group's family, or an IPv6 group without an interface.
        /// </summary>
        /// <exception cref="ArgumentException">A setting is out of range or the interface cannot be used.</exception>
        public void Validate()
        {
            Resolve();
        }

        /// <summary>Returns a copy, so a channel is not affected by later changes to these options.</summary>
        public MulticastOptions Clone()
        {
            return (MulticastOptions)MemberwiseClone();
        }

        /// <summary>True for an IPv4 address in 224.0.0.0/4.</summary>
        public static bool IsIPv4Multicast(IPAddress? address)
        {
            if (address is null || address.AddressFamily != AddressFamily.InterNetwork)
            {
                return false;
            }

            return (address.GetAddressBytes()[0] & 0xF0) == 0xE0;
        }

        /// <summary>True for a multicast group this transport takes: IPv4 224.0.0.0/4 or IPv6 ff00::/8 (an IPv4-mapped form counts as its IPv4 address).</summary>
        public static bool IsMulticastGroup(IPAddress? address)
        {
            if (address is null)
            {
                return false;
            }

            IPAddress plain = AddressText.Normalize(address);
            return IsIPv4Multicast(plain) || AddressText.IsIPv6Multicast(plain);
        }

        /// <summary>
        /// Validates the options and returns the interface's IPv4 address, or <see cref="IPAddress.Any"/>
        /// when <see cref="Interface"/> is null (the system's default); for an IPv6 group, the address
        /// named to send from, or :: when the interface was named by name or index.
        /// </summary>
        internal IPAddress ResolveInterfaceAddress() => Resolve().Address;

        /// <summary>Validates the options and returns the interface as the sockets need it.</summary>
        internal ResolvedInterface Resolve()
        {
            if (Group is null)
            {
                throw new ArgumentException("The multicast group is not set.", nameof(Group));
            }

            IPAddress group = AddressText.Normalize(Group);
            if (!IsMulticastGroup(group))
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The group {0} is not a multicast address: IPv4 groups are 224.0.0.0 to 239.255.255.255, IPv6 groups are in ff00::/8 (such as ff02::/16 link-local, ff05::/16 site-local, ff15::/16 transient site-local).", group),
                    nameof(Group));
            }

            if (Port < 1 || Port > 65535)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The port {0} is outside 1 to 65535.", Port),
                    nameof(Port));
            }

            bool v6 = group.AddressFamily == AddressFamily.InterNetworkV6;
            if (Ttl < 0 || Ttl > 255)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, v6 ? "The multicast hop limit {0} is outside 0 to 255 (-Ttl is the hop limit for an IPv6 group)." : "The multicast TTL {0} is outside 0 to 255.", Ttl),
                    nameof(Ttl));
            }

            if (ReceiveBufferBytes < 0)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The receive buffer size {0} is negative.", ReceiveBufferBytes),
                    nameof(ReceiveBufferBytes));
            }

            return v6 ? ResolveIPv6Interface(Interface, group) : ResolvedInterface.IPv4(ResolveInterface(Interface));
        }

        private static IPAddress ResolveInterface(string? name)
        {
            if (name is null)
            {
                return IPAddress.Any;
            }

            string trimmed = name.Trim();
            if (trimmed.Length == 0)
            {
                throw new ArgumentException("The interface name is empty; use null for the system's default.", nameof(Interface));
            }

            if (string.Equals(trimmed, LoopbackInterfaceName, StringComparison.OrdinalIgnoreCase))
            {
                return IPAddress.Loopback;
            }

            NetworkInterface[] interfaces = GetInterfaces();
            NetworkInterface? match = FindByName(interfaces, trimmed);
            if (match is null && IsIndex(trimmed, out int index))
            {
                // A number names an interface by index (IPAddress.TryParse would read "3" as 0.0.0.3).
                match = interfaces.FirstOrDefault(n => IPv4Index(n) == index);
                if (match is null)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "No network interface with an IPv4 address has the index {0} (known interfaces: {1}).", index, Known(interfaces)),
                        nameof(Interface));
                }
            }

            if (match is null && IPAddress.TryParse(trimmed, out IPAddress? literal))
            {
                return CheckLiteral(trimmed, literal);
            }

            if (match is null)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "No network interface is named '{0}' (known interfaces: {1}). Use 'Loopback', an IPv4 address, or an interface name or index.", trimmed, Known(interfaces)),
                    nameof(Interface));
            }

            IPAddress? address = GetAddresses(match, AddressFamily.InterNetwork).FirstOrDefault();
            if (address is null)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The network interface '{0}' has no IPv4 address.", trimmed),
                    nameof(Interface));
            }

            return address;
        }

        private static IPAddress CheckLiteral(string text, IPAddress address)
        {
            if (address.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The interface address '{0}' is not an IPv4 address, and the group is IPv4: give an IPv4 address of the interface, or its name.", text),
                    nameof(Interface));
            }

            if (address.Equals(IPAddress.Any))
            {
                return IPAddress.Any;
            }

            if (IsIPv4Multicast(address) || address.Equals(IPAddress.Broadcast))
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The interface address '{0}' is not a unicast address.", text),
                    nameof(Interface));
            }

            if (IPAddress.IsLoopback(address))
            {
                return address;
            }

            NetworkInterface[] interfaces = GetInterfaces();
            if (interfaces.Length == 0)
            {
                // The platform cannot list its interfaces; binding will say whether the address is ours.
                return address;
            }

            if (!interfaces.SelectMany(n => GetAddresses(n, AddressFamily.InterNetwork)).Contains(address))
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The interface address {0} is not assigned to any network interface of this computer.", address),
                    nameof(Interface));
            }

            return address;
        }

        /// <summary>
        /// The interface of an IPv6 group: IPv6 multicast has no usable default (the join and the
        /// sends need an interface index), so one must be named: by name, by index, or by one of its
        /// IPv6 addresses (which is then the address datagrams are sent from).
        /// </summary>
        private static ResolvedInterface ResolveIPv6Interface(string? name, IPAddress group)
        {
            if (name is null)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The IPv6 group {0} needs -Interface: IPv6 multicast is joined and sent on one interface. Name it (eth0), give its index (3) or one of its IPv6 addresses.", group),
                    nameof(Interface));
            }

            string trimmed = name.Trim();
            if (trimmed.Length == 0)
            {
                throw new ArgumentException("The interface name is empty.", nameof(Interface));
            }

            NetworkInterface[] interfaces = GetInterfaces();
            if (string.Equals(trimmed, LoopbackInterfaceName, StringComparison.OrdinalIgnoreCase))
            {
                NetworkInterface? loopback = interfaces.FirstOrDefault(n => n.NetworkInterfaceType == NetworkInterfaceType.Loopback && IPv6Index(n) is not null);
                if (loopback is null)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "-Interface Loopback cannot carry the IPv6 group {0}: this computer lists no loopback interface with IPv6. Use an IPv4 group (239.255.x.y) on Loopback, or name an interface that does IPv6 multicast.", group),
                        nameof(Interface));
                }

                return UseIPv6(loopback, group, null, trimmed);
            }

            NetworkInterface? match = FindByName(interfaces, trimmed);
            if (match is not null)
            {
                return UseIPv6(match, group, null, trimmed);
            }

            if (IsIndex(trimmed, out int index))
            {
                if (interfaces.Length == 0)
                {
                    // The platform cannot list its interfaces: the join will say whether the index exists.
                    return ResolvedInterface.IPv6(index, null, null);
                }

                match = interfaces.FirstOrDefault(n => IPv6Index(n) == index);
                if (match is null)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "No network interface with IPv6 has the index {0} (known interfaces: {1}).", index, Known(interfaces)),
                        nameof(Interface));
                }

                return UseIPv6(match, group, null, trimmed);
            }

            if (IPAddress.TryParse(trimmed, out IPAddress? literal))
            {
                if (AddressText.Normalize(literal).AddressFamily != AddressFamily.InterNetworkV6)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "The interface address '{0}' is IPv4, and the group {1} is IPv6: name the interface, give its index, or one of its IPv6 addresses.", trimmed, group),
                        nameof(Interface));
                }

                if (literal.IsIPv6Multicast || literal.Equals(IPAddress.IPv6Any))
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "The interface address '{0}' is not a unicast address of an interface.", trimmed),
                        nameof(Interface));
                }

                NetworkInterface[] owners = interfaces
                    .Where(n => GetAddresses(n, AddressFamily.InterNetworkV6).Any(a => AddressText.SameAddress(a, literal)))
                    .Where(n => literal.ScopeId == 0 || IPv6Index(n) == literal.ScopeId)
                    .ToArray();
                if (owners.Length == 0)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "The interface address {0} is not assigned to any network interface of this computer.", literal),
                        nameof(Interface));
                }

                if (owners.Length > 1)
                {
                    throw new ArgumentException(
                        string.Format(CultureInfo.InvariantCulture, "The link-local address {0} is on several interfaces ({1}): name the interface instead, or write the address with its scope (%index).", literal, string.Join(", ", owners.Select(n => n.Name))),
                        nameof(Interface));
                }

                return UseIPv6(owners[0], group, literal, trimmed);
            }

            throw new ArgumentException(
                string.Format(CultureInfo.InvariantCulture, "No network interface is named '{0}' (known interfaces: {1}). For an IPv6 group use an interface name, its index, or one of its IPv6 addresses.", trimmed, Known(interfaces)),
                nameof(Interface));
        }

        private static ResolvedInterface UseIPv6(NetworkInterface nic, IPAddress group, IPAddress? address, string asGiven)
        {
            int? index = IPv6Index(nic);
            if (index is null)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The network interface '{0}' has no IPv6: it cannot join the IPv6 group {1}.", asGiven, group),
                    nameof(Interface));
            }

            if (!nic.SupportsMulticast)
            {
                string why = nic.NetworkInterfaceType == NetworkInterfaceType.Loopback
                    ? " Linux's loopback interface carries IPv4 multicast only: use an IPv4 group such as 239.255.x.y on Loopback, or an IPv6 group on an interface that does multicast, for example a veth pair in a network namespace."
                    : string.Empty;
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The network interface '{0}' ({1}) cannot carry the IPv6 group {2}: it does not do multicast (it has no MULTICAST flag).{3}", asGiven, nic.Name, group, why),
                    nameof(Interface));
            }

            IPAddress? from = null;
            if (address is not null)
            {
                from = address.IsIPv6LinkLocal && address.ScopeId == 0 ? new IPAddress(address.GetAddressBytes(), index.Value) : address;
            }

            return ResolvedInterface.IPv6(index.Value, nic.Name, from);
        }

        private static NetworkInterface? FindByName(NetworkInterface[] interfaces, string name) =>
            interfaces.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? interfaces.FirstOrDefault(n => string.Equals(n.Id, name, StringComparison.OrdinalIgnoreCase))
            ?? interfaces.FirstOrDefault(n => string.Equals(n.Description, name, StringComparison.OrdinalIgnoreCase));

        private static bool IsIndex(string text, out int index)
        {
            index = 0;
            return text.Length <= 9 && text.All(c => c >= '0' && c <= '9')
                && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out index) && index > 0;
        }

        private static string Known(NetworkInterface[] interfaces) =>
            interfaces.Length == 0 ? "none found" : string.Join(", ", interfaces.Select(n => IPv6Index(n) is int i ? n.Name + " (" + i.ToString(CultureInfo.InvariantCulture) + ")" : n.Name));

        private static int? IPv6Index(NetworkInterface nic)
        {
            try
            {
                if (!nic.Supports(NetworkInterfaceComponent.IPv6))
                {
                    return null;
                }

                return nic.GetIPProperties().GetIPv6Properties()?.Index;
            }
            catch (Exception e) when (e is NetworkInformationException || e is PlatformNotSupportedException)
            {
                return null;
            }
        }

        private static int? IPv4Index(NetworkInterface nic)
        {
            try
            {
                if (!nic.Supports(NetworkInterfaceComponent.IPv4))
                {
                    return null;
                }

                return nic.GetIPProperties().GetIPv4Properties()?.Index;
            }
            catch (Exception e) when (e is NetworkInformationException || e is PlatformNotSupportedException)
            {
                return null;
            }
        }

        private static NetworkInterface[] GetInterfaces()
        {
            try
            {
                return NetworkInterface.GetAllNetworkInterfaces();
            }
            catch (NetworkInformationException)
            {
                return new NetworkInterface[0];
            }
            catch (PlatformNotSupportedException)
            {
                return new NetworkInterface[0];
            }
        }

        private static IEnumerable<IPAddress> GetAddresses(NetworkInterface networkInterface, AddressFamily family)
        {
            IPInterfaceProperties properties;
            try
            {
                properties = networkInterface.GetIPProperties();
            }
            catch (NetworkInformationException)
            {
                return Enumerable.Empty<IPAddress>();
            }

            return properties.UnicastAddresses
                .Select(u => u.Address)
                .Where(a => a.AddressFamily == family)
                .ToList();
        }
    }
}
