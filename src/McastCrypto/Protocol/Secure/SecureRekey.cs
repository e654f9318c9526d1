using System.Collections.Generic;
using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>A parsed Rekey (TLV 0x5305): a new epoch, its key sealed once per member, and the relay's signature.</summary>
    public sealed class SecureRekey
    {
        internal SecureRekey(byte[] value, IReadOnlyList<SecureRekeyEntry> entries)
        {
            Value = value;
            Entries = entries;
        }

        /// <summary>The whole value, signature included.</summary>
        public byte[] Value { get; }

        /// <summary>The new epoch.</summary>
        public uint Epoch => BigEndian.ReadU32(Value, 1);

        /// <summary>The relay's sequence number (the same counter as GroupSealed's).</summary>
        public ulong Sequence => BigEndian.ReadU64(Value, 5);

        public IReadOnlyList<SecureRekeyEntry> Entries { get; }

        /// <summary>The length of the signed part: everything but the signature.</summary>
        public int SignedLength => Value.Length - SecureCodec.SignatureLength;

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "Rekey to epoch {0} seq {1}: {2} entries", Epoch, Sequence, Entries.Count);
    }
}
