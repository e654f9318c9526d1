using System;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;

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
                case McastProtocol.Classic:
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

        private static ClassicRelayOptions ClassicOptions(McastRelayOptions options)
        {
            var classic = new ClassicRelayOptions();
            if (options.ClientTimeout is TimeSpan clientTimeout)
            {
                classic.ClientTimeout = clientTimeout;
            }

            if (options.MaxClients is int maxClients)
            {
                classic.MaxClients = maxClients;
            }

            classic.Validate();
            return classic;
        }
    }
}
