using System.Globalization;
using McastCrypto.Tlv;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>A parsed Hello (TLV 0x5301): a member's opening of a handshake. Nothing in it is checked but its layout.</summary>
    public sealed class SecureHello
    {
        internal SecureHello(byte[] value, string name)
        {
            Value = value;
            Name = name;
        }

        /// <summary>The whole value, signature included: the bytes the transcript hashes.</summary>
        public byte[] Value { get; }

        /// <summary>The member's ephemeral ECDH public key, 65 bytes.</summary>
        public byte[] EphemeralKey => BigEndian.Slice(Value, 1, SecureCodec.PointLength);

        /// <summary>The member's identity ECDSA public key, 65 bytes.</summary>
        public byte[] IdentityKey => BigEndian.Slice(Value, 66, SecureCodec.PointLength);

        /// <summary>The member's nonce, 16 bytes.</summary>
        public byte[] Nonce => BigEndian.Slice(Value, 131, SecureCodec.NonceLength);

        /// <summary>The display name (UTF-8 on the wire, at most 64 bytes).</summary>
        public string Name { get; }

        /// <summary>The length of the signed part of the value: 148 + the name's length.</summary>
        public int SignedLength => Value.Length - SecureCodec.SignatureLength;

        /// <summary>The member's signature, 64 bytes (r ‖ s).</summary>
        public byte[] Signature => BigEndian.Slice(Value, SignedLength, SecureCodec.SignatureLength);

        /// <summary>The fingerprint of the identity key (SHA256:base64), computed from its bytes; the key is not checked.</summary>
        public string IdentityFingerprint => SecureCodec.FingerprintOf(IdentityKey);

        public override string ToString() =>
            string.Format(CultureInfo.InvariantCulture, "Hello from {0} '{1}' nonce {2}", IdentityFingerprint, Name, Hex.Encode(Value, 131, SecureCodec.NonceLength));
    }
}
