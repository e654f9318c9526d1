using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace McastCrypto.Transport
{
    /// <summary>
    /// Addresses as people read them and as the protocol compares them: an IPv4-mapped IPv6 address
    /// (::ffff:a.b.c.d) is the IPv4 address it maps, an IPv6 endpoint is written [address]:port, and
    /// two IPv6 addresses that differ only because one lacks its scope id are the same address.
    /// </summary>
    public static class AddressText
    {
        /// <summary>The IPv4 address an IPv4-mapped IPv6 address maps; any other address unchanged.</summary>
        public static IPAddress Normalize(IPAddress address)
        {
            if (address is null)
            {
                throw new ArgumentNullException(nameof(address));
            }

            return address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        }

        /// <summary>"a.b.c.d:port" for IPv4, "[ipv6]:port" for IPv6 (with %scope when the address has one).</summary>
        public static string EndPoint(IPAddress address, int port)
        {
            IPAddress plain = Normalize(address);
            string port10 = port.ToString(CultureInfo.InvariantCulture);
            return plain.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + plain + "]:" + port10 : plain + ":" + port10;
        }

        /// <summary><see cref="EndPoint(IPAddress, int)"/> of an endpoint; "(none)" for null.</summary>
        public static string EndPoint(IPEndPoint? endPoint) =>
            endPoint is null ? "(none)" : EndPoint(endPoint.Address, endPoint.Port);

        /// <summary>
        /// True when both are the same address: IPv4-mapped forms equal their IPv4 address, and an
        /// IPv6 scope id is compared only when both carry one (a datagram's source has the scope id
        /// of the interface it came in on; an address written without one means the same host).
        /// </summary>
        public static bool SameAddress(IPAddress? a, IPAddress? b)
        {
            if (a is null || b is null)
            {
                return a is null && b is null;
            }

            IPAddress x = Normalize(a);
            IPAddress y = Normalize(b);
            if (x.AddressFamily != y.AddressFamily)
            {
                return false;
            }

            if (x.AddressFamily != AddressFamily.InterNetworkV6)
            {
                return x.Equals(y);
            }

            if (x.ScopeId != 0 && y.ScopeId != 0 && x.ScopeId != y.ScopeId)
            {
                return false;
            }

            byte[] bx = x.GetAddressBytes();
            byte[] by = y.GetAddressBytes();
            for (int i = 0; i < bx.Length; i++)
            {
                if (bx[i] != by[i])
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True when both name the same address (see <see cref="SameAddress"/>) and port.</summary>
        public static bool SameEndPoint(IPEndPoint? a, IPEndPoint? b)
        {
            if (a is null || b is null)
            {
                return a is null && b is null;
            }

            return a.Port == b.Port && SameAddress(a.Address, b.Address);
        }

        /// <summary>True for an IPv6 multicast address (ff00::/8).</summary>
        public static bool IsIPv6Multicast(IPAddress? address) =>
            address is not null && address.AddressFamily == AddressFamily.InterNetworkV6 && address.IsIPv6Multicast;

        /// <summary>
        /// The scope of an IPv6 multicast address (its fourth nibble, RFC 4291 2.7): 1 interface-local,
        /// 2 link-local, 4 admin-local, 5 site-local, 8 organization-local, 14 global.
        /// </summary>
        public static int IPv6MulticastScope(IPAddress group)
        {
            if (!IsIPv6Multicast(group))
            {
                throw new ArgumentException("Not an IPv6 multicast address.", nameof(group));
            }

            return group.GetAddressBytes()[1] & 0x0F;
        }
    }
}
