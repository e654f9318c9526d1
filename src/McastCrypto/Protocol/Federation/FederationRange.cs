namespace McastCrypto.Protocol.Federation
{
    /// <summary>A range of envelope numbers F, both ends included (first ≤ last).</summary>
    internal readonly struct FederationRange
    {
        public FederationRange(ulong first, ulong last)
        {
            First = first;
            Last = last;
        }

        public ulong First { get; }

        public ulong Last { get; }

        public override string ToString() => First + ".." + Last;
    }
}
