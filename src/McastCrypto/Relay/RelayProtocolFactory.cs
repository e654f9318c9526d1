using System;
using System.Globalization;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Protocol.Federation;
using McastCrypto.Protocol.Secure;
using McastCrypto.Transport;

namespace McastCrypto.Relay
{
    /// <summary>
    /// The one place that turns a relay's <see cref="McastProtocol"/> into a relay protocol, with its
    /// key material and its own options. Adding a protocol is one case here.
    /// </summary>
    internal static class RelayProtocolFactory
    {
        /// <summary>
        /// Checks the protocol's settings now (before any socket is opened) and returns what makes
        /// the protocol once the relay knows its own address.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown protocol, or a setting the protocol refuses.</exception>
        public static Func<IPEndPoint, RelayParts> Prepare(McastRelayOptions options)
        {
            switch (options.Protocol)
            {
                case McastProtocol.Secure:
                    SecureRelayOptions secure = SecureOptions(options);
                    FederationOptions? federation = FederationSettings(options, secure);
                    return self =>
                    {
                        EcdsaP256PrivateKey identity = options.IdentityPath is null
                            ? EcdsaP256PrivateKey.Generate()
                            : IdentityKeyFile.LoadOrCreateEcdsa(options.IdentityPath, out _);
                        SecureRelay? relay = null;
                        FederationLink? link = null;
                        try
                        {
                            relay = new SecureRelay(self, identity, secure);
                            if (federation is not null)
                            {
                                // Signs with the relay's own identity key (the relay owns and disposes it).
                                link = new FederationLink(identity, federation, DateTimeOffset.UtcNow);
                                relay.AttachFederation(link);
                            }

                            return new RelayParts(relay, link);
                        }
                        catch
                        {
                            link?.Dispose();
                            if (relay is not null)
                            {
                                relay.Dispose();
                            }
                            else
                            {
                                identity.Dispose();
                            }

                            throw;
                        }
                    };
                case McastProtocol.Classic:
                    if (options.FederationUrl is not null || options.Site is not null || options.AuthorizedRelaysPath is not null
                        || options.FederationSubject is not null || options.FederationBufferSize is not null || options.FederationCredential is not null)
                    {
                        throw new ArgumentException("-Federation (and -Site, -AuthorizedRelaysPath, -FederationSubject, -FederationBufferSize, -FederationCredential) is for the Secure protocol: a Classic relay has no identity key to sign with and no group key to re-seal under.", nameof(options));
                    }

                    ClassicAddresses.RequireIPv4Group(options.Network.Group, nameof(options));

                    if (options.AuthorizedKeysPath is not null || options.RekeyInterval is not null)
                    {
                        throw new ArgumentException((options.AuthorizedKeysPath is not null ? "-AuthorizedKeysPath" : "-RekeyInterval") + " is for the Secure protocol: a Classic relay admits any key and has no group key.", nameof(options));
                    }

                    if (options.RetransmitBufferSize is not null)
                    {
                        throw new ArgumentException("-RetransmitBufferSize is for the Secure protocol: a Classic relay does not repair lost datagrams.", nameof(options));
                    }

                    if (options.HandshakesPerSourcePerSecond is not null)
                    {
                        throw new ArgumentException("The Hello budget per source address is for the Secure protocol: a Classic relay has no handshake.", nameof(options));
                    }

                    if (options.MaxDatagramBytes is not null)
                    {
                        throw new ArgumentException("-MaxDatagramSize is for the Secure protocol: a Classic relay's datagrams are as large as its members' blocks make them.", nameof(options));
                    }

                    ClassicRelayOptions classic = ClassicOptions(options);
                    return self =>
                    {
                        RsaPrivateKey key = options.IdentityPath is null
                            ? RsaOaep.Generate()
                            : IdentityKeyFile.LoadOrCreateRsa(options.IdentityPath, out _);
                        try
                        {
                            return new RelayParts(new ClassicRelay(self, key, classic), null);
                        }
                        catch
                        {
                            key.Dispose();
                            throw;
                        }
                    };
                default:
                    throw new ArgumentException("'" + options.Protocol + "' is not a protocol this module speaks.", nameof(options));
            }
        }

        /// <summary>The Secure relay's options from the relay's: what was given, the protocol's defaults for the rest.</summary>
        internal static SecureRelayOptions SecureOptions(McastRelayOptions options)
        {
            var secure = new SecureRelayOptions
            {
                Group = options.Network.Group,
                Port = options.Network.Port,
            };
            if (options.AuthorizedKeysPath is not null)
            {
                // Read now: a list that cannot be read must stop the start, not admit everyone.
                secure.AuthorizedKeys = AuthorizedKeysFile.Load(options.AuthorizedKeysPath);
            }

            if (options.ClientTimeout is TimeSpan clientTimeout)
            {
                secure.ClientTimeout = clientTimeout;
            }

            if (options.MaxClients is int maxClients)
            {
                secure.MaxClients = maxClients;
            }

            if (options.RekeyInterval is TimeSpan rekeyInterval)
            {
                secure.RekeyInterval = rekeyInterval;
            }

            if (options.RetransmitBufferSize is int retransmitBufferSize)
            {
                secure.RetransmitBufferSize = retransmitBufferSize;
            }

            if (options.MaxMessageBytes is int maxMessageBytes)
            {
                secure.MaxMessageBytes = maxMessageBytes;
            }

            if (options.HandshakesPerSourcePerSecond is int perSource)
            {
                secure.HandshakesPerSourcePerSecond = perSource;
            }

            if (options.MaxDatagramBytes is int maxDatagramBytes)
            {
                secure.MaxDatagramBytes = maxDatagramBytes;
            }

            secure.Validate();
            return secure;
        }

        /// <summary>
        /// The federation's settings for a federated Secure relay (null for one of one site), checked
        /// now, before any socket is opened: the address, the site, the subject prefix, and the
        /// authorized relays read from their file (a list that cannot be read stops the start).
        /// </summary>
        internal static FederationOptions? FederationSettings(McastRelayOptions options, SecureRelayOptions secure)
        {
            if (options.FederationUrl is null)
            {
                string? orphan = options.Site is not null ? "-Site"
                    : options.AuthorizedRelaysPath is not null ? "-AuthorizedRelaysPath"
                    : options.FederationSubject is not null ? "-FederationSubject"
                    : options.FederationBufferSize is not null ? "-FederationBufferSize"
                    : options.FederationCredential is not null ? "-FederationCredential"
                    : null;
                if (orphan is not null)
                {
                    throw new ArgumentException(orphan + " is for a federated relay: give -Federation nats://host:port too.", nameof(options));
                }

                return null;
            }

            FederationBusUrl.Normalize(options.FederationUrl);
            if (string.IsNullOrEmpty(options.Site))
            {
                throw new ArgumentException("-Federation needs -Site: the name the other sites' members see for this relay's members (for example -Site paris).", nameof(options));
            }

            if (options.AuthorizedRelaysPath is null)
            {
                throw new ArgumentException(
                    "-Federation needs -AuthorizedRelaysPath: a file of the other relays' fingerprints (one per line). Without it any relay that reaches the NATS server could join the group, so a federated relay does not start without one.",
                    nameof(options));
            }

            var federation = new FederationOptions
            {
                Site = options.Site!,
                AuthorizedRelays = AuthorizedRelaysFile.Load(options.AuthorizedRelaysPath),
                MaxDatagramBytes = secure.MaxDatagramBytes,
            };
            if (options.FederationSubject is not null)
            {
                federation.SubjectPrefix = options.FederationSubject;
            }

            if (options.FederationBufferSize is int bufferSize)
            {
                federation.RetransmitBufferSize = bufferSize;
            }

            federation.Validate();
            return federation;
        }

        private static ClassicRelayOptions ClassicOptions(McastRelayOptions options)
        {
            if (options.MaxMessageBytes > ClassicDefaults.MaxMessageBytes)
            {
                // Its members send at most this much (64 KiB): a larger limit would promise what none sends.
                throw new ArgumentException(
                    "-MaxMessageSize " + options.MaxMessageBytes.Value.ToString(CultureInfo.InvariantCulture) + " is over the Classic protocol's largest message, "
                    + ClassicDefaults.MaxMessageBytes.ToString(CultureInfo.InvariantCulture) + " UTF-8 bytes; a smaller limit may be set, a larger one needs the Secure protocol.",
                    nameof(options));
            }

            var classic = new ClassicRelayOptions();
            if (options.ClientTimeout is TimeSpan clientTimeout)
            {
                classic.ClientTimeout = clientTimeout;
            }

            if (options.MaxClients is int maxClients)
            {
                classic.MaxClients = maxClients;
            }

            if (options.MaxMessageBytes is int maxMessageBytes)
            {
                classic.MaxMessageBytes = maxMessageBytes;
            }

            classic.Validate();
            return classic;
        }
    }
}
