using System;
using McastCrypto.Protocol.Secure;

namespace McastCrypto.Protocol.Federation
{
    /// <summary>
    /// What a federated Secure relay tells the federation about its own LAN, as it happens, from the
    /// relay's actor thread. Every call is made in the order the relay decided it: a member's Data and
    /// Refused calls in the order of its <c>Q</c>, after that member's <see cref="LocalJoined"/>.
    /// </summary>
    public interface IFederationSink
    {
        /// <summary>A local member became current. <paramref name="nextQ"/> is the <c>Q</c> of its next fragment (0 after a handshake).</summary>
        void LocalJoined(uint memberId, byte[] identityKey, string name, ulong nextQ, DateTimeOffset now);

        /// <summary>A local member left, timed out, or the relay is stopping.</summary>
        void LocalLeft(uint memberId, SecureLeftReason reason, DateTimeOffset now);

        /// <summary>A local member's fragment the relay forwarded to its own group, in the member's <c>Q</c> order.</summary>
        void LocalData(SecureFragment fragment, DateTimeOffset now);

        /// <summary>The relay refused a local member's message (its fragments are taken, not forwarded).</summary>
        void LocalRefused(uint memberId, ulong messageId, SecureRefusedReason reason, DateTimeOffset now);

        /// <summary>The relay now holds every fragment of the member below <paramref name="nextQ"/> (its Ack).</summary>
        void LocalProgress(uint memberId, ulong nextQ, DateTimeOffset now);
    }
}
