namespace McastCrypto.Hosting
{
    /// <summary>Something holding open objects that can close them all at once.</summary>
    public interface IClosable
    {
        /// <summary>When to close, relative to the others: lower first.</summary>
        int CloseOrder { get; }

        /// <summary>What one of the objects is called, for people to read: "session", "relay".</summary>
        string Noun { get; }

        /// <summary>Closes every open object and returns how many there were.</summary>
        int CloseAll();
    }
}
