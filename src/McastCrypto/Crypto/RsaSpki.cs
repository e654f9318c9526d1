using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.X509;
using BigInteger = Org.BouncyCastle.Math.BigInteger;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// An RSA public key read from, and checked as, a DER SubjectPublicKeyInfo. Both backends go
    /// through here, so they accept and refuse exactly the same keys. Accepted: rsaEncryption with
    /// NULL parameters, a modulus of <see cref="RsaOaep.MinKeySizeBits"/> to
    /// <see cref="RsaOaep.MaxKeySizeBits"/> bits that BouncyCastle finds plausible (odd, no small
    /// factor, composite), an odd public exponent from 3 to 2^32 - 1, all in canonical DER with
    /// nothing after it. Canonical DER makes the fingerprint, a hash of these bytes, one per key.
    /// </summary>
    internal sealed class RsaSpki
    {
        /// <summary>Far above the 550 or so bytes of an RSA-4096 SPKI; bounds the work on hostile input.</summary>
        internal const int MaxEncodedLength = 2048;

        private const int MaxExponentBits = 32;

        private RsaSpki(RsaKeyParameters key, byte[] der)
        {
            Key = key;
            Der = der;
            KeySizeBytes = (key.Modulus.BitLength + 7) / 8;
        }

        /// <summary>The public key, as BouncyCastle parameters.</summary>
        internal RsaKeyParameters Key { get; }

        /// <summary>The canonical DER SubjectPublicKeyInfo; owned by this object, hand out copies only.</summary>
        internal byte[] Der { get; }

        /// <summary>The length of the modulus in bytes.</summary>
        internal int KeySizeBytes { get; }

        /// <summary>The modulus as unsigned big-endian bytes, <see cref="KeySizeBytes"/> long.</summary>
        internal byte[] ModulusBytes => Key.Modulus.ToByteArrayUnsigned();

        /// <summary>The public exponent as unsigned big-endian bytes, without leading zeros.</summary>
        internal byte[] ExponentBytes => Key.Exponent.ToByteArrayUnsigned();

        /// <summary>Checks the public half of a key pair this process holds (generated or imported).</summary>
        internal static RsaSpki FromPublicKey(BigInteger modulus, BigInteger exponent)
        {
            byte[] der = SubjectPublicKeyInfoFactory
                .CreateSubjectPublicKeyInfo(new RsaKeyParameters(false, modulus, exponent))
                .GetDerEncoded();
            return Parse(der);
        }

        /// <summary>
        /// Reads and checks a DER SubjectPublicKeyInfo. Throws <see cref="CryptographicException"/>
        /// saying what is wrong for any input that is not an acceptable RSA public key, and nothing
        /// else (but <see cref="ArgumentNullException"/> for null).
        /// </summary>
        internal static RsaSpki Parse(byte[] subjectPublicKeyInfo)
        {
            if (subjectPublicKeyInfo is null)
            {
                throw new ArgumentNullException(nameof(subjectPublicKeyInfo));
            }

            if (subjectPublicKeyInfo.Length == 0)
            {
                throw Fail("The public key is empty.");
            }

            if (subjectPublicKeyInfo.Length > MaxEncodedLength)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The public key is {0} bytes long; an RSA SubjectPublicKeyInfo of at most {1} bits has well under {2}.",
                    subjectPublicKeyInfo.Length,
                    RsaOaep.MaxKeySizeBits,
                    MaxEncodedLength));
            }

            try
            {
                return ParseUnchecked(subjectPublicKeyInfo);
            }
            catch (CryptographicException)
            {
                throw;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                // BouncyCastle reports malformed ASN.1 with IOException, ArgumentException,
                // InvalidCastException and others: callers handling network input catch one type.
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The public key is not a DER SubjectPublicKeyInfo: {0}", ex.Message),
                    ex);
            }
        }

        private static RsaSpki ParseUnchecked(byte[] der)
        {
            Asn1Object outer;
            long consumed;
            using (var stream = new MemoryStream(der, false))
            using (var asn1 = new Asn1InputStream(stream, der.Length, leaveOpen: true))
            {
                outer = asn1.ReadObject();
                consumed = stream.Position;
            }

            if (outer is null)
            {
                throw Fail("The public key is not a DER SubjectPublicKeyInfo: no ASN.1 object was found.");
            }

            if (consumed != der.Length)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The public key has {0} trailing bytes after the SubjectPublicKeyInfo.",
                    der.Length - consumed));
            }

            SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.GetInstance(outer);
            DerObjectIdentifier algorithm = spki.Algorithm.Algorithm;
            if (!algorithm.Equals(PkcsObjectIdentifiers.RsaEncryption))
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The public key is not an RSA key: its algorithm is {0}{1}, not rsaEncryption ({2}).",
                    algorithm.Id,
                    AlgorithmName(algorithm.Id),
                    PkcsObjectIdentifiers.RsaEncryption.Id));
            }

            if (!(spki.Algorithm.Parameters is DerNull))
            {
                throw Fail("The RSA public key's algorithm parameters are not NULL, as RFC 3279 requires.");
            }

            RsaPublicKeyStructure rsa = RsaPublicKeyStructure.GetInstance(spki.ParsePublicKey());
            BigInteger modulus = rsa.Modulus;
            BigInteger exponent = rsa.PublicExponent;
            int bits = modulus.BitLength;
            if (bits < RsaOaep.MinKeySizeBits || bits > RsaOaep.MaxKeySizeBits)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The RSA public key has a {0}-bit modulus; {1} to {2} bits are accepted.",
                    bits,
                    RsaOaep.MinKeySizeBits,
                    RsaOaep.MaxKeySizeBits));
            }

            if (!exponent.TestBit(0) || exponent.BitLength < 2 || exponent.BitLength > MaxExponentBits)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The RSA public exponent is not acceptable: it must be odd, at least 3 and at most {0} bits long.",
                    MaxExponentBits));
            }

            RsaKeyParameters key;
            try
            {
                key = new RsaKeyParameters(false, modulus, exponent);
            }
            catch (ArgumentException ex)
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The RSA public key is not valid: {0}", ex.Message),
                    ex);
            }

            byte[] canonical = SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(key).GetDerEncoded();
            if (!Equal(canonical, der))
            {
                throw Fail("The RSA public key is not in canonical DER form (a non-minimal length or integer, or a negative number).");
            }

            return new RsaSpki(key, canonical);
        }

        private static string AlgorithmName(string oid)
        {
            switch (oid)
            {
                case "1.2.840.10045.2.1":
                    return " (id-ecPublicKey)";
                case "1.2.840.113549.1.1.10":
                    return " (RSASSA-PSS, whose keys may not be used for encryption)";
                case "1.3.101.112":
                    return " (Ed25519)";
                case "1.3.101.110":
                    return " (X25519)";
                case "1.2.840.10040.4.1":
                    return " (DSA)";
                default:
                    return string.Empty;
            }
        }

        private static bool Equal(byte[] a, byte[] b)
        {
            if (a.Length != b.Length)
            {
                return false;
            }

            for (int i = 0; i < a.Length; i++)
            {
                if (a[i] != b[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static CryptographicException Fail(string message) => new CryptographicException(message);
    }
}
