namespace McastCrypto.Session
{
    /// <summary>What a <see cref="McastMessage"/> is.</summary>
    public enum McastMessageKind
    {
        /// <summary>A message from another member: a text, bytes or a file (see <see cref="McastMessage.ContentKind"/>).</summary>
        Message,

        /// <summary>A member joined (this session's own join included).</summary>
        Joined,

        /// <summary>A member left or timed out (this session's own leave included).</summary>
        Left,

        /// <summary>
        /// This session's state changed in a way its user should see: the relay was lost (State
        /// RelayLost), the session is connected again (State Connected), or it failed for good (State
        /// Failed, the reason in Text). No sender.
        /// </summary>
        StateChanged,

        /// <summary>
        /// Messages of a member were lost for good (protocols that repair losses: Secure): how many
        /// fragments and messages (LostFragments, LostMessages), from whom (Sender, when known), why
        /// (Reason), and the first message touched (MessageId, when known). Nothing is lost without one.
        /// </summary>
        Gap,
    }
}
