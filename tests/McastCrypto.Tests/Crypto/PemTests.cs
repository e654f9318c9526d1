using System;
using System.Linq;
using System.Security.Cryptography;
using McastCrypto.Crypto;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    public sealed class PemTests
    {
        /// <summary>A fixed RSA-2048 SubjectPublicKeyInfo (made with openssl).</summary>
        internal const string FixedSpkiBase64 =
            "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4+UjytbAxcEgYXY4Zbz3HkHyKr5skKnLzLgHdJSdXdLW3Re4eFQ1e9kXToegZy0NIq9W4ZFZvYA4E/GIlKxV" +
            "cBHkSC9lnY9aLkU7YDvWrWJlxysWvalyuK6094niY668j5glDaloO5SjpwPjN/YkThAoAyJZdAO1zjkySElNcauEilhPesVwMrRVVgFpgt+tT8xjXwmVysK3Ewx5gTHK" +
            "9gh4x9EcGks1aYY/IrEkoRlwH6enqt5C6/KC5cV4oW8dA0H1VjJy/jzJGvAb5YbP4YQqOUyjBPkI7xeWxhhwkgOTq+iB9QEn12SawIuFtEcIbggsDhYifHgRY5KeiFaF" +
            "PwIDAQAB";

        /// <summary>What Python's cryptography 48 writes for that key (public_bytes(PEM, SubjectPublicKeyInfo)).</summary>
        private const string PythonPem =
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4+UjytbAxcEgYXY4Zbz3\nHkHyKr5skKnLzLgHdJSdXdLW3Re4eFQ1e9kXToegZy0NIq9W4ZFZvYA4E/GIlKxV\n" +
            "cBHkSC9lnY9aLkU7YDvWrWJlxysWvalyuK6094niY668j5glDaloO5SjpwPjN/Yk\nThAoAyJZdAO1zjkySElNcauEilhPesVwMrRVVgFpgt+tT8xjXwmVysK3Ewx5gTHK\n" +
            "9gh4x9EcGks1aYY/IrEkoRlwH6enqt5C6/KC5cV4oW8dA0H1VjJy/jzJGvAb5YbP\n4YQqOUyjBPkI7xeWxhhwkgOTq+iB9QEn12SawIuFtEcIbggsDhYifHgRY5KeiFaF\n" +
            "PwIDAQAB\n-----END PUBLIC KEY-----\n";

        private static byte[] FixedSpki => Convert.FromBase64String(FixedSpkiBase64);

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void ToPemIsWhatPythonCryptographyWrites(string backend)
        {
            Assert.Equal(PythonPem, RsaBackends.ImportPublicKey(backend, FixedSpki).ToPem());
            Assert.Equal(PythonPem, Pem.Encode("PUBLIC KEY", FixedSpki));
        }

        [Theory]
        [MemberData(nameof(RsaBackends.Names), MemberType = typeof(RsaBackends))]
        public void ToPemHasLinesOf64CharactersEachEndingInNewline(string backend)
        {
            RsaPublicKey key = RsaBackends.SharedKey(backend).PublicKey;
            string pem = key.ToPem();
            Assert.DoesNotContain('\r', pem);
            Assert.EndsWith("\n", pem);
            string[] lines = pem.Split('\n');
            Assert.Equal(string.Empty, lines[^1]);
            Assert.Equal("-----BEGIN PUBLIC KEY-----", lines[0]);
            Assert.Equal("-----END PUBLIC KEY-----", lines[^2]);
            string[] body = lines[1..^2];
            Assert.All(body[..^1], line => Assert.Equal(64, line.Length));
            Assert.InRange(body[^1].Length, 1, 64);
            Assert.Equal(key.SubjectPublicKeyInfo, Convert.FromBase64String(string.Concat(body)));
        }

        [Theory]
        [InlineData("lf")]
        [InlineData("crlf")]
        [InlineData("no final newline")]
        [InlineData("crlf, no final newline")]
        [InlineData("surrounding white space")]
        [InlineData("trailing spaces on lines")]
        public void ImportAcceptsTheUsualVariants(string variant)
        {
            string pem = variant switch
            {
                "lf" => PythonPem,
                "crlf" => PythonPem.Replace("\n", "\r\n"),
                "no final newline" => PythonPem.TrimEnd('\n'),
                "crlf, no final newline" => PythonPem.Replace("\n", "\r\n").TrimEnd('\r', '\n'),
                "surrounding white space" => "\r\n \t\n" + PythonPem + "\n\n  \t",
                "trailing spaces on lines" => PythonPem.Replace("\n", " \t\n"),
                _ => throw new ArgumentOutOfRangeException(nameof(variant)),
            };
            RsaPublicKey key = RsaOaep.ImportPublicKeyPem(pem);
            Assert.Equal(FixedSpki, key.SubjectPublicKeyInfo);
            Assert.Equal(PythonPem, key.ToPem());
        }

        [Theory]
        [InlineData("empty", "empty")]
        [InlineData("white space only", "empty")]
        [InlineData("garbage", "not PEM")]
        [InlineData("wrong label", "RSA PUBLIC KEY")]
        [InlineData("private key label", "PRIVATE KEY")]
        [InlineData("footer label differs", "does not end with")]
        [InlineData("no footer", "does not end with")]
        [InlineData("header only", "does not end with")]
        [InlineData("text before", "not PEM")]
        [InlineData("text after", "does not end with")]
        [InlineData("two blocks", "more than one PEM block")]
        [InlineData("bad base64 character", "not base64")]
        [InlineData("bad base64 padding", "not valid base64")]
        [InlineData("pem header line", "not base64")]
        [InlineData("blank line in body", "empty")]
        [InlineData("empty body", "no data")]
        [InlineData("base64 of garbage", "SubjectPublicKeyInfo")]
        [InlineData("too long", "characters long")]
        public void ImportRefusesAnythingElseWithAClearMessage(string variant, string messagePart)
        {
            string body = string.Join("\n", PythonPem.Split('\n')[1..^2]);
            string pem = variant switch
            {
                "empty" => string.Empty,
                "white space only" => " \r\n\t ",
                "garbage" => "hello, world",
                "wrong label" => PythonPem.Replace("PUBLIC KEY", "RSA PUBLIC KEY"),
                "private key label" => PythonPem.Replace("PUBLIC KEY", "PRIVATE KEY"),
                "footer label differs" => PythonPem.Replace("END PUBLIC KEY", "END PRIVATE KEY"),
                "no footer" => "-----BEGIN PUBLIC KEY-----\n" + body + "\n",
                "header only" => "-----BEGIN PUBLIC KEY-----\n",
                "text before" => "my key:\n" + PythonPem,
                "text after" => PythonPem + "thanks\n",
                "two blocks" => PythonPem.Replace("-----END PUBLIC KEY-----\n", string.Empty) + PythonPem,
                "bad base64 character" => PythonPem.Replace("MIIB", "MI*B"),
                "bad base64 padding" => PythonPem.Replace("PwIDAQAB", "PwIDAQA"),
                "pem header line" => "-----BEGIN PUBLIC KEY-----\nProc-Type: 4,ENCRYPTED\n\n" + body + "\n-----END PUBLIC KEY-----\n",
                "blank line in body" => "-----BEGIN PUBLIC KEY-----\n\n" + body + "\n-----END PUBLIC KEY-----\n",
                "empty body" => "-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
                "base64 of garbage" => "-----BEGIN PUBLIC KEY-----\nAAECAwQFBgcICQ==\n-----END PUBLIC KEY-----\n",
                "too long" => PythonPem + new string(' ', 10000),
                _ => throw new ArgumentOutOfRangeException(nameof(variant)),
            };
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKeyPem(pem));
            Assert.Contains(messagePart, ex.Message);
        }

        [Fact]
        public void ImportRefusesAnEcPublicKeyPem()
        {
            using ECDsa ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            string pem = Pem.Encode("PUBLIC KEY", ec.ExportSubjectPublicKeyInfo());
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKeyPem(pem));
            Assert.Contains("not an RSA key", ex.Message);
        }

        [Fact]
        public void ImportRefusesA1024BitKeyPem()
        {
            using RSA small = RSA.Create(1024);
            string pem = Pem.Encode("PUBLIC KEY", small.ExportSubjectPublicKeyInfo());
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKeyPem(pem));
            Assert.Contains("1024-bit", ex.Message);
        }

        [Fact]
        public void ImportRefusesAPkcs1RsaPublicKeyPem()
        {
            using RSA rsa = RSA.Create(2048);
            string pem = Pem.Encode("RSA PUBLIC KEY", rsa.ExportRSAPublicKey());
            Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKeyPem(pem));
        }

        [Fact]
        public void EncodeAndDecodeRoundTripAnyLength()
        {
            var random = new Random(20240601);
            for (int length = 1; length <= 200; length++)
            {
                byte[] der = new byte[length];
                random.NextBytes(der);
                string pem = Pem.Encode("TEST DATA", der);
                Assert.Equal(der, Pem.Decode("TEST DATA", pem));
                Assert.Equal(der, Pem.Decode("TEST DATA", pem.Replace("\n", "\r\n")));
            }
        }

        [Fact]
        public void EncodeChecksItsArguments()
        {
            Assert.Throws<ArgumentNullException>(() => Pem.Encode(null!, new byte[1]));
            Assert.Throws<ArgumentNullException>(() => Pem.Encode("X", null!));
            Assert.Throws<ArgumentException>(() => Pem.Encode("X", Array.Empty<byte>()));
            Assert.Throws<ArgumentException>(() => Pem.Encode(string.Empty, new byte[1]));
            Assert.Throws<ArgumentException>(() => Pem.Encode("-X", new byte[1]));
            Assert.Throws<ArgumentException>(() => Pem.Encode("X\n", new byte[1]));
            Assert.Throws<ArgumentNullException>(() => Pem.Decode("X", null!));
        }

        [Fact]
        public void HostileLabelsAreNotEchoedRaw()
        {
            string pem = "-----BEGIN \u0007\u001b[31m" + new string('A', 500) + "-----\nAAAA\n-----END X-----\n";
            var ex = Assert.Throws<CryptographicException>(() => RsaOaep.ImportPublicKeyPem(pem));
            Assert.DoesNotContain('\u001b', ex.Message);
            Assert.True(ex.Message.Length < 200, ex.Message);
        }

        [Fact]
        public void RandomTextOnlyEverThrowsCryptographicException()
        {
            var random = new Random(7);
            string[] pieces = { "-----BEGIN ", "PUBLIC KEY", "-----", "-----END ", "\n", "\r\n", " ", "=", "MIIB", "AAAA", "\u00e9", "\0", "/+" };
            for (int i = 0; i < 500; i++)
            {
                string text = string.Concat(Enumerable.Range(0, random.Next(0, 30)).Select(_ => pieces[random.Next(pieces.Length)]));
                Exception? ex = Record.Exception(() => RsaOaep.ImportPublicKeyPem(text));
                Assert.IsType<CryptographicException>(ex);
            }

            // Each single-character corruption of a valid PEM.
            for (int i = 0; i < PythonPem.Length; i++)
            {
                char[] chars = PythonPem.ToCharArray();
                chars[i] = (char)random.Next(0, 128);
                string text = new string(chars);
                Exception? ex = Record.Exception(() => RsaOaep.ImportPublicKeyPem(text));
                Assert.True(ex is null || ex is CryptographicException, $"position {i}: {ex}");
            }
        }
    }
}
