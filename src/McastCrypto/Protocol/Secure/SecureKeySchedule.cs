using System;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// The Secure protocol's labels, transcript hash, key derivation, nonces and the bytes each
    /// signature covers (docs/protocol.md, "Secure"). Pure functions of their inputs.
    /// </summary>
    /// <remarks>
    /// The labels are ASCII and none is a prefix of another, so no signed or derived input of one
    /// kind can be read as one of another kind.
    /// </remarks>
    public static class SecureKeySchedule
    {
        /// <summary>What a member's Hello signature covers first.</summary>
        public const string HelloLabel = "mcast-secure-v1 hello";

        /// <summary>What the transcript hash covers first.</summary>
        public const string TranscriptLabel = "mcast-secure-v1 transcript";

        /// <summary>What the relay's Welcome signature covers first.</summary>
        public const string WelcomeLabel = "mcast-secure-v1 welcome";

        /// <summary>HKDF info of the member-to-relay key.</summary>
        public const string MemberToRelayLabel = "mcast-secure-v1 m2r";

        /// <summary>HKDF info of the relay-to-member key.</summary>
        public const string RelayToMemberLabel = "mcast-secure-v1 r2m";

        /// <summary>What the relay's GroupSealed signature covers first.</summary>
        public const string GroupLabel = "mcast-secure-v1 group";

        /// <summary>What the relay's Rekey signature covers first.</summary>
        public const string RekeyLabel = "mcast-secure-v1 rekey";

        private static readonly byte[] GroupLabelBytes = Ascii(GroupLabel);

        /// <summary>
        /// G ‖ P: the group's address bytes (4 for an IPv4 group, 16 for an IPv6 group; an IPv4-mapped
        /// IPv6 address is its IPv4 address, and an IPv6 scope id is not part of it) and the port
        /// (u16): bound into every signature and the transcript.
        /// </summary>
        public static byte[] GroupAndPort(IPAddress group, int port)
        {
            if (group is null)
            {
                throw new ArgumentNullException(nameof(group));
            }

            IPAddress plain = group.AddressFamily == AddressFamily.InterNetworkV6 && group.IsIPv4MappedToIPv6 ? group.MapToIPv4() : group;
            if (plain.AddressFamily != AddressFamily.InterNetwork && plain.AddressFamily != AddressFamily.InterNetworkV6)
            {
                throw new ArgumentException("The group is an IPv4 or IPv6 address.", nameof(group));
            }

            if (port < 1 || port > 65535)
            {
                throw new ArgumentOutOfRangeException(nameof(port), port, "A port is 1 to 65535.");
            }

            // GetAddressBytes leaves the scope id out: members on different links name one group alike.
            return BigEndian.Concat(plain.GetAddressBytes(), BigEndian.U16(port));
        }

        /// <summary>"mcast-secure-v1 hello" ‖ G ‖ P ‖ the Hello value's first <paramref name="signedLength"/> bytes.</summary>
        public static byte[] HelloSignedData(byte[] groupAndPort, byte[] helloValue, int signedLength) =>
            BigEndian.Concat(Ascii(HelloLabel), groupAndPort, BigEndian.Slice(helloValue, 0, signedLength));

        /// <summary>
        /// TH = SHA-256("mcast-secure-v1 transcript" ‖ G ‖ P ‖ the whole Hello value ‖ the Welcome
        /// value's first 170 bytes): everything both sides said, but the Welcome's own signature.
        /// </summary>
        public static byte[] TranscriptHash(byte[] groupAndPort, byte[] helloValue, byte[] welcomeValue)
        {
            if (welcomeValue is null || welcomeValue.Length < SecureCodec.WelcomeSignedLength)
            {
                throw new ArgumentException("The Welcome needs its 170 signed bytes.", nameof(welcomeValue));
            }

            byte[] input = BigEndian.Concat(Ascii(TranscriptLabel), groupAndPort, helloValue, BigEndian.Slice(welcomeValue, 0, SecureCodec.WelcomeSignedLength));
            using (SHA256 sha = SHA256.Create())
            {
                return sha.ComputeHash(input);
            }
        }

        /// <summary>"mcast-secure-v1 welcome" ‖ TH: what the relay signs.</summary>
        public static byte[] WelcomeSignedData(byte[] transcriptHash) => BigEndian.Concat(Ascii(WelcomeLabel), transcriptHash);

        /// <summary>
        /// The pairwise keys: PRK = HKDF-Extract(salt = TH, IKM = Z); Km2r = HKDF-Expand(PRK,
        /// "mcast-secure-v1 m2r", 32); Kr2m = HKDF-Expand(PRK, "mcast-secure-v1 r2m", 32).
        /// </summary>
        public static void DeriveKeys(byte[] sharedSecret, byte[] transcriptHash, out byte[] memberToRelay, out byte[] relayToMember)
        {
            byte[] prk = HkdfSha256.Extract(transcriptHash, sharedSecret);
            try
            {
                memberToRelay = HkdfSha256.Expand(prk, Ascii(MemberToRelayLabel), SecureCodec.KeyLength);
                relayToMember = HkdfSha256.Expand(prk, Ascii(RelayToMemberLabel), SecureCodec.KeyLength);
            }
            finally
            {
                Array.Clear(prk, 0, prk.Length);
            }
        }

        /// <summary>"mcast-secure-v1 group" ‖ G ‖ P ‖ the GroupSealed value's first <paramref name="signedLength"/> bytes.</summary>
        public static byte[] GroupSignedData(byte[] groupAndPort, byte[] value, int signedLength)
        {
            byte[]? data = null;
            GroupSignedData(groupAndPort, new ArraySegment<byte>(value, 0, signedLength), ref data);
            return data!;
        }

        /// <summary>
        /// What <see cref="GroupSignedData(byte[], byte[], int)"/> returns, for the signed part of a
        /// GroupSealed value read in place, written into <paramref name="scratch"/> (replaced by a larger
        /// array when it is too short): a relay signs, and a member checks, one per datagram.
        /// </summary>
        /// <returns>The bytes written, at the start of <paramref name="scratch"/>.</returns>
        internal static ArraySegment<byte> GroupSignedData(byte[] groupAndPort, ArraySegment<byte> signed, ref byte[]? scratch)
        {
            int length = GroupLabelBytes.Length + groupAndPort.Length + signed.Count;
            if (scratch is null || scratch.Length < length)
            {
                scratch = new byte[length];
            }

            Buffer.BlockCopy(GroupLabelBytes, 0, scratch, 0, GroupLabelBytes.Length);
            Buffer.BlockCopy(groupAndPort, 0, scratch, GroupLabelBytes.Length, groupAndPort.Length);
            Buffer.BlockCopy(signed.Array!, signed.Offset, scratch, GroupLabelBytes.Length + groupAndPort.Length, signed.Count);
            return new ArraySegment<byte>(scratch, 0, length);
        }

        /// <summary>"mcast-secure-v1 rekey" ‖ G ‖ P ‖ the Rekey value's first <paramref name="signedLength"/> bytes.</summary>
        public static byte[] RekeySignedData(byte[] groupAndPort, byte[] value, int signedLength) =>
            BigEndian.Concat(Ascii(RekeyLabel), groupAndPort, BigEndian.Slice(value, 0, signedLength));

        /// <summary>The nonce of a pairwise seal (MemberSealed under Km2r, a Rekey entry under Kr2m): 4 zero bytes ‖ the u64 sequence number.</summary>
        public static byte[] PairwiseNonce(ulong sequence)
        {
            var nonce = new byte[AesGcm256.NonceSize];
            BigEndian.WriteU64(nonce, 4, sequence);
            return nonce;
        }

        /// <summary>The nonce of a GroupSealed: the u32 epoch ‖ the u64 relay sequence number.</summary>
        public static byte[] GroupNonce(uint epoch, ulong sequence)
        {
            var nonce = new byte[AesGcm256.NonceSize];
            BigEndian.WriteU32(nonce, 0, epoch);
            BigEndian.WriteU64(nonce, 4, sequence);
            return nonce;
        }

        /// <summary>The associated data of a Rekey entry: the new epoch (u32) ‖ the member id (u32).</summary>
        public static byte[] RekeyEntryAad(uint epoch, uint memberId) => BigEndian.Concat(BigEndian.U32(epoch), BigEndian.U32(memberId));

        private static byte[] Ascii(string label) => Encoding.ASCII.GetBytes(label);
    }
}
