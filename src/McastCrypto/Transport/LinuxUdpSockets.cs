using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net.Sockets;
using System.Runtime.InteropServices;
#if !NET
using System.Text;
#endif

namespace McastCrypto.Transport
{
    /// <summary>
    /// What Linux tells about one UDP socket through /proc: the socket's inode, from the link
    /// /proc/self/fd/&lt;fd&gt; ("socket:[inode]"), finds its line in /proc/net/udp (or udp6), whose last
    /// column, drops, counts the datagrams the kernel dropped at that socket (mostly because its
    /// receive buffer was full). Every method returns null where this is not available: not Linux,
    /// no /proc, or no such line.
    /// </summary>
    internal static class LinuxUdpSockets
    {
        private static readonly string[] Tables = { "/proc/net/udp", "/proc/net/udp6" };

        // Columns of /proc/net/udp: sl local_address rem_address st tx_queue:rx_queue tr:tm->when
        // retrnsmt uid timeout inode ref pointer drops.
        private const int InodeColumn = 9;
        private const int DropsColumn = 12;

        /// <summary>The inode of <paramref name="socket"/> on Linux, or null. Read it once, while the socket is open.</summary>
        public static long? InodeOf(Socket socket)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Linux))
            {
                return null;
            }

            try
            {
                string fd = socket.Handle.ToInt64().ToString(CultureInfo.InvariantCulture);
                return ParseSocketLink(ReadLink("/proc/self/fd/" + fd));
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is ObjectDisposedException || e is DllNotFoundException || e is EntryPointNotFoundException)
            {
                return null;
            }
        }

        /// <summary>The drops column of the socket with <paramref name="inode"/>, or null when no table lists it.</summary>
        public static long? ReadDrops(long inode)
        {
            foreach (string table in Tables)
            {
                try
                {
                    if (!File.Exists(table))
                    {
                        continue;
                    }

                    long? drops = FindDrops(File.ReadLines(table), inode);
                    if (drops is not null)
                    {
                        return drops;
                    }
                }
                catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
                {
                    // A table that cannot be read says nothing.
                }
            }

            return null;
        }

        /// <summary>The drops column of the line whose inode column is <paramref name="inode"/>; null when none is.</summary>
        internal static long? FindDrops(IEnumerable<string> lines, long inode)
        {
            string wanted = inode.ToString(CultureInfo.InvariantCulture);
            foreach (string line in lines)
            {
                string[] columns = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                if (columns.Length <= DropsColumn || !string.Equals(columns[InodeColumn], wanted, StringComparison.Ordinal))
                {
                    continue;
                }

                return long.TryParse(columns[DropsColumn], NumberStyles.None, CultureInfo.InvariantCulture, out long drops) ? drops : (long?)null;
            }

            return null;
        }

        /// <summary>The inode in a link target "socket:[12345]"; null for anything else.</summary>
        internal static long? ParseSocketLink(string? target)
        {
            const string Prefix = "socket:[";
            if (target is null || !target.StartsWith(Prefix, StringComparison.Ordinal) || !target.EndsWith("]", StringComparison.Ordinal))
            {
                return null;
            }

            string digits = target.Substring(Prefix.Length, target.Length - Prefix.Length - 1);
            return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long inode) ? inode : (long?)null;
        }

#if NET
        private static string? ReadLink(string path) => new FileInfo(path).LinkTarget;
#else
        private static string? ReadLink(string path)
        {
            var buffer = new byte[256];
            long length = (long)readlink(path, buffer, (IntPtr)buffer.Length);
            return length <= 0 || length >= buffer.Length ? null : Encoding.UTF8.GetString(buffer, 0, (int)length);
        }

        // netstandard2.0 has no FileSystemInfo.LinkTarget; readlink(2) from the C library instead.
        [DllImport("libc", SetLastError = true)]
        private static extern IntPtr readlink(string path, byte[] buffer, IntPtr size);
#endif
    }
}
