namespace McastCrypto.Protocol.Federation
{
    /// <summary>What another site's member did, as its relay published it.</summary>
    public enum FederationRemoteEventKind
    {
        /// <summary>A member of another site is present (joined, or listed in its relay's roster).</summary>
        Joined = 1,

        /// <summary>A member of another site left (or its relay, or the link to it, is gone).</summary>
        Left = 2,

        /// <summary>A fragment a member of another site sent, in that member's <c>Q</c> order.</summary>
        Data = 3,

        /// <summary>The other site's relay refused one of its member's messages.</summary>
        Refused = 4,

        /// <summary>The other site's relay holds the member's fragments below <see cref="FederationRemoteEvent.NextQ"/>.</summary>
        Progress = 5,

        /// <summary>
        /// Fragments of the member below <see cref="FederationRemoteEvent.NextQ"/> that were not given as
        /// Data are lost between the sites (the publishing relay no longer has them).
        /// </summary>
        Lost = 6,
    }
}
