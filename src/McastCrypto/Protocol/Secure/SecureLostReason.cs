namespace McastCrypto.Protocol.Secure
{
    /// <summary>Why a Lost record says a member's fragments are gone.</summary>
    public enum SecureLostReason : byte
    {
        /// <summary>Lost between sites: the other site's relay no longer had them (its federation buffer let them go).</summary>
        BetweenSites = 1,
    }
}
