namespace McastCrypto.Crypto
{
    /// <summary>An identity key file, as New-McastIdentity made or found it: where it is and the fingerprint people compare.</summary>
    public sealed class McastIdentity
    {
        public McastIdentity(string path, string fingerprint, IdentityKeyKind kind)
        {
            Path = path;
            Fingerprint = fingerprint;
            Kind = kind;
        }

        /// <summary>The key file's full path.</summary>
        public string Path { get; }

        /// <summary>The public key's fingerprint (SHA256:base64): what relays pin and authorized-keys lists hold.</summary>
        public string Fingerprint { get; }

        /// <summary>The kind of key: EcdsaP256 for the Secure protocol, Rsa for a Classic relay.</summary>
        public IdentityKeyKind Kind { get; }

        public override string ToString() => Fingerprint + " " + Path;
    }
}
