namespace McastCrypto.Hosting
{
    /// <summary>Something holding open objects that can close them all at once.</summary>
    public interface IClosable
    {
        /// <summary>When to close, relative to the others: lower first.</summary>
        int CloseOrder { get; }

        void CloseAll();
    }
}
