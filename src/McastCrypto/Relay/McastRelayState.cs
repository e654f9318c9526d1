namespace McastCrypto.Relay
{
    /// <summary>Whether a relay is serving its group.</summary>
    public enum McastRelayState
    {
        Running,
        Stopped,
    }
}
