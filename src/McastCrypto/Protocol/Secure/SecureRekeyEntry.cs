using System.Globalization;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>One entry of a Rekey: the new group key sealed for one member under its relay-to-member key.</summary>
    public sealed class SecureRekeyEntry
    {
        internal SecureRekeyEntry(uint memberId, ulong sequence, int offset)
        {
            MemberId = memberId;
            Sequence = sequence;
            Offset = offset;
        }

        /// <summary>The member the entry is for.</summary>
        public uint MemberId { get; }

        /// <summary>The relay's pairwise sequence number for that member (T), the nonce's last 8 bytes.</summary>
        public ulong Sequence { get; }

        /// <summary>Where the 48 sealed bytes (key and tag) start in the Rekey value.</summary>
        public int Offset { get; }

        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "{0:x8} T={1}", MemberId, Sequence);
    }
}
