using System;

namespace McastCrypto.Protocol
{
    /// <summary>What an <see cref="IRelayTrust"/> decided about a relay key: trusted, or not with the key it expected and what the user can do.</summary>
    public sealed class RelayTrustDecision
    {
        private RelayTrustDecision(bool trusted, string? expectedFingerprint, string? message)
        {
            IsTrusted = trusted;
            ExpectedFingerprint = expectedFingerprint;
            Message = message;
        }

        /// <summary>The key is trusted.</summary>
        public static RelayTrustDecision Trusted { get; } = new RelayTrustDecision(true, null, null);

        public bool IsTrusted { get; }

        /// <summary>The key trusted instead (SHA256:base64), when there is one (a pin, a recorded key); null otherwise.</summary>
        public string? ExpectedFingerprint { get; }

        /// <summary>For a key not trusted: what happened and how to trust the new key, for the user.</summary>
        public string? Message { get; }

        /// <summary>The key is not trusted; <paramref name="message"/> tells the user why and how to trust it if it is right.</summary>
        public static RelayTrustDecision NotTrusted(string? expectedFingerprint, string message)
        {
            if (string.IsNullOrEmpty(message))
            {
                throw new ArgumentException("Say why the key is not trusted, and how to trust it.", nameof(message));
            }

            return new RelayTrustDecision(false, expectedFingerprint, message);
        }

        public override string ToString() => IsTrusted ? "Trusted" : "NotTrusted: " + Message;
    }
}
