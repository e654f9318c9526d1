using System;
using System.Globalization;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Protocol.Secure;

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
        public static Func<IPEndPoint, IRelayProtocol> Prepare(McastRelayOptions options)
        {
            switch (options.Protocol)
            {
                case McastProtocol.Secure:
                    SecureRelayOptions secure = SecureOptions(options);
                    return self =>
                    {
                        EcdsaP256PrivateKey identity = options.IdentityPath is null
                            ? EcdsaP256PrivateKey.Generate()
                            : IdentityKeyFile.LoadOrCreateEcdsa(options.IdentityPath, out _);
                        try
                        {
                            return new SecureRelay(self, identity, secure);
                        }
                        catch
                        {
                            identity.Dispose();
                            throw;
                        }
                    };
                case McastProtocol.Classic:
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
                            return new ClassicRelay(self, key, classic);
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
