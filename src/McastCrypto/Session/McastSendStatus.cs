namespace McastCrypto.Session
{
    /// <summary>Where a message sent by <see cref="McastSession.Send(Protocol.MessageContent, bool, System.Threading.CancellationToken, System.Action{Protocol.SendProgress})"/> stood when the call returned.</summary>
    public enum McastSendStatus
    {
        /// <summary>
        /// Taken by the protocol, not waited for (-NoWait): its fragments go out as the window allows,
        /// and its outcome is counted on the session (MessagesAcknowledged, MessagesFailed).
        /// </summary>
        Queued,

        /// <summary>Its datagrams went out; the protocol has no acknowledgements (Classic), so that is all it can say.</summary>
        Sent,

        /// <summary>The relay confirmed it holds every fragment (and passed the message on to the group).</summary>
        Acknowledged,

        /// <summary>It could not be delivered to the relay: Reason says why.</summary>
        Failed,
    }
}
