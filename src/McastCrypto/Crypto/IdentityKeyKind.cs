namespace McastCrypto.Crypto
{
    /// <summary>The kind of private key an identity key file holds (see <see cref="IdentityKeyFile"/>).</summary>
    public enum IdentityKeyKind
    {
        /// <summary>An ECDSA key on the curve P-256: the identity of a relay or a member in the Secure protocol.</summary>
        EcdsaP256 = 1,

        /// <summary>An RSA key: the Classic protocol's relay key (RSA-OAEP).</summary>
        Rsa = 2,
    }
}
