using System;
using System.Globalization;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Multiplier;
using BigInteger = Org.BouncyCastle.Math.BigInteger;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// The NIST P-256 curve (secp256r1, prime256v1) as the seam uses it: the encodings of its
    /// points, keys and scalars, and their checks. Both backends of every P-256 type go through
    /// here, so they accept and refuse exactly the same points and keys (as RsaSpki does for RSA).
    /// </summary>
    internal static class P256
    {
        /// <summary>The length of a field element, a coordinate or a scalar in bytes.</summary>
        internal const int FieldSize = 32;

        /// <summary>The length of an uncompressed SEC1 point: 0x04 || X || Y.</summary>
        internal const int PointSize = 1 + (2 * FieldSize);

        /// <summary>The first byte of an uncompressed SEC1 point.</summary>
        internal const byte UncompressedTag = 0x04;

        /// <summary>The only length of a canonical DER SubjectPublicKeyInfo of a P-256 key with an uncompressed point.</summary>
        internal const int SpkiSize = 91;

        /// <summary>The OID of the curve, prime256v1.</summary>
        internal const string CurveOid = "1.2.840.10045.3.1.7";

        /// <summary>The curve, with its name, so that BouncyCastle writes the named-curve OID in the keys it encodes.</summary>
        internal static readonly ECNamedDomainParameters Domain = ECNamedDomainParameters.LookupOid(SecObjectIdentifiers.SecP256r1);

        /// <summary>
        /// The 26 bytes before the point in every canonical SubjectPublicKeyInfo of a P-256 key:
        /// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (no unused bits) }.
        /// </summary>
        private static readonly byte[] SpkiPrefix =
        {
            0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01,
            0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
        };

        /// <summary>The field prime p; a coordinate must be below it.</summary>
        private static readonly BigInteger Prime = Domain.Curve.Field.Characteristic;

        /// <summary>
        /// Reads and checks an uncompressed SEC1 point: 65 bytes, 0x04 first, both coordinates
        /// below p, on the curve. (The point at infinity has no such encoding, and the cofactor is
        /// 1, so every point on the curve is in the group of order n.)
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="point"/> is null.</exception>
        /// <exception cref="CryptographicException">The bytes are not such a point; the message says why.</exception>
        internal static ECPoint DecodePoint(byte[] point)
        {
            if (point is null)
            {
                throw new ArgumentNullException(nameof(point));
            }

            if (point.Length != PointSize)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The P-256 public key is {0} bytes long; an uncompressed point (0x04 || X || Y) is {1}.",
                    point.Length,
                    PointSize));
            }

            if (point[0] != UncompressedTag)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The P-256 public key starts with 0x{0:X2}; an uncompressed point starts with 0x04.",
                    point[0]));
            }

            var x = new BigInteger(1, point, 1, FieldSize);
            var y = new BigInteger(1, point, 1 + FieldSize, FieldSize);
            if (x.CompareTo(Prime) >= 0 || y.CompareTo(Prime) >= 0)
            {
                throw Fail("A coordinate of the P-256 public key is not below the field prime.");
            }

            ECPoint q;
            try
            {
                q = Domain.Curve.ValidatePoint(x, y);
            }
            catch (ArgumentException ex)
            {
                throw new CryptographicException("The P-256 public key is not a point on the curve.", ex);
            }

            // Belt and braces: ValidatePoint has checked the curve equation; this also refuses
            // infinity, which the encoding above cannot express.
            return Domain.ValidatePublicPoint(q);
        }

        /// <summary>The uncompressed SEC1 encoding of a point known to be valid.</summary>
        internal static byte[] EncodePoint(ECPoint q) => q.Normalize().GetEncoded(false);

        /// <summary>The uncompressed point from the X and Y coordinates the platform gives (each 32 bytes, big-endian).</summary>
        internal static byte[] PointFromCoordinates(byte[] x, byte[] y)
        {
            if (x is null || y is null || x.Length != FieldSize || y.Length != FieldSize)
            {
                throw Fail("The platform returned P-256 coordinates of an unexpected length.");
            }

            byte[] point = new byte[PointSize];
            point[0] = UncompressedTag;
            Buffer.BlockCopy(x, 0, point, 1, FieldSize);
            Buffer.BlockCopy(y, 0, point, 1 + FieldSize, FieldSize);
            return point;
        }

        /// <summary>The X coordinate of an uncompressed point.</summary>
        internal static byte[] CoordinateX(byte[] point) => Slice(point, 1, FieldSize);

        /// <summary>The Y coordinate of an uncompressed point.</summary>
        internal static byte[] CoordinateY(byte[] point) => Slice(point, 1 + FieldSize, FieldSize);

        /// <summary>The canonical DER SubjectPublicKeyInfo of a valid uncompressed point (91 bytes).</summary>
        internal static byte[] EncodeSubjectPublicKeyInfo(byte[] point)
        {
            byte[] der = new byte[SpkiSize];
            Buffer.BlockCopy(SpkiPrefix, 0, der, 0, SpkiPrefix.Length);
            Buffer.BlockCopy(point, 0, der, SpkiPrefix.Length, PointSize);
            return der;
        }

        /// <summary>
        /// Reads the point from a DER SubjectPublicKeyInfo and checks it. Accepted: exactly the
        /// canonical form (id-ecPublicKey, the named curve prime256v1, an uncompressed point, DER,
        /// nothing after it), so the fingerprint, a hash of these bytes, is one per key. For
        /// anything else the message says what is wrong.
        /// </summary>
        /// <returns>The uncompressed point (65 bytes), checked as <see cref="DecodePoint"/> does.</returns>
        /// <exception cref="ArgumentNullException"><paramref name="subjectPublicKeyInfo"/> is null.</exception>
        /// <exception cref="CryptographicException">The bytes are not such a key.</exception>
        internal static byte[] ReadSubjectPublicKeyInfo(byte[] subjectPublicKeyInfo)
        {
            if (subjectPublicKeyInfo is null)
            {
                throw new ArgumentNullException(nameof(subjectPublicKeyInfo));
            }

            if (subjectPublicKeyInfo.Length != SpkiSize || !StartsWith(subjectPublicKeyInfo, SpkiPrefix))
            {
                throw Fail("The public key is not a P-256 key: " + DescribeSpki(subjectPublicKeyInfo));
            }

            byte[] point = Slice(subjectPublicKeyInfo, SpkiPrefix.Length, PointSize);
            DecodePoint(point);
            return point;
        }

        /// <summary>
        /// Reads a private scalar from big-endian bytes (leading zeros allowed, at most 32
        /// significant bytes) and checks 1 &lt;= d &lt; n.
        /// </summary>
        /// <exception cref="CryptographicException">The scalar is out of range.</exception>
        internal static BigInteger ReadScalar(byte[] scalar)
        {
            if (scalar is null)
            {
                throw new ArgumentNullException(nameof(scalar));
            }

            if (scalar.Length == 0 || scalar.Length > 4 * FieldSize)
            {
                throw Fail("The P-256 private key is not 1 to 128 bytes long.");
            }

            return CheckScalar(new BigInteger(1, scalar));
        }

        /// <summary>Throws unless 1 &lt;= d &lt; n.</summary>
        internal static BigInteger CheckScalar(BigInteger d)
        {
            if (d.SignValue <= 0 || d.CompareTo(Domain.N) >= 0)
            {
                throw Fail("The P-256 private key is out of range: it must be from 1 to n - 1.");
            }

            return d;
        }

        /// <summary>A scalar as 32 big-endian bytes.</summary>
        internal static byte[] ScalarBytes(BigInteger d) => Org.BouncyCastle.Utilities.BigIntegers.AsUnsignedByteArray(FieldSize, d);

        /// <summary>The public point d·G of a private scalar, normalized.</summary>
        internal static ECPoint PublicPointOf(BigInteger d) => new FixedPointCombMultiplier().Multiply(Domain.G, d).Normalize();

        /// <summary>
        /// Reads the private scalar of a PKCS#8 PrivateKeyInfo already known (by
        /// <see cref="Pkcs8PrivateKey.KindOf"/>) to name P-256. The inner ECPrivateKey must be
        /// version 1, name the same curve if it names one, hold a scalar from 1 to n - 1, and, if it
        /// holds the public key too, the public key must be that of the scalar.
        /// </summary>
        /// <exception cref="CryptographicException">The key is not such a key.</exception>
        internal static BigInteger ReadPkcs8(PrivateKeyInfo info)
        {
            ECPrivateKeyStructure ec;
            try
            {
                ec = ECPrivateKeyStructure.GetInstance(info.ParsePrivateKey());
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The EC private key is malformed: {0}", ex.Message),
                    ex);
            }

            if (!ec.Version.HasValue(1))
            {
                throw Fail("The EC private key is not version 1 (RFC 5915).");
            }

            Asn1Object? parameters = ec.Parameters?.ToAsn1Object();
            if (parameters is not null && !(parameters is DerObjectIdentifier inner && inner.Id == CurveOid))
            {
                throw Fail("The EC private key names a curve other than the P-256 its PKCS#8 wrapper names.");
            }

            byte[] octets = ec.PrivateKey.GetOctets();
            if (octets.Length == 0 || octets.Length > FieldSize)
            {
                throw Fail(string.Format(
                    CultureInfo.InvariantCulture,
                    "The EC private key is {0} bytes long; a P-256 private key is {1}.",
                    octets.Length,
                    FieldSize));
            }

            BigInteger d = CheckScalar(new BigInteger(1, octets));
            DerBitString? publicKey = ec.PublicKey;
            if (publicKey is not null)
            {
                byte[] expected = EncodePoint(PublicPointOf(d));
                if (publicKey.PadBits != 0 || !Equal(publicKey.GetOctets(), expected))
                {
                    throw Fail("The public key stored in the EC private key is not the public key of its private scalar.");
                }
            }

            return d;
        }

        /// <summary>Says, for a message, what a refused SubjectPublicKeyInfo is instead.</summary>
        private static string DescribeSpki(byte[] der)
        {
            if (der.Length == 0)
            {
                return "the bytes are not a DER SubjectPublicKeyInfo (there are none).";
            }

            try
            {
                SubjectPublicKeyInfo? spki = SubjectPublicKeyInfo.GetInstance(Asn1Object.FromByteArray(der));
                if (spki is null)
                {
                    return "the bytes are not a DER SubjectPublicKeyInfo (no ASN.1 object was found).";
                }

                string algorithm = spki.Algorithm.Algorithm.Id;
                if (algorithm != X9ObjectIdentifiers.IdECPublicKey.Id)
                {
                    return string.Format(
                        CultureInfo.InvariantCulture,
                        "its algorithm is {0}{1}, not id-ecPublicKey.",
                        algorithm,
                        Pkcs8PrivateKey.AlgorithmName(algorithm));
                }

                Asn1Encodable? parameters = spki.Algorithm.Parameters;
                if (!(parameters is DerObjectIdentifier curve))
                {
                    return "its curve is given by explicit parameters, not by the name prime256v1.";
                }

                if (curve.Id != CurveOid)
                {
                    return string.Format(CultureInfo.InvariantCulture, "its curve is {0}, not P-256 ({1}).", Pkcs8PrivateKey.CurveName(curve), CurveOid);
                }

                byte[] point = spki.PublicKey.GetBytes();
                if (point.Length == 1 + FieldSize && (point[0] == 0x02 || point[0] == 0x03))
                {
                    return "its point is compressed; only uncompressed points (0x04 || X || Y) are accepted.";
                }
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                return "the bytes are not a DER SubjectPublicKeyInfo (" + ex.Message + ").";
            }

            return string.Format(
                CultureInfo.InvariantCulture,
                "the bytes are not the canonical DER SubjectPublicKeyInfo of an uncompressed P-256 point ({0} bytes, not {1}, or another encoding).",
                der.Length,
                SpkiSize);
        }

        private static bool StartsWith(byte[] bytes, byte[] prefix)
        {
            if (bytes.Length < prefix.Length)
            {
                return false;
            }

            for (int i = 0; i < prefix.Length; i++)
            {
                if (bytes[i] != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        private static bool Equal(byte[] a, byte[] b) => a.Length == b.Length && StartsWith(a, b);

        private static byte[] Slice(byte[] bytes, int offset, int count)
        {
            byte[] slice = new byte[count];
            Buffer.BlockCopy(bytes, offset, slice, 0, count);
            return slice;
        }

        private static CryptographicException Fail(string message) => new CryptographicException(message);
    }
}
