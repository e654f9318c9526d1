using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Transport
{
    /// <summary>
    /// A UDP multicast channel, IPv4 or IPv6, as docs/protocol.md, "Transport", describes it: a
    /// receive socket bound to the group port (shared with other sockets on the host) and joined to
    /// the group on one interface, and a send socket on an ephemeral port of that interface, so that
    /// several members on one host have distinct source addresses. It hears only its own group.
    /// </summary>
    /// <remarks>
    /// Only this group's datagrams are returned, whatever other groups other sockets on the host
    /// joined on the same port: on Linux and macOS the receive socket is bound to the group address
    /// (the kernel filters by destination; an IPv6 group is bound with the interface's scope id) and
    /// on Linux IP_MULTICAST_ALL (IPV6_MULTICAST_ALL) is also turned off where the runtime allows it;
    /// on Windows, which refuses a multicast bind address, it is bound to the wildcard address and
    /// Windows delivers by membership. The destination reported with each datagram (IP_PKTINFO,
    /// IPV6_RECVPKTINFO) is checked as well. An IPv6 channel uses IPv6-only sockets (never
    /// IPv4-mapped addresses), joins on the interface's index, sends with IPV6_MULTICAST_IF and the
    /// hop limit, and sends from one fixed address of the interface (the one named, else the one the
    /// system picks for the group), so that its own datagrams are known by their source.
    /// </remarks>
    public sealed class MulticastChannel : IDatagramChannel
    {
        /// <summary>The largest payload of a UDP datagram over IPv4 (65535 - 20 - 8); IPv6 channels keep the same limit.</summary>
        public const int MaxDatagramBytes = 65507;

        private const int ReceiveBufferLength = 65536;

        // Linux's IP_MULTICAST_ALL (linux/in.h) and IPV6_MULTICAST_ALL (linux/in6.h); not in SocketOptionName.
        private const int IpMulticastAll = 49;
        private const int Ipv6MulticastAll = 29;
        private const int IpProtoIp = 0;
        private const int IpProtoIpv6 = 41;

        private static readonly IPEndPoint AnySender = new IPEndPoint(IPAddress.Any, 0);
        private static readonly IPEndPoint AnySenderV6 = new IPEndPoint(IPAddress.IPv6Any, 0);

        private readonly Socket receiveSocket;
        private readonly Socket sendSocket;
        private readonly IPEndPoint groupEndPoint;
        private readonly string interfaceText;
        private readonly ResolvedInterface nic;
        private readonly AddressFamily family;
        private readonly SocketOptionLevel level;

        // Cancelled by Dispose so that every pending receive ends at once. Never disposed itself: it has
        // no timer and no wait handle, and a receive starting during Dispose may still read its token.
        private readonly CancellationTokenSource lifetime = new CancellationTokenSource();
#if !NET
        private readonly ReceiveHandoff<Datagram?> handoff;
#endif
        // The receive socket's inode on Linux (read once, while it is open), to find its drop count.
        private readonly long? receiveInode;
        private byte[]? spareBuffer;
        private long dropsAtClose = -1;
        private int socketsClosed;
        private int disposed;

        /// <summary>
        /// Opens the channel: validates the options, binds both sockets, joins the group.
        /// The options are copied; later changes to them have no effect.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
        /// <exception cref="ArgumentException">An option is invalid (see <see cref="MulticastOptions.Validate"/>).</exception>
        /// <exception cref="McastTransportException">Binding, joining or setting a socket option failed.</exception>
        public MulticastChannel(MulticastOptions options)
        {
            if (options is null)
            {
                throw new ArgumentNullException(nameof(options));
            }

            MulticastOptions settings = options.Clone();
            nic = settings.Resolve();
            Group = AddressText.Normalize(settings.Group);
            Port = settings.Port;
            family = nic.Family;
            level = nic.IsIPv6 ? SocketOptionLevel.IPv6 : SocketOptionLevel.IP;

            // An IPv6 group carries the interface's scope id where the sockets need it (binding to a
            // link-local group, sending to one); Group itself stays as the user wrote it.
            groupEndPoint = new IPEndPoint(nic.IsIPv6 ? new IPAddress(Group.GetAddressBytes(), nic.Index) : Group, Port);
            InterfaceAddress = nic.Address;
            InterfaceIndex = nic.IsIPv6 ? nic.Index : (int?)null;
            InterfaceName = nic.Text;
            interfaceText = DescribeInterface(settings.Interface, nic);

            Socket? receive = null;
            Socket? send = null;
            try
            {
                receive = NewSocket();
                ReceiveBufferBytes = ConfigureReceiveSocket(receive, settings);
                send = NewSocket();
                LocalEndPoint = ConfigureSendSocket(send, settings);
            }
            catch
            {
                receive?.Dispose();
                send?.Dispose();
                throw;
            }

            receiveSocket = receive;
            sendSocket = send;
            receiveInode = LinuxUdpSockets.InodeOf(receive);
#if !NET
            handoff = new ReceiveHandoff<Datagram?>(() => ReceiveOneAsync(CancellationToken.None));
#endif
        }

        /// <inheritdoc />
        public IPEndPoint LocalEndPoint { get; }

        /// <inheritdoc />
        public IPAddress Group { get; }

        /// <inheritdoc />
        public int Port { get; }

        /// <summary>
        /// IPv4: the address of the interface the group was joined on and datagrams are sent from;
        /// <see cref="IPAddress.Any"/> when the system's default is used. IPv6: the address named with
        /// the interface, or :: when the interface was named by name or index (the address datagrams
        /// come from is <see cref="LocalEndPoint"/>'s).
        /// </summary>
        public IPAddress InterfaceAddress { get; }

        /// <summary>The interface index the IPv6 group was joined on and is sent to; null for IPv4.</summary>
        public int? InterfaceIndex { get; }

        /// <summary>
        /// The interface for people to read: IPv4, its address (0.0.0.0 for the system's default);
        /// IPv6, its name (its index where the system lists no name).
        /// </summary>
        public string InterfaceName { get; }

        /// <summary>
        /// The receive buffer size the operating system granted, in bytes, as it reports it (read back
        /// after setting it). Linux reports twice the size asked for, capped at twice
        /// net.core.rmem_max: it counts its own bookkeeping per datagram in the buffer, so about half
        /// of it holds payload. Other systems report the size they accepted.
        /// </summary>
        public int ReceiveBufferBytes { get; }

        /// <inheritdoc />
        int? IDatagramChannel.ReceiveBufferBytes => ReceiveBufferBytes;

        /// <summary>
        /// Datagrams the kernel dropped at the receive socket since it opened, mostly because its
        /// buffer was full: on Linux the drops column of the socket's line in /proc/net/udp (found by
        /// the socket's inode); null on other systems or when /proc does not list it. Each read scans
        /// that file; after <see cref="Dispose"/> the count read at closing is returned.
        /// </summary>
        public long? KernelDrops
        {
            get
            {
                if (receiveInode is null)
                {
                    return null;
                }

                if (Volatile.Read(ref socketsClosed) == 0)
                {
                    long? live = LinuxUdpSockets.ReadDrops(receiveInode.Value);
                    if (live is not null || Volatile.Read(ref socketsClosed) == 0)
                    {
                        return live;
                    }
                }

                long last = Interlocked.Read(ref dropsAtClose);
                return last < 0 ? null : last;
            }
        }

        private bool IsDisposed => Volatile.Read(ref disposed) != 0;

        /// <inheritdoc />
        public void Send(byte[] datagram)
        {
            if (datagram is null)
            {
                throw new ArgumentNullException(nameof(datagram));
            }

            if (IsDisposed)
            {
                throw Disposed();
            }

            if (datagram.Length > MaxDatagramBytes)
            {
                throw new ArgumentException(
                    string.Format(CultureInfo.InvariantCulture, "A datagram on a multicast channel carries at most {0} bytes (the largest UDP payload over IPv4); this one has {1}.", MaxDatagramBytes, datagram.Length),
                    nameof(datagram));
            }

            try
            {
                sendSocket.SendTo(datagram, groupEndPoint);
            }
            catch (ObjectDisposedException)
            {
                throw Disposed();
            }
            catch (SocketException) when (IsDisposed)
            {
                throw Disposed();
            }
            catch (SocketException ex)
            {
                throw new McastTransportException(
                    string.Format(CultureInfo.InvariantCulture, "Cannot send {0} bytes to group {1} port {2} from {3} (interface {4}): {5}", datagram.Length, Group, Port, AddressText.EndPoint(LocalEndPoint), interfaceText, ex.Message),
                    "send",
                    groupEndPoint,
                    ex.SocketErrorCode,
                    ex);
            }
        }

        /// <inheritdoc />
        public async Task<Datagram> ReceiveAsync(CancellationToken cancellationToken)
        {
            if (IsDisposed)
            {
                throw Disposed();
            }

            cancellationToken.ThrowIfCancellationRequested();
            using (CancellationTokenSource linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.Token))
            {
                while (true)
                {
                    Datagram? datagram;
                    try
                    {
#if NET
                        datagram = await ReceiveOneAsync(linked.Token).ConfigureAwait(false);
#else
                        datagram = await handoff.TakeAsync(linked.Token).ConfigureAwait(false);
#endif
                    }
                    catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException(cancellationToken);
                    }
                    catch (OperationCanceledException)
                    {
                        // Only Dispose cancels the lifetime token.
                        throw Disposed();
                    }

                    if (datagram is not null)
                    {
                        return datagram;
                    }
                }
            }
        }

        /// <summary>Closes both sockets (leaving the group); a pending receive ends at once. Idempotent.</summary>
        public void Dispose()
        {
            if (Interlocked.Exchange(ref disposed, 1) != 0)
            {
                return;
            }

            try
            {
                lifetime.Cancel();
                if (receiveInode is not null)
                {
                    Interlocked.Exchange(ref dropsAtClose, LinuxUdpSockets.ReadDrops(receiveInode.Value) ?? -1);
                }
            }
            finally
            {
                Volatile.Write(ref socketsClosed, 1);
                receiveSocket.Dispose();
                sendSocket.Dispose();
            }
        }

        /// <inheritdoc />
        public override string ToString()
        {
            return string.Format(CultureInfo.InvariantCulture, "{0} on {1} from {2}", AddressText.EndPoint(Group, Port), interfaceText, AddressText.EndPoint(LocalEndPoint));
        }

        private static string DescribeInterface(string? name, ResolvedInterface nic)
        {
            if (nic.IsIPv6)
            {
                string index = "index " + nic.Index.ToString(CultureInfo.InvariantCulture);
                string named = nic.Name is null ? index : nic.Name + ", " + index;
                return nic.Address.Equals(IPAddress.IPv6Any) ? named : nic.Address + " (" + named + ")";
            }

            IPAddress address = nic.Address;
            if (address.Equals(IPAddress.Any))
            {
                return "the system's default";
            }

            string text = address.ToString();
            return name is null || string.Equals(name.Trim(), text, StringComparison.Ordinal) ? text : name.Trim() + " (" + text + ")";
        }

        private Socket NewSocket()
        {
            var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
            if (family == AddressFamily.InterNetworkV6)
            {
                try
                {
                    // IPv6 only: an IPv6 channel never sees or shows IPv4-mapped addresses.
                    socket.DualMode = false;
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            }

            return socket;
        }

        private static bool IsWindows()
        {
            return RuntimeInformation.IsOSPlatform(OSPlatform.Windows);
        }

        private int ConfigureReceiveSocket(Socket socket, MulticastOptions settings)
        {
            SetOption(socket, "receive", "SO_REUSEADDR", () => socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true));
            if (settings.ReceiveBufferBytes > 0)
            {
                SetOption(socket, "receive", "SO_RCVBUF", () => socket.ReceiveBufferSize = settings.ReceiveBufferBytes);
            }

            int granted = socket.ReceiveBufferSize;
            TryDisableMulticastAll(socket, nic.IsIPv6);

            // Windows applies IP_MULTICAST_LOOP on the receiving side, Linux on the sending side: set both.
            SetOption(socket, "receive", nic.IsIPv6 ? "IPV6_MULTICAST_LOOP" : "IP_MULTICAST_LOOP", () => socket.SetSocketOption(level, SocketOptionName.MulticastLoopback, settings.MulticastLoopback));
            SetOption(socket, "receive", nic.IsIPv6 ? "IPV6_RECVPKTINFO" : "IP_PKTINFO", () => socket.SetSocketOption(level, SocketOptionName.PacketInformation, true));

            IPAddress wildcard = nic.IsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
            var bindTo = new IPEndPoint(IsWindows() ? wildcard : groupEndPoint.Address, Port);
            Bind(socket, "receive", bindTo);

            try
            {
                if (nic.IsIPv6)
                {
                    socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.AddMembership, new IPv6MulticastOption(Group, nic.Index));
                }
                else
                {
                    socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.AddMembership, new MulticastOption(Group, InterfaceAddress));
                }
            }
            catch (SocketException ex)
            {
                throw new McastTransportException(
                    string.Format(CultureInfo.InvariantCulture, "Cannot join group {0} on interface {1} (port {2}): {3}", Group, interfaceText, Port, ex.Message),
                    "join",
                    groupEndPoint,
                    ex.SocketErrorCode,
                    ex);
            }

            return granted;
        }

        private IPEndPoint ConfigureSendSocket(Socket socket, MulticastOptions settings)
        {
            if (nic.IsIPv6)
            {
                return ConfigureIPv6SendSocket(socket, settings);
            }

            var bindTo = new IPEndPoint(InterfaceAddress, 0);
            Bind(socket, "send", bindTo);

            if (!InterfaceAddress.Equals(IPAddress.Any))
            {
                SetOption(socket, "send", "IP_MULTICAST_IF", () => socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastInterface, InterfaceAddress.GetAddressBytes()));
            }

            SetOption(socket, "send", "IP_MULTICAST_TTL", () => socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastTimeToLive, settings.Ttl));
            SetOption(socket, "send", "IP_MULTICAST_LOOP", () => socket.SetSocketOption(SocketOptionLevel.IP, SocketOptionName.MulticastLoopback, settings.MulticastLoopback));

            var local = (IPEndPoint)socket.LocalEndPoint!;
            if (local.Address.Equals(IPAddress.Any))
            {
                local = new IPEndPoint(DefaultSourceAddress(), local.Port);
            }

            return local;
        }

        private void Bind(Socket socket, string role, IPEndPoint bindTo)
        {
            try
            {
                socket.Bind(bindTo);
            }
            catch (SocketException ex)
            {
                throw new McastTransportException(
                    string.Format(CultureInfo.InvariantCulture, "Cannot bind the {0} socket to {1} for group {2} port {3} on interface {4}: {5}", role, AddressText.EndPoint(bindTo), Group, Port, interfaceText, ex.Message),
                    "bind",
                    bindTo,
                    ex.SocketErrorCode,
                    ex);
            }
        }

        /// <summary>
        /// The IPv6 send socket: IPV6_MULTICAST_IF on the interface's index, the hop limit, the loop,
        /// and bound to one address of the interface (the one named, else the one the system picks
        /// for the group on that interface), so that the source of every datagram is known.
        /// </summary>
        private IPEndPoint ConfigureIPv6SendSocket(Socket socket, MulticastOptions settings)
        {
            SetOption(socket, "send", "IPV6_MULTICAST_IF", () => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, nic.Index));
            SetOption(socket, "send", "IPV6_MULTICAST_HOPS", () => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastTimeToLive, settings.Ttl));
            SetOption(socket, "send", "IPV6_MULTICAST_LOOP", () => socket.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastLoopback, settings.MulticastLoopback));

            IPAddress from = nic.Address.Equals(IPAddress.IPv6Any) ? IPv6SourceAddress() : nic.Address;
            var bindTo = new IPEndPoint(from, 0);
            Bind(socket, "send", bindTo);

            return (IPEndPoint)socket.LocalEndPoint!;
        }

        /// <summary>
        /// The IPv6 address the system would send to the group from on the interface, learnt by
        /// connecting a UDP socket with IPV6_MULTICAST_IF set (connecting sends nothing).
        /// </summary>
        private IPAddress IPv6SourceAddress()
        {
            try
            {
                using (var probe = NewSocket())
                {
                    probe.SetSocketOption(SocketOptionLevel.IPv6, SocketOptionName.MulticastInterface, nic.Index);
                    probe.Connect(groupEndPoint);
                    IPAddress chosen = ((IPEndPoint)probe.LocalEndPoint!).Address;
                    if (chosen.Equals(IPAddress.IPv6Any))
                    {
                        throw new SocketException((int)SocketError.AddressNotAvailable);
                    }

                    return chosen.IsIPv6LinkLocal && chosen.ScopeId == 0 ? new IPAddress(chosen.GetAddressBytes(), nic.Index) : chosen;
                }
            }
            catch (SocketException ex)
            {
                throw new McastTransportException(
                    string.Format(CultureInfo.InvariantCulture, "The interface {0} has no IPv6 address to send to group {1} port {2} from (is it up, with IPv6 enabled?): {3}", interfaceText, Group, Port, ex.Message),
                    "bind",
                    groupEndPoint,
                    ex.SocketErrorCode,
                    ex);
            }
        }

        /// <summary>
        /// The source address the system would choose for the group, learnt by connecting a UDP socket
        /// (which sends nothing); the wildcard address if there is no route.
        /// </summary>
        private IPAddress DefaultSourceAddress()
        {
            try
            {
                using (var probe = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp))
                {
                    probe.Connect(groupEndPoint);
                    return ((IPEndPoint)probe.LocalEndPoint!).Address;
                }
            }
            catch (SocketException)
            {
                return IPAddress.Any;
            }
        }

        /// <summary>
        /// On Linux a socket hears every group any socket on the host joined on its port unless
        /// IP_MULTICAST_ALL (IPV6_MULTICAST_ALL for IPv6, Linux 4.20 and later) is 0. The
        /// group-address bind already filters; this is a second fence, so a runtime or kernel without
        /// the option is not an error.
        /// </summary>
        private static void TryDisableMulticastAll(Socket socket, bool ipv6)
        {
#if NET
            if (!OperatingSystem.IsLinux())
            {
                return;
            }

            try
            {
                if (ipv6)
                {
                    socket.SetRawSocketOption(IpProtoIpv6, Ipv6MulticastAll, BitConverter.GetBytes(0));
                }
                else
                {
                    socket.SetRawSocketOption(IpProtoIp, IpMulticastAll, BitConverter.GetBytes(0));
                }
            }
            catch (SocketException)
            {
                // Kernel without IP_MULTICAST_ALL (before 2.6.31) or IPV6_MULTICAST_ALL (before 4.20): the bind address filters alone.
            }
#else
            // netstandard2.0 has no SetRawSocketOption; the group-address bind filters alone.
            _ = socket;
            _ = ipv6;
            _ = IpMulticastAll;
            _ = Ipv6MulticastAll;
            _ = IpProtoIp;
            _ = IpProtoIpv6;
#endif
        }

        private void SetOption(Socket socket, string which, string option, Action set)
        {
            try
            {
                set();
            }
            catch (SocketException ex)
            {
                throw new McastTransportException(
                    string.Format(CultureInfo.InvariantCulture, "Cannot set {0} on the {1} socket for group {2} port {3} on interface {4}: {5}", option, which, Group, Port, interfaceText, ex.Message),
                    "set option",
                    groupEndPoint,
                    ex.SocketErrorCode,
                    ex);
            }
        }

        // netstandard2.0 has no cancellable ReceiveMessageFromAsync: there the token is not passed, and
        // ReceiveHandoff lets a waiter give up while the receive stays in flight for the next one.
        private async Task<Datagram?> ReceiveOneAsync(CancellationToken cancellationToken)
        {
            byte[] buffer = Interlocked.Exchange(ref spareBuffer, null) ?? new byte[ReceiveBufferLength];
            try
            {
#if NET
                SocketReceiveMessageFromResult result = await receiveSocket
                    .ReceiveMessageFromAsync(buffer.AsMemory(), SocketFlags.None, nic.IsIPv6 ? AnySenderV6 : AnySender, cancellationToken)
                    .ConfigureAwait(false);
#else
                SocketReceiveMessageFromResult result = await receiveSocket
                    .ReceiveMessageFromAsync(new ArraySegment<byte>(buffer), SocketFlags.None, nic.IsIPv6 ? AnySenderV6 : AnySender)
                    .ConfigureAwait(false);
#endif
                return ToDatagram(buffer, result.ReceivedBytes, result.RemoteEndPoint, result.PacketInformation.Address, result.PacketInformation.Interface);
            }
            catch (ObjectDisposedException)
            {
                throw Disposed();
            }
            catch (SocketException) when (IsDisposed)
            {
                throw Disposed();
            }
            catch (SocketException ex)
            {
                throw ReceiveFailure(ex);
            }
            finally
            {
                Volatile.Write(ref spareBuffer, buffer);
            }
        }

        /// <summary>
        /// Copies a received datagram out of the buffer, or returns null when it was sent to another
        /// group, or (IPv6) came in on another interface than the one the group was joined on: Linux
        /// delivers an IPv6 group's datagrams to every socket of the host that joined the group,
        /// whatever interface it joined on, unless the socket is bound to a link-local group.
        /// </summary>
        private Datagram? ToDatagram(byte[] buffer, int length, EndPoint sender, IPAddress? destination, int arrivedOn)
        {
            bool reported = destination is not null && !destination.Equals(IPAddress.Any) && !destination.Equals(IPAddress.IPv6Any);
            if (reported && !AddressText.SameAddress(destination, Group))
            {
                return null;
            }

            if (reported && nic.IsIPv6 && arrivedOn > 0 && arrivedOn != nic.Index)
            {
                return null;
            }

            var payload = new byte[length];
            Buffer.BlockCopy(buffer, 0, payload, 0, length);
            return new Datagram(payload, (IPEndPoint)sender, reported ? destination : null);
        }

        private McastTransportException ReceiveFailure(SocketException ex)
        {
            return new McastTransportException(
                string.Format(CultureInfo.InvariantCulture, "Cannot receive on group {0} port {1} (interface {2}): {3}", Group, Port, interfaceText, ex.Message),
                "receive",
                groupEndPoint,
                ex.SocketErrorCode,
                ex);
        }

        private ObjectDisposedException Disposed()
        {
            return new ObjectDisposedException(
                nameof(MulticastChannel),
                string.Format(CultureInfo.InvariantCulture, "The multicast channel for group {0} port {1} is closed.", Group, Port));
        }
    }
}
