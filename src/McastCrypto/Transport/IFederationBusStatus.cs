namespace McastCrypto.Transport
{
    /// <summary>
    /// What a federation bus can tell of its failed attempts to connect (the NATS bus does; an
    /// in-memory bus need not), so that a server that refuses the relay is seen, not retried in silence.
    /// </summary>
    public interface IFederationBusStatus
    {
        /// <summary>Attempts to connect (or reconnect) that failed, and errors the server sent.</summary>
        long ConnectFailures { get; }

        /// <summary>The last such failure, as the client or the server put it (never the credentials); null while there was none.</summary>
        string? LastError { get; }
    }
}
