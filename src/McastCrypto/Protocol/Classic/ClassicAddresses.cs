using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using McastCrypto.Transport;

namespace McastCrypto.Protocol.Classic
{
    /// <summary>
    /// The Classic protocol is IPv4 only: its SenderInfo, ClientConnect and ClientDisconnect records
    /// (TLV 10, 11, 12) carry a 4-byte IPv4 address and a port, and a member is named by that address.
    /// An IPv6 group, or an IPv6 member or relay address, is refused here, before anything is sent.
    /// </summary>
    public static class ClassicAddresses
    {
        /// <summary>The error id a cmdlet gives when the Classic protocol is asked for an IPv6 group.</summary>
        public const string RequiresIPv4ErrorId = "ClassicRequiresIPv4";

        /// <summary>True when <paramref name="address"/> is IPv4 (or an IPv4-mapped IPv6 address, which is written as its IPv4 address).</summary>
        public static bool IsIPv4(IPAddress? address) =>
            address is not null && AddressText.Normalize(address).AddressFamily == AddressFamily.InterNetwork;

        /// <summary>Why the Classic protocol cannot use the IPv6 group <paramref name="group"/>, in words that say what to do.</summary>
        public static string RefusalFor(IPAddress group) =>
            string.Format(
                CultureInfo.InvariantCulture,
                "The Classic protocol works on IPv4 groups only: its records 10, 11 and 12 carry 4-byte IPv4 addresses, so it cannot run on the IPv6 group {0}. Use -Protocol Secure on the IPv6 group, or an IPv4 group (224.0.0.0/4) for Classic.",
                group);

        /// <summary>Throws <see cref="ArgumentException"/> (parameter <paramref name="parameterName"/>) unless <paramref name="group"/> is IPv4.</summary>
        /// <exception cref="ArgumentException">The group is IPv6.</exception>
        public static void RequireIPv4Group(IPAddress group, string parameterName)
        {
            if (group is null)
            {
                throw new ArgumentNullException(parameterName);
            }

            if (!IsIPv4(group))
            {
                throw new ArgumentException(RefusalFor(group), parameterName);
            }
        }

        /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="endPoint"/>'s address is IPv4.</summary>
        /// <exception cref="ArgumentException">The address is IPv6.</exception>
        public static void RequireIPv4EndPoint(IPEndPoint endPoint, string parameterName)
        {
            if (endPoint is null)
            {
                throw new ArgumentNullException(parameterName);
            }

            if (!IsIPv4(endPoint.Address))
            {
                throw new ArgumentException(
                    string.Format(
                        CultureInfo.InvariantCulture,
                        "The Classic protocol carries IPv4 addresses only (4 bytes in its records 10, 11 and 12), and {0} is IPv6. Use the Secure protocol on IPv6.",
                        AddressText.EndPoint(endPoint)),
                    parameterName);
            }
        }
    }
}
