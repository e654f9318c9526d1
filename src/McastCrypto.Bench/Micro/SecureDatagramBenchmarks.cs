using System;
using System.Net;
using BenchmarkDotNet.Attributes;
using McastCrypto.Crypto;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;

namespace McastCrypto.Bench.Micro
{
    /// <summary>
    /// <para>
    /// One Secure datagram carrying a 1 KiB message in one fragment, sealed and opened by the same
    /// calls, in the same order, as the protocol code makes them (SecureRelay.EmitBatch and
    /// OnMemberSealed, SecureMember.SealToRelay and OnGroupSealed), through SecureCrypto:
    /// </para>
    /// <list type="bullet">
    /// <item>the relay's GroupSealed (1,153 bytes): one Data record concatenated as a batch, the header,
    /// AES-256-GCM seal under the group key, ECDSA P-256 signature over label ‖ group ‖ port ‖ header ‖
    /// ciphertext, the TLV datagram;</item>
    /// <item>a member opening it: TLV read, header parse, AES-256-GCM open, signature verification
    /// (the receive stream's duplicate check that comes first is left out);</item>
    /// <item>a member's MemberSealed to the relay (1,083 bytes): the Data body, the plaintext, the header,
    /// AES-256-GCM seal under the pairwise key, the TLV datagram;</item>
    /// <item>the relay opening it: TLV read, header parse, AES-256-GCM open, plaintext parse into a
    /// fragment (without the replay window's check and update around the open: ReplayWindowBenchmarks
    /// measures them).</item>
    /// </list>
    /// <para>
    /// Sealing uses a new sequence number (so a new nonce) every time, as the protocol does: the AEAD
    /// refuses to seal twice with its last nonce. Opening reopens one datagram sealed in the setup.
    /// </para>
    /// </summary>
    public class SecureDatagramBenchmarks
    {
        /// <summary>The message: 1 KiB, the throughput grid's middle size, in one fragment.</summary>
        public const int PayloadBytes = 1024;

        /// <summary>The relay's GroupSealed of that message: TLV header, sealed header, Data record, tag, signature.</summary>
        public const int GroupSealedBytes = TlvRecord.HeaderLength + SecureCodec.SealedHeaderLength + SecureCodec.RecordHeaderLength + SecureCodec.GroupDataHeaderLength + PayloadBytes + SecureCodec.TagLength + SecureCodec.SignatureLength;

        /// <summary>The member's MemberSealed of that message: TLV header, sealed header, kind, Data body, tag.</summary>
        public const int MemberSealedBytes = TlvRecord.HeaderLength + SecureCodec.SealedHeaderLength + 1 + SecureCodec.MemberDataHeaderLength + PayloadBytes + SecureCodec.TagLength;

        private const uint Epoch = 7;
        private const uint MemberId = 0x1234abcd;

        private SecureCrypto crypto = null!;
        private EcdsaP256PrivateKey relayIdentity = null!;
        private EcdsaP256PublicKey relayKey = null!;
        private AesGcm256 groupAead = null!;
        private AesGcm256 memberToRelay = null!;
        private byte[] groupAndPort = null!;
        private byte[] payload = null!;
        private byte[] dataRecord = null!;
        private byte[] groupDatagram = null!;
        private byte[] memberDatagram = null!;
        private ulong groupSequence;
        private ulong memberSequence;
        private ulong messageId;

        [GlobalSetup]
        public void Setup()
        {
            crypto = new SecureCrypto(null);
            relayIdentity = EcdsaP256PrivateKey.Generate();
            relayKey = EcdsaP256PublicKey.Import(relayIdentity.PublicKey.Point);
            groupAead = AesGcm256.Create(crypto.Random(AesGcm256.KeySize));
            memberToRelay = AesGcm256.Create(crypto.Random(AesGcm256.KeySize));
            groupAndPort = SecureKeySchedule.GroupAndPort(IPAddress.Parse("239.255.10.20"), 40000);
            payload = crypto.Random(PayloadBytes);
            dataRecord = SecureCodec.DataRecord(new SecureFragment(MemberId, 41, 5, 0, 1, SecureCodec.ContentData, payload));
            groupSequence = 1;
            memberSequence = 1;
            messageId = 1;

            groupDatagram = GroupSeal();
            memberDatagram = MemberSeal();
            Check(groupDatagram.Length == GroupSealedBytes, $"the GroupSealed is {groupDatagram.Length} bytes, not {GroupSealedBytes}");
            Check(memberDatagram.Length == MemberSealedBytes, $"the MemberSealed is {memberDatagram.Length} bytes, not {MemberSealedBytes}");
            Check(GroupOpen() is byte[] plain && BigEndian.Equal(plain, dataRecord), "the GroupSealed did not open to its record");
            Check(MemberOpen() is SecureFragment fragment && BigEndian.Equal(fragment.Payload, payload), "the MemberSealed did not open to its fragment");
        }

        [GlobalCleanup]
        public void Cleanup()
        {
            groupAead.Dispose();
            memberToRelay.Dispose();
            relayIdentity.Dispose();
        }

        [Benchmark(Description = "Secure relay: seal and sign one GroupSealed (1,153 bytes: a 1 KiB message)")]
        public byte[] GroupSeal()
        {
            byte[] plain = BigEndian.Concat(new[] { dataRecord });
            ulong sequence = groupSequence++;
            byte[] header = SecureCodec.SealedHeader(Epoch, sequence);
            byte[] sealedRecords = crypto.Seal(groupAead, SecureKeySchedule.GroupNonce(Epoch, sequence), plain, header);
            byte[] unsigned = BigEndian.Concat(header, sealedRecords);
            byte[] signature = crypto.Sign(relayIdentity, SecureKeySchedule.GroupSignedData(groupAndPort, unsigned, unsigned.Length));
            return SecureCodec.Datagram(TlvType.SecureGroupSealed, unsigned, signature);
        }

        [Benchmark(Description = "Secure member: open and verify one GroupSealed (1,153 bytes)")]
        public byte[]? GroupOpen()
        {
            if (!SecureCodec.TryReadDatagram(groupDatagram, out TlvRecord? record, out _)
                || !SecureCodec.TryParseGroupSealed(record!.Value, out SecureGroupSealed? header, out _))
            {
                return null;
            }

            byte[] value = record.Value;
            if (!crypto.TryOpen(
                groupAead,
                SecureKeySchedule.GroupNonce(header!.Epoch, header.Sequence),
                value,
                SecureCodec.SealedHeaderLength,
                header.SealedLength,
                new ArraySegment<byte>(value, 0, SecureCodec.SealedHeaderLength),
                out byte[]? plain))
            {
                return null;
            }

            return crypto.Verify(relayKey, SecureKeySchedule.GroupSignedData(groupAndPort, value, header.SignedLength), value, header.SignedLength) ? plain : null;
        }

        [Benchmark(Description = "Secure member: seal one MemberSealed Data (1,083 bytes: a 1 KiB message)")]
        public byte[] MemberSeal()
        {
            byte[] body = SecureCodec.MemberDataBody(memberSequence, messageId++, 0, 1, SecureCodec.ContentData, payload, 0, payload.Length);
            ulong sequence = memberSequence++;
            byte[] header = SecureCodec.SealedHeader(MemberId, sequence);
            byte[] sealedPlain = crypto.Seal(memberToRelay, SecureKeySchedule.PairwiseNonce(sequence), SecureCodec.MemberPlaintext(SecureMemberKind.Data, body), header);
            return SecureCodec.Datagram(TlvType.SecureMemberSealed, header, sealedPlain);
        }

        [Benchmark(Description = "Secure relay: open one MemberSealed Data (1,083 bytes)")]
        public SecureFragment? MemberOpen()
        {
            if (!SecureCodec.TryReadDatagram(memberDatagram, out TlvRecord? record, out _)
                || !SecureCodec.TryParseMemberSealed(record!.Value, out SecureMemberSealed? header, out _))
            {
                return null;
            }

            byte[] value = record.Value;
            if (!crypto.TryOpen(
                memberToRelay,
                SecureKeySchedule.PairwiseNonce(header!.Sequence),
                value,
                SecureCodec.SealedHeaderLength,
                header.SealedLength,
                new ArraySegment<byte>(value, 0, SecureCodec.SealedHeaderLength),
                out byte[]? plain))
            {
                return null;
            }

            return SecureCodec.TryParseMemberPlaintext(plain!, out SecureMemberKind kind, out SecureFragment? fragment, out _, out _) && kind == SecureMemberKind.Data ? fragment : null;
        }

        private static void Check(bool condition, string what)
        {
            if (!condition)
            {
                throw new InvalidOperationException("SecureDatagramBenchmarks setup: " + what + ".");
            }
        }
    }
}
