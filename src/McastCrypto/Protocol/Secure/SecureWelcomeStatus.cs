namespace McastCrypto.Protocol.Secure
{
    /// <summary>The relay's answer in a Welcome.</summary>
    public enum SecureWelcomeStatus : byte
    {
        /// <summary>The member may join: the Welcome carries the relay's ephemeral key, nonce and the member id.</summary>
        Admitted = 0,

        /// <summary>The member's identity key is not on the relay's list of authorized keys.</summary>
        Refused = 1,
    }
}
