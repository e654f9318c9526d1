namespace McastCrypto.Hosting
{
    /// <summary>Something holding open objects that can close them all at once.</summary>
    public interface IClosable
    {
        void CloseAll();
    }
}
