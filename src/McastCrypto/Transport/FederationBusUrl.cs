using System;
using System.Globalization;

namespace McastCrypto.Transport
{
    /// <summary>
    /// Checks the address of a federation bus (a NATS server): <c>nats://host[:port]</c>, nothing else.
    /// Credentials in the address are refused rather than carried: an address is shown in objects,
    /// errors and logs, where a password must never appear.
    /// </summary>
    public static class FederationBusUrl
    {
        /// <summary>The port a NATS server listens on when the address names none.</summary>
        public const int DefaultPort = 4222;

        /// <summary>
        /// Parses <paramref name="url"/> and returns it as it may be shown: <c>nats://host:port</c>.
        /// </summary>
        /// <exception cref="ArgumentException">
        /// Not an absolute <c>nats://</c> address with a host, or one with credentials, a path, a query or
        /// a fragment. The message shows the address without anything before an <c>@</c>.
        /// </exception>
        public static string Normalize(string url)
        {
            if (string.IsNullOrWhiteSpace(url))
            {
                throw new ArgumentException("The federation address is empty: give the NATS server as nats://host:port.", nameof(url));
            }

            string shown = WithoutUserInfo(url.Trim());
            if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out Uri? uri) || string.IsNullOrEmpty(uri.Host))
            {
                throw new ArgumentException("'" + shown + "' is not a NATS server address: give it as nats://host:port.", nameof(url));
            }

            if (!string.Equals(uri.Scheme, "nats", StringComparison.OrdinalIgnoreCase))
            {
                throw new ArgumentException("'" + shown + "' is not a nats:// address: the federation speaks to a NATS server only (nats://host:port).", nameof(url));
            }

            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new ArgumentException(
                    "'" + shown + "' carries credentials (user:password@ or a token@): they are refused, because the address is shown in objects, errors and logs. "
                    + "Give the address alone, and a user name and password the NATS server asks for with Start-McastRelay -FederationCredential; the relays' own keys, not a NATS login, decide who takes part.",
                    nameof(url));
            }

            if ((uri.AbsolutePath.Length > 0 && uri.AbsolutePath != "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            {
                throw new ArgumentException("'" + shown + "' has a path, query or fragment: a NATS server address is nats://host:port alone.", nameof(url));
            }

            int port = uri.IsDefaultPort || uri.Port < 0 ? DefaultPort : uri.Port;
            string host = uri.HostNameType == UriHostNameType.IPv6 ? "[" + uri.DnsSafeHost.Trim('[', ']') + "]" : uri.Host;
            return "nats://" + host + ":" + port.ToString(CultureInfo.InvariantCulture);
        }

        /// <summary>The address with anything between the scheme and an <c>@</c> cut out, to show in a message.</summary>
        public static string WithoutUserInfo(string url)
        {
            if (url is null)
            {
                return string.Empty;
            }

            int start = url.IndexOf("://", StringComparison.Ordinal);
            start = start < 0 ? 0 : start + 3;
            int end = url.IndexOfAny(new[] { '/', '?', '#' }, start);
            string authority = end < 0 ? url.Substring(start) : url.Substring(start, end - start);
            int at = authority.LastIndexOf('@');
            if (at < 0)
            {
                return url;
            }

            return url.Substring(0, start) + "***@" + authority.Substring(at + 1) + (end < 0 ? string.Empty : url.Substring(end));
        }
    }
}
