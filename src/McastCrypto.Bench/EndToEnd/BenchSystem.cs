namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>The four systems the end-to-end sections put side by side, in the same harness.</summary>
    internal enum BenchSystem
    {
        /// <summary>McastRelay and McastSession with the default protocol (Secure).</summary>
        Secure,

        /// <summary>McastRelay and McastSession with the article's protocol (Classic).</summary>
        Classic,

        /// <summary>The same relay topology with no cryptography: the floor of the sockets and the fan-out.</summary>
        Plain,

        /// <summary>What a user would build instead: a relay holding one TLS connection per member.</summary>
        TlsFanout,
    }
}
