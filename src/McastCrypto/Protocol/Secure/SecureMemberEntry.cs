namespace McastCrypto.Protocol.Secure
{
    /// <summary>A member as the relay announces it in Joined and Roster records: id, identity key, display name.</summary>
    public sealed class SecureMemberEntry
    {
        public SecureMemberEntry(uint memberId, byte[] identityKey, string name)
        {
            MemberId = memberId;
            IdentityKey = identityKey;
            Name = name;
        }

        public uint MemberId { get; }

        /// <summary>The member's identity ECDSA public key, 65 bytes.</summary>
        public byte[] IdentityKey { get; }

        public string Name { get; }

        /// <summary>The identity key's fingerprint (SHA256:base64).</summary>
        public string Fingerprint => SecureCodec.FingerprintOf(IdentityKey);

        /// <summary>The member id as the protocol shows it: 8 lower-case hex digits.</summary>
        public string Id => SecureCodec.FormatMemberId(MemberId);

        /// <summary>The member as the session knows it.</summary>
        public MemberIdentity ToIdentity() => new MemberIdentity(Id, Name, Fingerprint);

        public override string ToString() => Name + " (" + Id + ")";
    }
}
