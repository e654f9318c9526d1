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
    /// Where a <see cref="MulticastChannel"/> sends and listens: group, port, interface, TTL, loopback
    /// and receive buffer. The defaults are the Classic protocol's (docs/protocol.md, "Transport").
    /// </summary>
    public sealed class MulticastOptions
    {
        /// <summary>The name that selects the loopback interface (127.0.0.1), compared case-insensitively.</summary>
        public const string LoopbackInterfaceName = "Loopback";

        /// <summary>The IPv4 multicast group. Default 224.1.1.1.</summary>
        public IPAddress Group { get; set; } = IPAddress.Parse("224.1.1.1");

        /// <summary>The UDP port, 1 to 65535. Default 5007.</summary>
        public int Port { get; set; } = 5007;

        /// <summary>
        /// The interface to join the group on and send from: null for the system's default,
        /// "Loopback" (any case) for 127.0.0.1, an IPv4 address, or an interface's name, id or
        /// description (its first IPv4 address is used).
        /// </summary>
        public string? Interface { get; set; }

        /// <summary>The multicast time-to-live, 0 to 255. Default 1 (the local link only).</summary>
        public int Ttl { get; set; } = 1;

        /// <summary>Whether this host's own sockets hear what it sends. Default true (the protocol relies on it).</summary>
        public bool MulticastLoopback { get; set; } = true;

        /// <summary>
        /// The receive buffer to ask the operating system for, in bytes; it may grant a different
        /// size (see <see cref="MulticastChannel.ReceiveBufferBytes"/>). 0 keeps the system's default.
        /// Default 4 MiB.
        /// </summary>
        public int ReceiveBufferBytes { get; set; } = 4 * 1024 * 1024;

        /// <summary>
        /// Checks every setting and throws <see cref="ArgumentException"/> naming the first bad value:
        /// a group that is not IPv4 multicast (224.0.0.0/4), a port outside 1..65535, a TTL outside
        /// 0..255, a negative receive buffer, or an interface that does not exist or has no IPv4 address.
        /// </summary>
        /// <exception cref="ArgumentException">A setting is out of range or the interface cannot be used.</exception>
        public void Validate()
        {
            ResolveInterfaceAddress();
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

        /// <summary>
        /// Validates the options and returns the interface's IPv4 address, or <see cref="IPAddress.Any"/>
        /// when <see cref="Interface"/> is null (the system's default).
        /// </summary>
        internal IPAddress ResolveInterfaceAddress()
        {
            if (Group is null)
            {
                throw new ArgumentException("The multicast group is not set.", nameof(Group));
            }

            if (!IsIPv4Multicast(Group))
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The group {0} is not an IPv4 multicast address (224.0.0.0 to 239.255.255.255).", Group),
                    nameof(Group));
            }

            if (Port < 1 || Port > 65535)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The port {0} is outside 1 to 65535.", Port),
                    nameof(Port));
            }

            if (Ttl < 0 || Ttl > 255)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The multicast TTL {0} is outside 0 to 255.", Ttl),
                    nameof(Ttl));
            }

            if (ReceiveBufferBytes < 0)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The receive buffer size {0} is negative.", ReceiveBufferBytes),
                    nameof(ReceiveBufferBytes));
            }

            return ResolveInterface(Interface);
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

            if (IPAddress.TryParse(trimmed, out IPAddress? literal))
            {
                return CheckLiteral(trimmed, literal);
            }

            NetworkInterface[] interfaces = GetInterfaces();
            NetworkInterface? match =
                interfaces.FirstOrDefault(n => string.Equals(n.Name, trimmed, StringComparison.OrdinalIgnoreCase))
                ?? interfaces.FirstOrDefault(n => string.Equals(n.Id, trimmed, StringComparison.OrdinalIgnoreCase))
                ?? interfaces.FirstOrDefault(n => string.Equals(n.Description, trimmed, StringComparison.OrdinalIgnoreCase));
            if (match is null)
            {
                string known = interfaces.Length == 0 ? "none found" : string.Join(", ", interfaces.Select(n => n.Name));
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "No network interface is named '{0}' (known interfaces: {1}). Use 'Loopback', an IPv4 address, or an interface name.", trimmed, known),
                    nameof(Interface));
            }

            IPAddress? address = GetIPv4Addresses(match).FirstOrDefault();
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
                    string.Format(CultureInfo.InvariantCulture, "The interface address '{0}' is not an IPv4 address.", text),
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

            if (!interfaces.SelectMany(GetIPv4Addresses).Contains(address))
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "The interface address {0} is not assigned to any network interface of this computer.", address),
                    nameof(Interface));
            }

            return address;
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

        private static IEnumerable<IPAddress> GetIPv4Addresses(NetworkInterface networkInterface)
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
                .Where(a => a.AddressFamily == AddressFamily.InterNetwork)
                .ToList();
        }
    }
}
