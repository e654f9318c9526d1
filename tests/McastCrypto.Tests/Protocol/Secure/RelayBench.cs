using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// A relay with two joined members, a and b, on a fake clock, driven one datagram at a time: the
    /// test plays a member by sealing MemberSealed datagrams of its own making under that member's
    /// keys, hands them to the relay, and reads what the relay sends, opened with b's group key.
    /// Nothing is delivered to the members unless a test asks for it.
    /// </summary>
    internal sealed class RelayBench : IDisposable
    {
        public RelayBench(SecureRelayOptions? options = null)
        {
            Net = new SecureNet(options);
            A = Net.AddMember("a");
            B = Net.AddMember("b");
            Net.JoinAll();
            AId = Convert.ToUInt32(A.Member.Identity!.Id, 16);
            BId = Convert.ToUInt32(B.Member.Identity!.Id, 16);
        }

        public SecureNet Net { get; }

        public SecureRelay Relay => Net.Relay;

        public SecureNet.Node A { get; }

        public SecureNet.Node B { get; }

        public uint AId { get; }

        public uint BId { get; }

        public DateTimeOffset Now => Net.Clock.Now;

        public void Advance(double milliseconds) => Net.Clock.Advance(TimeSpan.FromMilliseconds(milliseconds));

        /// <summary>A MemberSealed of <paramref name="from"/> under its own keys.</summary>
        public byte[] Sealed(SecureNet.Node from, SecureMemberKind kind, byte[] body) => from.Member.SealToRelayForTests(kind, body);

        /// <summary>A member's Data datagram: Q, message id, index, count, content type, and <paramref name="length"/> payload bytes.</summary>
        public byte[] DataDatagram(SecureNet.Node from, ulong q, ulong messageId = 1000, int index = 0, int count = 1, byte contentType = SecureCodec.ContentText, int length = 1)
        {
            var payload = Enumerable.Repeat((byte)'p', length).ToArray();
            return Sealed(from, SecureMemberKind.Data, SecureCodec.MemberDataBody(q, messageId, index, count, contentType, payload, 0, length));
        }

        public byte[] NackDatagram(SecureNet.Node from, params (ulong First, int Length)[] ranges) =>
            Sealed(from, SecureMemberKind.Nack, SecureCodec.NackBody(ranges.Select(r => new SecureSequenceRange(r.First, r.Length)).ToList()));

        /// <summary>Hands one datagram to the relay, then (unless told not to) flushes it, as the runner does when nothing waits.</summary>
        public List<byte[]> Deliver(byte[] datagram, bool flush = true)
        {
            var output = new ProtocolOutput<RelayEvent>();
            Relay.Receive(datagram, SourceOf(datagram), Now, output);
            if (flush)
            {
                Relay.Flush(Now, output);
            }

            Net.RelayEvents.AddRange(output.Events);
            return output.Datagrams;
        }

        public List<byte[]> Data(SecureNet.Node from, ulong q, ulong messageId = 1000, int index = 0, int count = 1, byte contentType = SecureCodec.ContentText, int length = 1, bool flush = true) =>
            Deliver(DataDatagram(from, q, messageId, index, count, contentType, length), flush);

        public List<byte[]> Nack(SecureNet.Node from, params (ulong First, int Length)[] ranges) => Deliver(NackDatagram(from, ranges), flush: false);

        public List<byte[]> Tick()
        {
            var output = new ProtocolOutput<RelayEvent>();
            Relay.Tick(Now, output);
            return output.Datagrams;
        }

        public List<byte[]> Flush()
        {
            var output = new ProtocolOutput<RelayEvent>();
            Relay.Flush(Now, output);
            return output.Datagrams;
        }

        /// <summary>The records of the relay's datagrams, in order, as short texts: "Data a Q0 m1000 0/1", "Ack a 1", "Heartbeat", "Rekey"...</summary>
        public List<string> Records(IEnumerable<byte[]> datagrams)
        {
            var records = new List<string>();
            foreach (byte[] d in datagrams)
            {
                records.AddRange(RecordsOf(d));
            }

            return records;
        }

        public List<string> RecordsOf(byte[] datagram)
        {
            if (SecureWire.Is(datagram, TlvType.SecureRekey))
            {
                return new List<string> { "Rekey" };
            }

            Assert.True(SecureWire.Is(datagram, TlvType.SecureGroupSealed), "a relay datagram that is neither Rekey nor GroupSealed");
            var key = B.Member.CurrentGroupKey!.Value;
            byte[] v = SecureWire.ValueOf(datagram);
            uint epoch = SecureWire.EpochOf(datagram);
            Assert.Equal(key.Epoch, epoch);
            ulong r = SecureWire.SequenceOf(datagram);
            Assert.True(key.Key.TryOpen(SecureKeySchedule.GroupNonce(epoch, r), new ArraySegment<byte>(v, 13, v.Length - 13 - 64), new ArraySegment<byte>(v, 0, 13), out byte[]? plain));
            var records = new List<string>();
            int offset = 0;
            string? reason;
            while (SecureCodec.TryReadGroupRecord(plain!, ref offset, out SecureGroupKind kind, out int at, out int length, out reason))
            {
                switch (kind)
                {
                    case SecureGroupKind.Data:
                        Assert.True(SecureCodec.TryParseDataRecord(plain!, at, length, out SecureFragment? f, out _));
                        records.Add(string.Format(CultureInfo.InvariantCulture, "Data {0} Q{1} m{2} {3}/{4}", Name(f!.SenderId), f.Sequence, f.MessageId, f.Index, f.Count));
                        break;
                    case SecureGroupKind.Ack:
                        Assert.True(SecureCodec.TryParseAck(plain!, at, length, out uint member, out ulong next, out _));
                        records.Add(string.Format(CultureInfo.InvariantCulture, "Ack {0} {1}", Name(member), next));
                        break;
                    case SecureGroupKind.Refused:
                        Assert.True(SecureCodec.TryParseRefused(plain!, at, length, out uint refused, out ulong message, out SecureRefusedReason why, out _));
                        records.Add(string.Format(CultureInfo.InvariantCulture, "Refused {0} m{1} {2}", Name(refused), message, why));
                        break;
                    case SecureGroupKind.Unavailable:
                        Assert.True(SecureCodec.TryParseUnavailable(plain!, at, length, out SecureSequenceRange range, out _));
                        records.Add("Unavailable " + range);
                        break;
                    default:
                        records.Add(kind.ToString());
                        break;
                }
            }

            Assert.Null(reason);
            return records;
        }

        public void Dispose() => Net.Dispose();

        private string Name(uint id) => id == AId ? "a" : id == BId ? "b" : SecureCodec.FormatMemberId(id);

        private System.Net.IPEndPoint SourceOf(byte[] datagram)
        {
            uint id = SecureWire.MemberIdOf(datagram);
            return id == BId ? B.Member.Self : A.Member.Self;
        }
    }
}
