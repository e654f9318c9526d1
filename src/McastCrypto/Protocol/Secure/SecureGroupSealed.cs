using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>A parsed GroupSealed header (TLV 0x5304): epoch and relay sequence number; records sealed, then the relay's signature.</summary>
    public sealed class SecureGroupSealed
    {
        internal SecureGroupSealed(byte[] value)
        {
            Value = value;
        }

        /// <summary>The whole value: header, ciphertext and tag, signature.</summary>
        public byte[] Value { get; }

        /// <summary>The epoch whose group key sealed it.</summary>
        public uint Epoch => BigEndian.ReadU32(Value, 1);

        /// <summary>The relay's sequence number.</summary>
        public ulong Sequence => BigEndian.ReadU64(Value, 5);

        /// <summary>Ciphertext and tag length.</summary>
        public int SealedLength => Value.Length - SecureCodec.SealedHeaderLength - SecureCodec.SignatureLength;

        /// <summary>The length of the signed part: everything but the signature.</summary>
        public int SignedLength => Value.Length - SecureCodec.SignatureLength;

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "GroupSealed epoch {0} seq {1} [{2} sealed bytes]", Epoch, Sequence, SealedLength);
    }
}
