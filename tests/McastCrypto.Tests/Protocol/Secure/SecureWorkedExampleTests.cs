using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using McastCrypto.Crypto;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Tests.Crypto;
using McastCrypto.Tlv;
using Xunit;

namespace McastCrypto.Tests.Protocol.Secure
{
    /// <summary>
    /// The worked example of docs/protocol.md ("Secure", "Worked example"): one handshake and one
    /// message, made by SecureMember and SecureRelay from fixed keys and fixed random bytes, with
    /// deterministic signatures (RFC 6979) so every byte is reproducible. One test checks that the
    /// page shows exactly these bytes; another recomputes them from the page's rules with the
    /// primitives alone, without the protocol's code.
    /// </summary>
    public class SecureWorkedExampleTests
    {
        /// <summary>Set to a file path to have the test write the blocks it expects on the page there.</summary>
        private const string WriteVariable = "MCAST_SECURE_EXAMPLE_OUT";

        private static readonly Lazy<Example> Run = new Lazy<Example>(() => new Example());

        [Fact]
        public void ThePageShowsTheBytesTheCodeMakes()
        {
            Example example = Run.Value;
            List<string> blocks = example.Blocks();
            string? outPath = Environment.GetEnvironmentVariable(WriteVariable);
            if (!string.IsNullOrEmpty(outPath))
            {
                File.WriteAllText(outPath, string.Join("\n\n", blocks) + "\n");
            }

            string page = File.ReadAllText(Path.Combine(TestVectorFiles.RepositoryRoot(), "docs", "protocol.md")).Replace("\r\n", "\n");
            string section = page.Substring(page.IndexOf("\n## Secure\n", StringComparison.Ordinal) + 1);
            foreach (string block in blocks)
            {
                Assert.True(section.Contains(block, StringComparison.Ordinal), "docs/protocol.md, Secure, lacks this block (set " + WriteVariable + " to write them all):\n" + block);
            }
        }

        [Fact]
        public void TheExampleFollowsThePagesRulesRecomputedWithThePrimitivesAlone()
        {
            Example x = Run.Value;
            Assert.Equal(MemberState.Connected, x.MemberState);
            byte[] gp = { 224, 1, 1, 1, 0x13, 0x8f };
            byte[] hello = Value(x.Hello);
            byte[] welcome = Value(x.Welcome);

            // Hello: layout and the member's signature over "mcast-secure-v1 hello" ‖ G ‖ P ‖ value[0 .. 148+n).
            var memberKey = EcdsaP256PublicKey.Import(hello.Skip(66).Take(65).ToArray());
            Assert.Equal(x.MemberIdentity.PublicKey.Point, memberKey.Point);
            Assert.Equal(x.MemberEphemeral, hello.Skip(1).Take(65).ToArray());
            Assert.Equal(Example.Nm, hello.Skip(131).Take(16).ToArray());
            Assert.Equal(3, hello[147]);
            Assert.Equal("ada", Encoding.UTF8.GetString(hello, 148, 3));
            int signed = 148 + 3;
            Assert.True(memberKey.Verify(Concat(Ascii("mcast-secure-v1 hello"), gp, hello.Take(signed).ToArray()), hello.Skip(signed).ToArray()));

            // Welcome, TH, the relay's signature over "mcast-secure-v1 welcome" ‖ TH.
            Assert.Equal(Example.Nm, welcome.Skip(1).Take(16).ToArray());
            Assert.Equal(0, welcome[17]);
            var relayKey = EcdsaP256PublicKey.Import(welcome.Skip(18).Take(65).ToArray());
            Assert.Equal(Example.Nr, welcome.Skip(148).Take(16).ToArray());
            Assert.Equal(Example.MemberIdBytes, welcome.Skip(164).Take(4).ToArray());
            Assert.Equal(new byte[] { 0x05, 0x78 }, welcome.Skip(168).Take(2).ToArray());
            byte[] th = Sha256(Concat(Ascii("mcast-secure-v1 transcript"), gp, hello, welcome.Take(170).ToArray()));
            Assert.Equal(x.TranscriptHash, th);
            Assert.True(relayKey.Verify(Concat(Ascii("mcast-secure-v1 welcome"), th), welcome.Skip(170).ToArray()));

            // Z, and the keys: HKDF-Extract(salt TH, IKM Z), then Expand with each label.
            byte[] z;
            using (EcdhP256 relayEphemeral = EcdhP256.ImportPrivateKey(Example.RelayEphemeralScalar))
            {
                Assert.Equal(relayEphemeral.PublicKey, welcome.Skip(83).Take(65).ToArray());
                z = relayEphemeral.DeriveSharedSecret(hello.Skip(1).Take(65).ToArray());
            }

            Assert.Equal(x.SharedSecret, z);
            byte[] prk = HkdfSha256.Extract(th, z);
            byte[] m2r = HkdfSha256.Expand(prk, Ascii("mcast-secure-v1 m2r"), 32);
            byte[] r2m = HkdfSha256.Expand(prk, Ascii("mcast-secure-v1 r2m"), 32);
            Assert.Equal(x.MemberToRelay, m2r);
            Assert.Equal(x.RelayToMember, r2m);

            // The Join: nonce 0^4 ‖ S, associated data the 13-byte header, plaintext the kind 01.
            byte[] join = Value(x.Join);
            Assert.Equal(Concat(new byte[] { 1 }, Example.MemberIdBytes, new byte[8]), join.Take(13).ToArray());
            Assert.Equal(new byte[] { 1 }, Open(m2r, new byte[12], join, 13, join.Length - 13, join.Take(13).ToArray()));

            // The Rekey entry: Kr2m, nonce 0^4 ‖ T, associated data E' ‖ member id, the group key inside; the relay's signature.
            byte[] rekey = Value(x.Rekey);
            Assert.Equal(1, rekey[13]);
            Assert.Equal(Example.MemberIdBytes, rekey.Skip(14).Take(4).ToArray());
            Assert.Equal(Example.GroupKey, Open(r2m, new byte[12], rekey, 26, 48, Concat(new byte[] { 0, 0, 0, 1 }, Example.MemberIdBytes)));
            Assert.True(relayKey.Verify(Concat(Ascii("mcast-secure-v1 rekey"), gp, rekey.Take(rekey.Length - 64).ToArray()), rekey.Skip(rekey.Length - 64).ToArray()));

            // The message: the member's Data (S = 1), and the relay's GroupSealed (E = 1, R = 2) with the Data record.
            byte[] data = Value(x.Data);
            byte[] nonce1 = new byte[12];
            nonce1[11] = 1;
            byte[] plain = Open(m2r, nonce1, data, 13, data.Length - 13, data.Take(13).ToArray());
            // Data: Q = 0 (its first fragment), the message id, index 0, count 1 (u32 each), content type 01 (text).
            byte[] position = { 0, 0, 0, 0, 0, 0, 0, 1, 1 };
            Assert.Equal(Concat(new byte[] { 4 }, new byte[8], Example.MessageId, position, Encoding.UTF8.GetBytes(Example.Text)), plain);

            byte[] group = Value(x.GroupData);
            byte[] groupNonce = { 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 };
            Assert.Equal(groupNonce.Take(4).Concat(groupNonce.Skip(4)), group.Skip(1).Take(12));
            byte[] records = Open(Example.GroupKey, groupNonce, group, 13, group.Length - 13 - 64, group.Take(13).ToArray());
            byte[] body = Concat(Example.MemberIdBytes, new byte[8], Example.MessageId, position, Encoding.UTF8.GetBytes(Example.Text));
            // The Data record, then the Ack record that says the relay holds the member's fragments below Q = 1.
            byte[] ack = Concat(new byte[] { 6, 0, 12 }, Example.MemberIdBytes, new byte[] { 0, 0, 0, 0, 0, 0, 0, 1 });
            Assert.Equal(Concat(new byte[] { 1, 0, (byte)body.Length }, body, ack), records);
            Assert.True(relayKey.Verify(Concat(Ascii("mcast-secure-v1 group"), gp, group.Take(group.Length - 64).ToArray()), group.Skip(group.Length - 64).ToArray()));
        }

        private static byte[] Value(byte[] datagram) => datagram.Skip(4).ToArray();

        private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

        private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

        private static byte[] Sha256(byte[] data)
        {
            using SHA256 sha = SHA256.Create();
            return sha.ComputeHash(data);
        }

        private static byte[] Open(byte[] key, byte[] nonce, byte[] buffer, int offset, int count, byte[] aad)
        {
            using AesGcm256 aead = AesGcm256.Create(key);
            Assert.True(aead.TryOpen(nonce, new ArraySegment<byte>(buffer, offset, count), new ArraySegment<byte>(aad), out byte[]? plain));
            return plain!;
        }

        /// <summary>The example, run once: every datagram and derived value, made by the protocol's own classes.</summary>
        private sealed class Example
        {
            public const string Text = "Ciao, mondo!";

            public static readonly byte[] MemberIdentityScalar = Hex.Decode("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
            public static readonly byte[] RelayIdentityScalar = Hex.Decode("7d7dc5f71eb29ddaf80d6214632eeae03d9058af1fb6d22ed80badb62bc1a534");
            public static readonly byte[] MemberEphemeralScalar = Hex.Decode("38f65d6dce47676044d58ce5139582d568f64bb16098d179dbab07741dd5caf5");
            public static readonly byte[] RelayEphemeralScalar = Hex.Decode("1bd6c3b4d4e1a7b59aa5dcdc3f5c0c1b55a9b4c2d3e6f708192a3b4c5d6e7f80");
            public static readonly byte[] Nm = Enumerable.Range(0x00, 16).Select(i => (byte)i).ToArray();
            public static readonly byte[] Nr = Enumerable.Range(0x10, 16).Select(i => (byte)i).ToArray();
            public static readonly byte[] MemberIdBytes = { 0x1a, 0x2b, 0x3c, 0x4d };
            public static readonly byte[] GroupKey = Enumerable.Range(0x20, 32).Select(i => (byte)i).ToArray();
            public static readonly byte[] MessageId = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

            public Example()
            {
                var group = IPAddress.Parse("224.1.1.1");
                MemberIdentity = BouncyCastleEcdsaP256PrivateKey.FromScalar(P256.ReadScalar(MemberIdentityScalar));
                RelayIdentity = BouncyCastleEcdsaP256PrivateKey.FromScalar(P256.ReadScalar(RelayIdentityScalar));
                string relayFingerprint = RelayIdentity.PublicKey.Fingerprint;
                using (EcdhP256 e = EcdhP256.ImportPrivateKey(MemberEphemeralScalar))
                {
                    MemberEphemeral = e.PublicKey;
                }

                using var relay = new SecureRelay(
                    new IPEndPoint(IPAddress.Parse("192.168.1.10"), 40000),
                    RelayIdentity,
                    new SecureRelayOptions { Group = group, Port = 5007, Random = Draws(MemberIdBytes, RelayEphemeralScalar, Nr, GroupKey) });
                using var member = new SecureMember(
                    new IPEndPoint(IPAddress.Parse("192.168.1.23"), 51000),
                    MemberIdentity,
                    new SecureMemberOptions { Group = group, Port = 5007, DisplayName = "ada", RelayTrust = new PinnedRelayTrust(relayFingerprint), Random = Draws(MemberEphemeralScalar, Nm, MessageId) });
                DateTimeOffset now = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

                var m = new ProtocolOutput<MemberEvent>();
                member.Start(now, m);
                Hello = Assert.Single(m.Datagrams);

                var r = new ProtocolOutput<RelayEvent>();
                relay.Receive(Hello, member.Self, now, r);
                Welcome = Assert.Single(r.Datagrams);

                m = new ProtocolOutput<MemberEvent>();
                member.Receive(Welcome, relay.Self, now, m);
                Join = Assert.Single(m.Datagrams);

                r = new ProtocolOutput<RelayEvent>();
                relay.Receive(Join, member.Self, now, r);
                relay.Flush(now, r);
                Assert.Equal(2, r.Datagrams.Count);
                Rekey = r.Datagrams[0];
                GroupJoined = r.Datagrams[1];

                m = new ProtocolOutput<MemberEvent>();
                member.Receive(Rekey, relay.Self, now, m);
                member.Receive(GroupJoined, relay.Self, now, m);
                MemberState = member.State;

                m = new ProtocolOutput<MemberEvent>();
                member.Send(Text, now, m);
                Data = Assert.Single(m.Datagrams);

                r = new ProtocolOutput<RelayEvent>();
                relay.Receive(Data, member.Self, now, r);
                relay.Flush(now, r);
                GroupData = Assert.Single(r.Datagrams);

                // Derived values, by the key schedule, for the page.
                byte[] gp = SecureKeySchedule.GroupAndPort(group, 5007);
                TranscriptHash = SecureKeySchedule.TranscriptHash(gp, Value(Hello), Value(Welcome));
                using (EcdhP256 e = EcdhP256.ImportPrivateKey(MemberEphemeralScalar))
                {
                    SharedSecret = e.DeriveSharedSecret(Value(Welcome).Skip(83).Take(65).ToArray());
                }

                SecureKeySchedule.DeriveKeys(SharedSecret, TranscriptHash, out byte[] m2r, out byte[] r2m);
                MemberToRelay = m2r;
                RelayToMember = r2m;
            }

            public EcdsaP256PrivateKey MemberIdentity { get; }

            public EcdsaP256PrivateKey RelayIdentity { get; }

            public byte[] MemberEphemeral { get; }

            public byte[] Hello { get; }

            public byte[] Welcome { get; }

            public byte[] Join { get; }

            public byte[] Rekey { get; }

            public byte[] GroupJoined { get; }

            public byte[] Data { get; }

            public byte[] GroupData { get; }

            public byte[] TranscriptHash { get; }

            public byte[] SharedSecret { get; }

            public byte[] MemberToRelay { get; }

            public byte[] RelayToMember { get; }

            public MemberState MemberState { get; }

            /// <summary>The blocks the page shows, in order.</summary>
            public List<string> Blocks()
            {
                byte[] gp = { 224, 1, 1, 1, 0x13, 0x8f };
                var blocks = new List<string>
                {
                    Block(
                        "inputs",
                        Line("group, port", "224.1.1.1:5007"),
                        Line("G ‖ P", gp),
                        Line("relay identity d", Hex.Encode(RelayIdentityScalar)),
                        Line("relay identity Ir", RelayIdentity.PublicKey.Point),
                        Line("relay fingerprint", RelayIdentity.PublicKey.Fingerprint),
                        Line("member identity d", Hex.Encode(MemberIdentityScalar)),
                        Line("member identity Im", MemberIdentity.PublicKey.Point),
                        Line("member fingerprint", MemberIdentity.PublicKey.Fingerprint),
                        Line("member ephemeral d", Hex.Encode(MemberEphemeralScalar)),
                        Line("relay ephemeral d", Hex.Encode(RelayEphemeralScalar)),
                        Line("Nm", Nm),
                        Line("Nr", Nr),
                        Line("member id M", MemberIdBytes),
                        Line("group key, epoch 1", GroupKey),
                        Line("message id", MessageId)),
                    Fields("Hello", Hello, ("version", 1), ("Em", 65), ("Im", 65), ("Nm", 16), ("n = 3", 1), ("name \"ada\"", 3), ("Sm", 64)),
                    Fields("Welcome", Welcome, ("version", 1), ("Nm", 16), ("status 0", 1), ("Ir", 65), ("Er", 65), ("Nr", 16), ("M", 4), ("D = 1400", 2), ("Sr", 64)),
                    Block(
                        "keys",
                        Line("TH", TranscriptHash),
                        Line("Z", SharedSecret),
                        Line("PRK", HkdfSha256.Extract(TranscriptHash, SharedSecret)),
                        Line("Km2r", MemberToRelay),
                        Line("Kr2m", RelayToMember)),
                    Block(
                        "nonces, associated data and plaintexts",
                        Line("Join nonce", SecureKeySchedule.PairwiseNonce(0)),
                        Line("Join aad", Value(Join).Take(13).ToArray()),
                        Line("Join plaintext", new byte[] { 1 }),
                        Line("Rekey entry nonce", SecureKeySchedule.PairwiseNonce(0)),
                        Line("Rekey entry aad", SecureKeySchedule.RekeyEntryAad(1, 0x1a2b3c4d)),
                        Line("R=1 nonce", SecureKeySchedule.GroupNonce(1, 1)),
                        Line("R=1 plaintext", OpenGroup(GroupJoined, 1)),
                        Line("Data nonce", SecureKeySchedule.PairwiseNonce(1)),
                        Line("Data plaintext", SecureCodec.MemberPlaintext(SecureMemberKind.Data, SecureCodec.MemberDataBody(0, 0x1122334455667788, 0, 1, 1, Encoding.UTF8.GetBytes(Text), 0, Encoding.UTF8.GetByteCount(Text)))),
                        Line("R=2 nonce", SecureKeySchedule.GroupNonce(1, 2)),
                        Line("R=2 plaintext", OpenGroup(GroupData, 2))),
                    Fields("Join, MemberSealed", Join, ("version", 1), ("M", 4), ("S = 0", 8), ("sealed kind 01", 1), ("tag", 16)),
                    Fields("Rekey", Rekey, ("version", 1), ("E' = 1", 4), ("R = 0", 8), ("c = 1", 1), ("entry: M", 4), ("entry: T = 0", 8), ("entry: sealed key", 32), ("entry: tag", 16), ("signature", 64)),
                    Fields("GroupSealed, Joined and Roster", GroupJoined, ("version", 1), ("E = 1", 4), ("R = 1", 8), ("sealed records", GroupJoined.Length - 4 - 13 - 16 - 64), ("tag", 16), ("signature", 64)),
                    Fields("Data, MemberSealed", Data, ("version", 1), ("M", 4), ("S = 1", 8), ("sealed plaintext", Data.Length - 4 - 13 - 16), ("tag", 16)),
                    Fields("GroupSealed, the Data and Ack records", GroupData, ("version", 1), ("E = 1", 4), ("R = 2", 8), ("sealed records", GroupData.Length - 4 - 13 - 16 - 64), ("tag", 16), ("signature", 64)),
                };
                return blocks;
            }

            private static byte[] OpenGroup(byte[] datagram, ulong sequence)
            {
                byte[] v = Value(datagram);
                using AesGcm256 aead = AesGcm256.Create(GroupKey);
                Assert.True(aead.TryOpen(SecureKeySchedule.GroupNonce(1, sequence), new ArraySegment<byte>(v, 13, v.Length - 13 - 64), new ArraySegment<byte>(v, 0, 13), out byte[]? plain));
                return plain!;
            }

            private static Func<int, byte[]> Draws(params byte[][] draws)
            {
                var queue = new Queue<byte[]>(draws);
                return count =>
                {
                    Assert.True(queue.Count > 0, "the example drew more random bytes than it was given");
                    byte[] next = queue.Dequeue();
                    Assert.Equal(next.Length, count);
                    return (byte[])next.Clone();
                };
            }

            private static string Line(string name, byte[] bytes) => Line(name, Hex.Encode(bytes));

            /// <summary>A named value; hex longer than 64 digits goes on as many lines as it needs, under itself.</summary>
            private static string Line(string name, string text)
            {
                var lines = new List<string>();
                for (int i = 0; i < text.Length; i += 64)
                {
                    lines.Add((i == 0 ? name : string.Empty).PadRight(20) + text.Substring(i, Math.Min(64, text.Length - i)));
                }

                return string.Join("\n", lines);
            }

            private static string Block(string title, params string[] lines) =>
                "```text\n" + title + "\n" + string.Join("\n", lines) + "\n```";

            /// <summary>A datagram field by field (TLV header first), 16 bytes a line, then the whole datagram as one hex string.</summary>
            private static string Fields(string title, byte[] datagram, params (string Name, int Length)[] fields)
            {
                var lines = new List<string>
                {
                    string.Format(CultureInfo.InvariantCulture, "{0} ({1} bytes)", title, datagram.Length),
                    "offset  field                 bytes",
                };
                int type = (datagram[0] << 8) | datagram[1];
                int length = (datagram[2] << 8) | datagram[3];
                lines.Add(Row(0, string.Format(CultureInfo.InvariantCulture, "type 0x{0:x4}", type), datagram, 0, 2));
                lines.Add(Row(2, string.Format(CultureInfo.InvariantCulture, "length {0}", length), datagram, 2, 2));
                int at = 4;
                foreach (var (name, count) in fields)
                {
                    lines.Add(Row(at, name, datagram, at, count));
                    at += count;
                }

                Assert.Equal(datagram.Length, at);
                lines.Add(string.Empty);
                lines.Add("whole datagram:");
                for (int i = 0; i < datagram.Length; i += 32)
                {
                    lines.Add(Hex.Encode(datagram, i, Math.Min(32, datagram.Length - i)));
                }

                return "```text\n" + string.Join("\n", lines) + "\n```";
            }

            private static string Row(int offset, string name, byte[] bytes, int at, int count)
            {
                var text = new StringBuilder();
                for (int i = 0; i < count; i += 16)
                {
                    string hex = string.Join(" ", Enumerable.Range(at + i, Math.Min(16, count - i)).Select(j => bytes[j].ToString("x2", CultureInfo.InvariantCulture)));
                    if (i == 0)
                    {
                        text.Append(offset.ToString(CultureInfo.InvariantCulture).PadRight(8)).Append(name.PadRight(22)).Append(hex);
                    }
                    else
                    {
                        text.Append('\n').Append(new string(' ', 30)).Append(hex);
                    }
                }

                return text.ToString();
            }
        }
    }
}
