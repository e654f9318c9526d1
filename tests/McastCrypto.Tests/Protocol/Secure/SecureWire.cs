using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>Reading captured Secure datagrams and forging new ones, as an attacker on the link (or inside the group) would.</summary>
    internal static class SecureWire
    {
        public static TlvType TypeOf(byte[] datagram) => (TlvType)((datagram[0] << 8) | datagram[1]);

        public static byte[] ValueOf(byte[] datagram) => datagram.Skip(4).ToArray();

        public static bool Is(byte[] datagram, TlvType type) => datagram.Length >= 4 && TypeOf(datagram) == type;

        /// <summary>The kind inside a member's MemberSealed, opened with the relay's view of nothing: read from the plaintext the test knows.</summary>
        public static uint MemberIdOf(byte[] datagram) => (uint)((datagram[5] << 24) | (datagram[6] << 16) | (datagram[7] << 8) | datagram[8]);

        public static ulong SequenceOf(byte[] datagram)
        {
            ulong s = 0;
            for (int i = 9; i < 17; i++)
            {
                s = (s << 8) | datagram[i];
            }

            return s;
        }

        public static uint EpochOf(byte[] groupSealed) => MemberIdOf(groupSealed);

        /// <summary>A GroupSealed of <paramref name="records"/> under a group key, signed by <paramref name="signer"/> (not the relay's key).</summary>
        public static byte[] GroupSealed(uint epoch, ulong sequence, AesGcm256 key, EcdsaP256PrivateKey signer, params byte[][] records)
        {
            byte[] header = SecureCodec.SealedHeader(epoch, sequence);
            byte[] plain = records.SelectMany(r => r).ToArray();
            byte[] sealedRecords = key.Seal(SecureKeySchedule.GroupNonce(epoch, sequence), plain, header);
            byte[] unsigned = header.Concat(sealedRecords).ToArray();
            byte[] signature = signer.Sign(SecureKeySchedule.GroupSignedData(SecureKeySchedule.GroupAndPort(SecureNet.Group, SecureNet.Port), unsigned, unsigned.Length));
            return SecureCodec.Datagram(TlvType.SecureGroupSealed, unsigned, signature);
        }

        /// <summary>The same datagram with one bit flipped.</summary>
        public static byte[] Flip(byte[] datagram, int offset, int bit)
        {
            byte[] copy = (byte[])datagram.Clone();
            copy[offset] ^= (byte)(1 << bit);
            return copy;
        }

        public static IPEndPoint Somewhere(int i) => new IPEndPoint(new IPAddress(new byte[] { 10, (byte)(i >> 16), (byte)(i >> 8), (byte)i }), 40000 + (i % 20000));

        /// <summary>A well-formed Hello signed by <paramref name="key"/> with a fresh nonce (a valid signature), or with 64 random bytes instead.</summary>
        public static byte[] Hello(EcdsaP256PrivateKey key, byte[] ephemeral, Random random, bool sign)
        {
            var nonce = new byte[16];
            random.NextBytes(nonce);
            byte[] unsigned = SecureCodec.HelloUnsigned(ephemeral, key.PublicKey.Point, nonce, new byte[] { (byte)'x' });
            byte[] signature;
            if (sign)
            {
                signature = key.Sign(SecureKeySchedule.HelloSignedData(SecureKeySchedule.GroupAndPort(SecureNet.Group, SecureNet.Port), unsigned, unsigned.Length));
            }
            else
            {
                signature = new byte[64];
                random.NextBytes(signature);
            }

            return SecureCodec.Datagram(TlvType.SecureHello, unsigned, signature);
        }

        /// <summary>Every datagram of <paramref name="log"/> of a type, from a source.</summary>
        public static List<byte[]> Of(IEnumerable<(byte[] Datagram, IPEndPoint Source)> log, TlvType type, IPEndPoint? source = null) =>
            log.Where(l => Is(l.Datagram, type) && (source is null || l.Source.Equals(source))).Select(l => l.Datagram).ToList();
    }
}
