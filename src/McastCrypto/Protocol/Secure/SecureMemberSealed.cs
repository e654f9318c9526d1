using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>A parsed MemberSealed header (TLV 0x5303): who sent it and its sequence number; the rest is sealed.</summary>
    public sealed class SecureMemberSealed
    {
        internal SecureMemberSealed(byte[] value)
        {
            Value = value;
        }

        /// <summary>The whole value: header (the associated data), then ciphertext and tag.</summary>
        public byte[] Value { get; }

        /// <summary>The sender's member id.</summary>
        public uint MemberId => BigEndian.ReadU32(Value, 1);

        /// <summary>The member's send sequence number, the AEAD nonce's last 8 bytes.</summary>
        public ulong Sequence => BigEndian.ReadU64(Value, 5);

        /// <summary>Ciphertext and tag length.</summary>
        public int SealedLength => Value.Length - SecureCodec.SealedHeaderLength;

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "MemberSealed from {0:x8} seq {1} [{2} sealed bytes]", MemberId, Sequence, SealedLength);
    }
}
