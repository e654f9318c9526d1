using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The TlsFanout system's sender and members: one TCP connection each to the relay on 127.0.0.1,
    /// an SslStream that accepts only the relay's certificate (pinned by its SHA-256 hash). The sender
    /// writes each message once, length-prefixed (4 bytes, big-endian); each member reads messages on
    /// a thread of its own.
    /// </summary>
    internal sealed class TlsFanoutGroup : IBenchGroup
    {
        private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

        private readonly List<(TcpClient Client, SslStream Tls)> connections = new List<(TcpClient, SslStream)>();
        private readonly List<Thread> readers = new List<Thread>();
        private readonly DeliveryTracker tracker;
        private readonly SslStream sender;
        private byte[] frame = Array.Empty<byte>();
        private long readerFailures;
        private volatile bool closing;

        /// <param name="info">The relay's ready line: its port and its certificate's SHA-256 hash.</param>
        public TlsFanoutGroup(string info, int count, DeliveryTracker tracker)
        {
            this.tracker = tracker;
            string[] parts = info.Split(' ');
            int port = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
            string pinned = parts[1];
            try
            {
                for (int i = 0; i < count; i++)
                {
                    SslStream member = Connect(port, pinned, 'M');
                    var thread = new Thread(() => Read(member)) { IsBackground = true, Name = "TlsFanout member " + i };
                    readers.Add(thread);
                    thread.Start();
                }

                sender = Connect(port, pinned, 'S');
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public long KernelDrops => 0;

        public string? Troubles()
        {
            long failures = Interlocked.Read(ref readerFailures);
            return failures == 0 ? null : failures + " member connection(s) failed while reading";
        }

        public bool Send(long sequence, int size)
        {
            if (frame.Length != 4 + size)
            {
                frame = new byte[4 + size];
                BinaryPrimitives.WriteInt32BigEndian(frame, size);
            }

            BenchPayload.Write(frame.AsSpan(4), sequence, Stopwatch.GetTimestamp());
            sender.Write(frame, 0, frame.Length);
            return true;
        }

        public void Dispose()
        {
            closing = true;
            lock (connections)
            {
                foreach ((TcpClient client, SslStream tls) in connections)
                {
                    tls.Dispose();
                    client.Dispose();
                }

                connections.Clear();
            }

            foreach (Thread reader in readers)
            {
                reader.Join(TimeSpan.FromSeconds(2));
            }
        }

        private SslStream Connect(int port, string pinned, char role)
        {
            var client = new TcpClient { NoDelay = true };
            SslStream? tls = null;
            try
            {
                client.Connect(IPAddress.Loopback, port);
                tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
                lock (connections)
                {
                    connections.Add((client, tls));
                }

                using var timeout = new CancellationTokenSource(ConnectTimeout);
                tls.AuthenticateAsClientAsync(
                    new SslClientAuthenticationOptions
                    {
                        TargetHost = "mcastcrypto-bench-relay",
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,

                        // Self-signed: trusted because it is the relay's certificate, by its hash, and for no other reason.
                        RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                            certificate is not null && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), pinned, StringComparison.OrdinalIgnoreCase),
                    },
                    timeout.Token).GetAwaiter().GetResult();
                tls.ReadTimeout = (int)ConnectTimeout.TotalMilliseconds;
                tls.Write(new[] { (byte)role });
                tls.Flush();
                if (tls.ReadByte() != 'K')
                {
                    throw new IOException("The TlsFanout relay did not register the connection.");
                }

                tls.ReadTimeout = Timeout.Infinite;
                return tls;
            }
            catch
            {
                tls?.Dispose();
                client.Dispose();
                throw;
            }
        }

        private void Read(SslStream member)
        {
            var header = new byte[4];
            var payload = new byte[TlsFanoutChildRelay.MaxMessageBytes];
            try
            {
                while (true)
                {
                    member.ReadExactly(header);
                    int length = BinaryPrimitives.ReadInt32BigEndian(header);
                    if (length < BenchPayload.HeaderBytes || length > payload.Length)
                    {
                        throw new IOException("A message of " + length + " bytes from the relay.");
                    }

                    member.ReadExactly(payload, 0, length);
                    BenchPayload.TryRead(payload, out long sequence, out long stamp);
                    tracker.Arrived(sequence, stamp);
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is SocketException)
            {
                if (!closing)
                {
                    Interlocked.Increment(ref readerFailures);
                }
            }
        }
    }
}
