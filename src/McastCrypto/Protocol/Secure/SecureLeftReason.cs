namespace McastCrypto.Protocol.Secure
{
    /// <summary>Why a member left, in a Left record.</summary>
    public enum SecureLeftReason : byte
    {
        /// <summary>The member said goodbye (a Leave).</summary>
        Left = 1,

        /// <summary>The relay heard nothing from it for the client time-out.</summary>
        TimedOut = 2,

        /// <summary>The relay is stopping.</summary>
        RelayStopping = 3,
    }
}
