using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X9;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// Reads an unencrypted PKCS#8 PrivateKeyInfo (the "PRIVATE KEY" PEM) far enough to say which
    /// kind of key it holds, with a message that names any other kind.
    /// </summary>
    internal static class Pkcs8PrivateKey
    {
        /// <summary>The PEM label of an unencrypted PKCS#8 private key.</summary>
        internal const string PemLabel = "PRIVATE KEY";

        /// <summary>Far above the 2,400 or so bytes of an RSA-4096 PKCS#8 key; bounds the work on hostile input.</summary>
        internal const int MaxEncodedLength = 8192;

        /// <summary>
        /// Reads a DER PrivateKeyInfo: one ASN.1 object, nothing after it.
        /// </summary>
        /// <exception cref="ArgumentNullException"><paramref name="der"/> is null.</exception>
        /// <exception cref="CryptographicException">The bytes are not a PrivateKeyInfo; the message says why.</exception>
        internal static PrivateKeyInfo Parse(byte[] der)
        {
            if (der is null)
            {
                throw new ArgumentNullException(nameof(der));
            }

            if (der.Length == 0 || der.Length > MaxEncodedLength)
            {
                throw new CryptographicException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The private key is {0} bytes long; a PKCS#8 private key of the kinds used here is 1 to {1}.",
                    der.Length,
                    MaxEncodedLength));
            }

            try
            {
                Asn1Object outer;
                long consumed;
                using (var stream = new MemoryStream(der, false))
                using (var asn1 = new Asn1InputStream(stream, der.Length, leaveOpen: true))
                {
                    outer = asn1.ReadObject();
                    consumed = stream.Position;
                }

                if (outer is null || consumed != der.Length)
                {
                    throw new CryptographicException("The private key is not one DER PKCS#8 PrivateKeyInfo (bytes are missing or left over).");
                }

                return PrivateKeyInfo.GetInstance(outer);
            }
            catch (CryptographicException)
            {
                throw;
            }
            catch (Exception ex) when (!(ex is OutOfMemoryException))
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The bytes are not a PKCS#8 private key: {0}", ex.Message),
                    ex);
            }
        }

        /// <summary>
        /// Which of the accepted kinds the key is: RSA (any size here; the RSA import checks it) or
        /// an EC key on the named curve P-256.
        /// </summary>
        /// <exception cref="CryptographicException">Another algorithm, another curve or explicit curve parameters; the message names it.</exception>
        internal static IdentityKeyKind KindOf(PrivateKeyInfo info)
        {
            string algorithm = info.PrivateKeyAlgorithm.Algorithm.Id;
            if (algorithm == PkcsObjectIdentifiers.RsaEncryption.Id)
            {
                return IdentityKeyKind.Rsa;
            }

            if (algorithm != X9ObjectIdentifiers.IdECPublicKey.Id)
            {
                throw new CryptographicException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The private key's algorithm is {0}{1}; only ECDSA P-256 and RSA keys are supported.",
                    algorithm,
                    AlgorithmName(algorithm)));
            }

            Asn1Encodable? parameters = info.PrivateKeyAlgorithm.Parameters;
            if (!(parameters is DerObjectIdentifier curve))
            {
                throw new CryptographicException("The EC private key gives its curve by explicit parameters; only the named curve P-256 (prime256v1) is supported.");
            }

            if (curve.Id != P256.CurveOid)
            {
                throw new CryptographicException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The EC private key is on the curve {0}; only P-256 (prime256v1, {1}) is supported.",
                    CurveName(curve),
                    P256.CurveOid));
            }

            return IdentityKeyKind.EcdsaP256;
        }

        /// <summary>A short name of a key algorithm for messages, with a leading space, or empty.</summary>
        internal static string AlgorithmName(string oid)
        {
            switch (oid)
            {
                case "1.2.840.113549.1.1.1":
                    return " (rsaEncryption)";
                case "1.2.840.10045.2.1":
                    return " (id-ecPublicKey)";
                case "1.2.840.113549.1.1.10":
                    return " (RSASSA-PSS)";
                case "1.3.101.112":
                    return " (Ed25519)";
                case "1.3.101.113":
                    return " (Ed448)";
                case "1.3.101.110":
                    return " (X25519)";
                case "1.3.101.111":
                    return " (X448)";
                case "1.2.840.10040.4.1":
                    return " (DSA)";
                case "1.2.840.10046.2.1":
                    return " (Diffie-Hellman)";
                default:
                    return string.Empty;
            }
        }

        /// <summary>A curve's OID and, when BouncyCastle knows it, its name.</summary>
        internal static string CurveName(DerObjectIdentifier curve)
        {
            string? name = ECNamedCurveTable.GetName(curve);
            return name is null ? curve.Id : string.Format(CultureInfo.InvariantCulture, "{0} ({1})", name, curve.Id);
        }
    }
}
