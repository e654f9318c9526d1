using System;
using System.Globalization;

namespace McastCrypto.Protocol
{
    /// <summary>What every protocol's member checks before it sends: one wording of why a message cannot go.</summary>
    internal static class MemberSendCheck
    {
        /// <summary>
        /// Throws InvalidOperationException, saying why, unless the member is Connected: the failure's
        /// own message when Failed, how long the relay has been silent when RelayLost.
        /// </summary>
        public static void ThrowUnlessConnected(MemberState state, MemberFailure? failure, TimeSpan relaySilenceLimit)
        {
            if (state == MemberState.Failed)
            {
                throw new InvalidOperationException(failure?.Message ?? "The member failed.");
            }

            if (state != MemberState.Connected)
            {
                throw new InvalidOperationException(state == MemberState.RelayLost
                    ? "The relay has not been heard for " + relaySilenceLimit.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s: the message would go nowhere."
                    : "The member is not connected to the relay (state " + state + ").");
            }
        }
    }
}
