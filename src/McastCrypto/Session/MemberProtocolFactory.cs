using System;
using System.Globalization;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Classic;
using McastCrypto.Protocol.Secure;

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
                case McastProtocol.Secure:
                    SecureMemberOptions secure = SecureOptions(options);
                    string? relayFingerprint = options.RelayFingerprint is null ? null : FingerprintText.Parse(options.RelayFingerprint, "-RelayFingerprint");
                    string knownRelays = options.KnownRelaysPath ?? KnownRelays.DefaultPath;
                    return self =>
                    {
                        secure.RelayTrust = new SessionRelayTrust(relayFingerprint, knownRelays, options.TrustOnFirstUse, self.Address.ToString());
                        EcdsaP256PrivateKey identity = options.IdentityPath is null ? EcdsaP256PrivateKey.Generate() : IdentityKeyFile.LoadEcdsa(options.IdentityPath);
                        try
                        {
                            return new SecureMember(self, identity, secure);
                        }
                        catch
                        {
                            identity.Dispose();
                            throw;
                        }
                    };
                case McastProtocol.Classic:
                    ClassicAddresses.RequireIPv4Group(options.Network.Group, nameof(options));
                    RefuseSecureOnly(options);
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

        private static SecureMemberOptions SecureOptions(McastSessionOptions options)
        {
            var secure = new SecureMemberOptions
            {
                Group = options.Network.Group,
                Port = options.Network.Port,
                DisplayName = options.Name ?? string.Empty,
            };
            if (options.KeepAliveInterval is TimeSpan keepAlive)
            {
                secure.KeepAliveInterval = keepAlive;
            }

            if (options.MaxMessageBytes is int maxMessageSize)
            {
                secure.MaxMessageBytes = maxMessageSize;
            }

            if (options.MaxDatagramBytes is int maxDatagramBytes)
            {
                secure.MaxDatagramBytes = maxDatagramBytes;
            }

            if (options.FragmentSize is not null)
            {
                throw new ArgumentException("The Secure protocol sizes its fragments to fit one datagram; a fragment size is for the Classic protocol.", nameof(options));
            }

            if (options.AllowRelayKeyChange)
            {
                throw new ArgumentException("The Secure protocol never changes relay keys silently: pin the new relay with -RelayFingerprint instead of allowing a change.", nameof(options));
            }

            secure.Validate();
            return secure;
        }

        /// <summary>Settings that only the Secure protocol has: with Classic they would silently do nothing.</summary>
        private static void RefuseSecureOnly(McastSessionOptions options)
        {
            if (options.MaxDatagramBytes is not null)
            {
                throw new ArgumentException("-MaxDatagramSize is for the Secure protocol: a Classic session's datagrams are sized by -FragmentSize and its relay's key.", nameof(options));
            }

            string? which = options.IdentityPath is not null ? "-IdentityPath"
                : options.RelayFingerprint is not null ? "-RelayFingerprint"
                : options.KnownRelaysPath is not null ? "-KnownRelaysPath"
                : !options.TrustOnFirstUse ? "-TrustOnFirstUse"
                : null;
            if (which is not null)
            {
                throw new ArgumentException(which + " is for the Secure protocol: a Classic relay cannot prove who it is, so there is nothing to pin or remember.", nameof(options));
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

            if (options.MaxMessageBytes is int maxMessageSize)
            {
                if (maxMessageSize > ClassicDefaults.MaxMessageBytes)
                {
                    // Classic relays (this one, the seed article's) refuse more: a larger limit would only move the refusal there.
                    throw new ArgumentException(
                        "-MaxMessageSize " + maxMessageSize.ToString(CultureInfo.InvariantCulture) + " is over the Classic protocol's largest message, "
                        + ClassicDefaults.MaxMessageBytes.ToString(CultureInfo.InvariantCulture) + " UTF-8 bytes; a smaller limit may be set, a larger one needs the Secure protocol.",
                        nameof(options));
                }

                classic.MaxMessageBytes = maxMessageSize;
            }

            classic.AllowRelayKeyChange = options.AllowRelayKeyChange;
            classic.Validate();
            return classic;
        }
    }
}
