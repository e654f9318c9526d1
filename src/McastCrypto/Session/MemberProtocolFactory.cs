using System;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;

namespace McastCrypto.Session
{
    /// <summary>
    /// The one place that turns a session's <see cref="McastProtocol"/> into a member protocol, with
    /// its key material and its own options. Adding a protocol is one case here.
    /// </summary>
    internal static class MemberProtocolFactory
    {
        /// <summary>
        /// Checks the protocol's settings now (before any socket is opened) and returns what makes
        /// the protocol once the session knows its own address. The key is made then, not before:
        /// a group that cannot be joined should fail before seconds go into a key.
        /// </summary>
        /// <exception cref="ArgumentException">An unknown protocol, or a setting the protocol refuses.</exception>
        public static Func<IPEndPoint, IMemberProtocol> Prepare(McastSessionOptions options)
        {
            switch (options.Protocol)
            {
                case McastProtocol.Classic:
                    ClassicMemberOptions classic = ClassicOptions(options);
                    return self =>
                    {
                        RsaPrivateKey key = RsaOaep.Generate();
                        try
                        {
                            return new ClassicMember(self, key, classic);
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

        private static ClassicMemberOptions ClassicOptions(McastSessionOptions options)
        {
            var classic = new ClassicMemberOptions();
            if (options.KeepAliveInterval is TimeSpan keepAlive)
            {
                classic.KeepAliveInterval = keepAlive;
            }

            if (options.FragmentSize is int fragmentSize)
            {
                classic.FragmentSize = fragmentSize;
            }

            classic.AllowRelayKeyChange = options.AllowRelayKeyChange;
            classic.Validate();
            return classic;
        }
    }
}
