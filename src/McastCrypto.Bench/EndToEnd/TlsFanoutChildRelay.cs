using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The TlsFanout relay in the relay's child process: what a user would build instead of a
    /// multicast group. A TCP listener on 127.0.0.1 with a self-signed certificate (ECDSA P-256,
    /// made with CertificateRequest); each connection is an SslStream (the system's default TLS
    /// version and ciphers). A connection's first byte says what it is: 'M' a member, 'S' the sender;
    /// the relay answers 'K' once it is registered. Every length-prefixed message the sender writes is
    /// read whole and written, as one write, to every member's SslStream in turn (so encrypted once
    /// per member). The bytes counted are those written to the TCP streams under the SslStreams.
    /// </summary>
    internal sealed class TlsFanoutChildRelay : IChildRelay
    {
        /// <summary>The longest message the relay takes (the length prefix is hostile until checked).</summary>
        public const int MaxMessageBytes = 1024 * 1024;

        private readonly X509Certificate2 certificate;
        private readonly TcpListener listener;
        private readonly CancellationTokenSource stop = new CancellationTokenSource();
        private readonly List<IDisposable> connections = new List<IDisposable>();
        private volatile SslStream[] members = Array.Empty<SslStream>();
        private long bytesSent;
        private long writes;
        private long reads;

        public TlsFanoutChildRelay()
        {
            certificate = CreateCertificate();
            listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            Port = ((IPEndPoint)listener.LocalEndpoint).Port;
            _ = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        /// <summary>The port, and the SHA-256 hash of the certificate for members to pin.</summary>
        public string ReadyInfo => Port + " " + certificate.GetCertHashString(HashAlgorithmName.SHA256);

        public RelayStats Stats(TimeSpan processorTime) =>
            new RelayStats(processorTime, Interlocked.Read(ref bytesSent), Interlocked.Read(ref writes), Interlocked.Read(ref reads), -1, 0, 0);

        public void Dispose()
        {
            stop.Cancel();
            listener.Stop();
            lock (connections)
            {
                foreach (IDisposable connection in connections)
                {
                    connection.Dispose();
                }

                connections.Clear();
            }

            certificate.Dispose();
        }

        private static X509Certificate2 CreateCertificate()
        {
            using ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=McastCrypto bench relay", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
            using X509Certificate2 created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

            // Through PKCS#12 so that the private key is usable by SslStream on every platform.
            return new X509Certificate2(created.Export(X509ContentType.Pkcs12));
        }

        private async Task AcceptAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                TcpClient client;
                try
                {
                    client = await listener.AcceptTcpClientAsync(stop.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is OperationCanceledException || e is ObjectDisposedException || e is SocketException)
                {
                    return;
                }

                client.NoDelay = true;
                lock (connections)
                {
                    connections.Add(client);
                }

                _ = Task.Run(() => ServeAsync(client));
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            try
            {
                var counting = new CountingStream(client.GetStream(), n => Interlocked.Add(ref bytesSent, n));
                var tls = new SslStream(counting, leaveInnerStreamOpen: false);
                lock (connections)
                {
                    connections.Add(tls);
                }

                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                handshake.CancelAfter(TimeSpan.FromSeconds(10));
                await tls.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions
                    {
                        ServerCertificate = certificate,
                        ClientCertificateRequired = false,
                        CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                    },
                    handshake.Token).ConfigureAwait(false);
                var role = new byte[1];
                await tls.ReadExactlyAsync(role, handshake.Token).ConfigureAwait(false);
                if (role[0] == (byte)'M')
                {
                    lock (connections)
                    {
                        var more = new SslStream[members.Length + 1];
                        members.CopyTo(more, 0);
                        more[members.Length] = tls;
                        members = more;
                    }

                    tls.Write(new[] { (byte)'K' });
                    tls.Flush();
                }
                else if (role[0] == (byte)'S')
                {
                    tls.Write(new[] { (byte)'K' });
                    tls.Flush();

                    // Synchronous from here: the thread reads one message, writes it to every member, and reads the next.
                    await Task.Factory.StartNew(() => Fan(tls), TaskCreationOptions.LongRunning).ConfigureAwait(false);
                }
                else
                {
                    tls.Dispose();
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException || e is OperationCanceledException || e is AuthenticationException || e is SocketException)
            {
                // A connection that closed or failed its handshake: nothing to relay to or from.
            }
        }

        private void Fan(SslStream sender)
        {
            var frame = new byte[4 + MaxMessageBytes];
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    sender.ReadExactly(frame, 0, 4);
                    int length = BinaryPrimitives.ReadInt32BigEndian(frame);
                    if (length < 1 || length > MaxMessageBytes)
                    {
                        Console.Error.WriteLine("TlsFanout relay: a message of " + length + " bytes refused; the sender's connection closed.");
                        sender.Dispose();
                        return;
                    }

                    sender.ReadExactly(frame, 4, length);
                    Interlocked.Increment(ref reads);
                    foreach (SslStream member in members)
                    {
                        member.Write(frame, 0, 4 + length);
                        Interlocked.Increment(ref writes);
                    }
                }
            }
            catch (Exception e) when (e is IOException || e is ObjectDisposedException)
            {
                // The sender or a member closed: the cell is over.
            }
        }
    }
}
