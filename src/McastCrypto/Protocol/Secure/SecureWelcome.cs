using System.Globalization;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>A parsed Welcome (TLV 0x5302): the relay's signed answer to a Hello. Nothing in it is checked but its layout.</summary>
    public sealed class SecureWelcome
    {
        internal SecureWelcome(byte[] value)
        {
            Value = value;
        }

        /// <summary>The whole value, signature included.</summary>
        public byte[] Value { get; }

        /// <summary>The nonce of the Hello this answers, 16 bytes.</summary>
        public byte[] HelloNonce => BigEndian.Slice(Value, 1, SecureCodec.NonceLength);

        public SecureWelcomeStatus Status => (SecureWelcomeStatus)Value[17];

        /// <summary>The relay's identity ECDSA public key, 65 bytes.</summary>
        public byte[] RelayIdentityKey => BigEndian.Slice(Value, 18, SecureCodec.PointLength);

        /// <summary>The relay's ephemeral ECDH public key, 65 bytes (zeros in a refusal).</summary>
        public byte[] RelayEphemeralKey => BigEndian.Slice(Value, 83, SecureCodec.PointLength);

        /// <summary>The relay's nonce, 16 bytes (zeros in a refusal).</summary>
        public byte[] RelayNonce => BigEndian.Slice(Value, 148, SecureCodec.NonceLength);

        /// <summary>The member id the relay gives the member (0 in a refusal).</summary>
        public uint MemberId => BigEndian.ReadU32(Value, 164);

        /// <summary>The relay's largest datagram, in bytes.</summary>
        public int MaxDatagramBytes => BigEndian.ReadU16(Value, 168);

        /// <summary>The relay's signature, 64 bytes.</summary>
        public byte[] Signature => BigEndian.Slice(Value, SecureCodec.WelcomeSignedLength, SecureCodec.SignatureLength);

        /// <summary>The fingerprint of the relay's identity key, computed from its bytes; the key is not checked.</summary>
        public string RelayFingerprint => SecureCodec.FingerprintOf(RelayIdentityKey);

        public override string ToString() =>
            string.Format(
                CultureInfo.InvariantCulture,
                "Welcome {0} for nonce {1}: member {2:x8} from relay {3}",
                Status,
                Hex.Encode(Value, 1, SecureCodec.NonceLength),
                MemberId,
                RelayFingerprint);
    }
}
