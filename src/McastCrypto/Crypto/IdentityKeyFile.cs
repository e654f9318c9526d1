using System;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.Pkcs;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// A file holding one private key as PEM text labelled <c>PRIVATE KEY</c> (unencrypted PKCS#8,
    /// as <c>openssl genpkey</c> and Python's <c>cryptography</c> write it): an ECDSA P-256 key, the
    /// identity of a relay or a member in the Secure protocol, or an RSA key, the Classic relay's
    /// key.
    /// </summary>
    /// <remarks>
    /// <para>
    /// A new file is readable and writable by its owner alone from the moment it exists (mode 0600
    /// on Unix; on Windows it inherits its folder's permissions, see the remarks of the methods that
    /// create one). It is written to a temporary file and moved into place, so it never exists half
    /// written. An existing file is never replaced unless that is asked for.
    /// </para>
    /// <para>
    /// Errors say which file and what is wrong with it: <see cref="FileNotFoundException"/> when it
    /// does not exist, <see cref="UnauthorizedAccessException"/> or <see cref="IOException"/> when it
    /// cannot be read or written, <see cref="CryptographicException"/> when it is not a PEM private
    /// key or holds a key of the wrong kind.
    /// </para>
    /// </remarks>
    public static class IdentityKeyFile
    {
        /// <summary>Far above the 3,300 or so bytes of an RSA-4096 key file; bounds what a load reads.</summary>
        internal const int MaxFileLength = 64 * 1024;

        /// <summary>Reads a key file and says which kind of key it holds.</summary>
        /// <param name="path">The file.</param>
        /// <exception cref="CryptographicException">The file is not a PEM private key, or holds a key of another kind (Ed25519, another curve...).</exception>
        public static IdentityKeyKind GetKind(string path)
        {
            string full = FullPath(path);
            byte[] der = ReadPkcs8(full);
            try
            {
                return KindOf(full, Parse(full, der));
            }
            finally
            {
                Array.Clear(der, 0, der.Length);
            }
        }

        /// <summary>Reads the ECDSA P-256 key in a file.</summary>
        /// <param name="path">The file.</param>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="CryptographicException">
        /// The file is not a PEM private key, holds an RSA key ("holds an RSA key; the Secure protocol
        /// needs an ECDSA P-256 key") or a key of another kind, or the key is damaged.
        /// </exception>
        public static EcdsaP256PrivateKey LoadEcdsa(string path)
        {
            string full = FullPath(path);
            byte[] der = ReadPkcs8(full);
            try
            {
                PrivateKeyInfo info = Parse(full, der);
                if (KindOf(full, info) != IdentityKeyKind.EcdsaP256)
                {
                    throw new CryptographicException(string.Format(
                        CultureInfo.InvariantCulture,
                        "The key file '{0}' holds an RSA key; the Secure protocol needs an ECDSA P-256 key.",
                        full));
                }

                try
                {
                    return EcdsaP256PrivateKey.FromPkcs8(info);
                }
                catch (CryptographicException ex)
                {
                    throw Damaged(full, "ECDSA P-256", ex);
                }
            }
            finally
            {
                Array.Clear(der, 0, der.Length);
            }
        }

        /// <summary>
        /// Reads the ECDSA P-256 key in a file, or, when there is no file, generates a key and
        /// writes it to a new file readable by its owner alone (see <see cref="CreateEcdsa"/>).
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="created">True when the key was generated and the file written.</param>
        /// <exception cref="CryptographicException">The file exists but does not hold a usable ECDSA P-256 key (see <see cref="LoadEcdsa"/>).</exception>
        /// <exception cref="IOException">The file could not be written.</exception>
        public static EcdsaP256PrivateKey LoadOrCreateEcdsa(string path, out bool created) =>
            LoadOrCreate(FullPath(path), LoadEcdsa, Generate, out created);

        /// <summary>
        /// Generates an ECDSA P-256 key and writes it to a new file, readable and writable by its
        /// owner alone: mode 0600 on Unix, set as the file is created. On Windows the file inherits
        /// the permissions of its folder (netstandard2.0 cannot set an ACL without another package):
        /// keep it in the user's profile.
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="force">Replace an existing file. Without it an existing file is an error and is left as it is.</param>
        /// <exception cref="IOException">The file exists and <paramref name="force"/> is false, or it could not be written.</exception>
        public static EcdsaP256PrivateKey CreateEcdsa(string path, bool force) => Create(FullPath(path), Generate, force);

        /// <summary>Reads the RSA key in a file (the Classic relay's key).</summary>
        /// <param name="path">The file.</param>
        /// <exception cref="FileNotFoundException">The file does not exist.</exception>
        /// <exception cref="CryptographicException">
        /// The file is not a PEM private key, holds an ECDSA key or a key of another kind, or the RSA
        /// key is not acceptable (a modulus outside 2048 to 4096 bits...).
        /// </exception>
        public static RsaPrivateKey LoadRsa(string path)
        {
            string full = FullPath(path);
            byte[] der = ReadPkcs8(full);
            try
            {
                if (KindOf(full, Parse(full, der)) != IdentityKeyKind.Rsa)
                {
                    throw new CryptographicException(string.Format(
                        CultureInfo.InvariantCulture,
                        "The key file '{0}' holds an ECDSA P-256 key; the Classic protocol needs an RSA key.",
                        full));
                }

                try
                {
                    return RsaOaep.ImportPkcs8(der);
                }
                catch (CryptographicException ex)
                {
                    throw Damaged(full, "RSA", ex);
                }
            }
            finally
            {
                Array.Clear(der, 0, der.Length);
            }
        }

        /// <summary>
        /// Reads the RSA key in a file, or, when there is no file, generates an RSA-2048 key and
        /// writes it to a new file readable by its owner alone (see <see cref="CreateRsa"/>).
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="created">True when the key was generated and the file written.</param>
        /// <exception cref="CryptographicException">The file exists but does not hold a usable RSA key (see <see cref="LoadRsa"/>).</exception>
        /// <exception cref="IOException">The file could not be written.</exception>
        public static RsaPrivateKey LoadOrCreateRsa(string path, out bool created) =>
            LoadOrCreate(FullPath(path), LoadRsa, GenerateRsa, out created);

        /// <summary>
        /// Generates an RSA-2048 key and writes it to a new file, readable and writable by its owner
        /// alone (as <see cref="CreateEcdsa"/> does).
        /// </summary>
        /// <param name="path">The file.</param>
        /// <param name="force">Replace an existing file. Without it an existing file is an error and is left as it is.</param>
        /// <exception cref="IOException">The file exists and <paramref name="force"/> is false, or it could not be written.</exception>
        public static RsaPrivateKey CreateRsa(string path, bool force) => Create(FullPath(path), GenerateRsa, force);

        private static (EcdsaP256PrivateKey Key, byte[] Pkcs8) Generate()
        {
            EcdsaP256PrivateKey key = EcdsaP256PrivateKey.Generate();
            return (key, key.ExportPkcs8());
        }

        private static (RsaPrivateKey Key, byte[] Pkcs8) GenerateRsa()
        {
            RsaPrivateKey key = RsaOaep.Generate();
            return (key, key.ExportPkcs8());
        }

        private static TKey LoadOrCreate<TKey>(string full, Func<string, TKey> load, Func<(TKey Key, byte[] Pkcs8)> generate, out bool created)
            where TKey : class, IDisposable
        {
            if (File.Exists(full))
            {
                created = false;
                return load(full);
            }

            try
            {
                TKey key = Create(full, generate, force: false);
                created = true;
                return key;
            }
            catch (IOException) when (File.Exists(full))
            {
                // Another process wrote the file between the check and the write: use its key.
                created = false;
                return load(full);
            }
        }

        private static TKey Create<TKey>(string full, Func<(TKey Key, byte[] Pkcs8)> generate, bool force)
            where TKey : class, IDisposable
        {
            if (!force && File.Exists(full))
            {
                throw new IOException(string.Format(
                    CultureInfo.InvariantCulture,
                    "The key file '{0}' already exists; it was left as it is. Replacing a key changes its fingerprint, so it must be asked for (force).",
                    full));
            }

            (TKey key, byte[] pkcs8) = generate();
            byte[] text = Array.Empty<byte>();
            try
            {
                text = Encoding.ASCII.GetBytes(Pem.Encode(Pkcs8PrivateKey.PemLabel, pkcs8));
                OwnerOnlyFile.Write(full, text, force);
                return key;
            }
            catch
            {
                key.Dispose();
                throw;
            }
            finally
            {
                Array.Clear(pkcs8, 0, pkcs8.Length);
                Array.Clear(text, 0, text.Length);
            }
        }

        private static string FullPath(string path)
        {
            if (path is null)
            {
                throw new ArgumentNullException(nameof(path));
            }

            if (path.Length == 0)
            {
                throw new ArgumentException("The path of the key file is empty.", nameof(path));
            }

            return Path.GetFullPath(path);
        }

        /// <summary>Reads the file (at most <see cref="MaxFileLength"/> bytes) and decodes its PEM block.</summary>
        private static byte[] ReadPkcs8(string full)
        {
            if (!File.Exists(full))
            {
                throw new FileNotFoundException(
                    string.Format(CultureInfo.InvariantCulture, "The key file '{0}' does not exist.", full),
                    full);
            }

            byte[] bytes = ReadBounded(full);
            try
            {
                string text = Encoding.UTF8.GetString(bytes);
                if (text.Length > 0 && text[0] == '\uFEFF')
                {
                    text = text.Substring(1); // a byte order mark, as Windows PowerShell 5.1 writes
                }

                string? hint = FormatHint(text);
                if (hint is not null)
                {
                    throw new CryptographicException(string.Format(CultureInfo.InvariantCulture, "The key file '{0}' {1}", full, hint));
                }

                try
                {
                    return Pem.Decode(Pkcs8PrivateKey.PemLabel, text);
                }
                catch (CryptographicException ex)
                {
                    throw new CryptographicException(
                        string.Format(CultureInfo.InvariantCulture, "The key file '{0}' is not a PEM private key: {1}", full, ex.Message),
                        ex);
                }
            }
            finally
            {
                Array.Clear(bytes, 0, bytes.Length);
            }
        }

        private static byte[] ReadBounded(string full)
        {
            try
            {
                using (var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read))
                {
                    // Read up to one byte past the limit, whatever Length says (it is 0 for some special files).
                    byte[] buffer = new byte[MaxFileLength + 1];
                    int total = 0;
                    int read;
                    while (total < buffer.Length && (read = stream.Read(buffer, total, buffer.Length - total)) > 0)
                    {
                        total += read;
                    }

                    if (total > MaxFileLength)
                    {
                        Array.Clear(buffer, 0, buffer.Length);
                        throw new CryptographicException(string.Format(
                            CultureInfo.InvariantCulture,
                            "The key file '{0}' is longer than {1} bytes; a private key file is far shorter.",
                            full,
                            MaxFileLength));
                    }

                    byte[] contents = new byte[total];
                    Buffer.BlockCopy(buffer, 0, contents, 0, total);
                    Array.Clear(buffer, 0, total);
                    return contents;
                }
            }
            catch (UnauthorizedAccessException ex)
            {
                throw new UnauthorizedAccessException(
                    string.Format(CultureInfo.InvariantCulture, "The key file '{0}' cannot be read: {1}", full, ex.Message),
                    ex);
            }
            catch (IOException ex) when (!(ex is FileNotFoundException))
            {
                throw new IOException(
                    string.Format(CultureInfo.InvariantCulture, "The key file '{0}' cannot be read: {1}", full, ex.Message),
                    ex);
            }
        }

        /// <summary>For a PEM private key in another format than PKCS#8, what it is and how to convert it.</summary>
        private static string? FormatHint(string text)
        {
            const string Convert = " Convert it to unencrypted PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW";
            string start = text.TrimStart();
            if (start.StartsWith("-----BEGIN EC PRIVATE KEY-----", StringComparison.Ordinal))
            {
                return "holds an 'EC PRIVATE KEY' (SEC1); McastCrypto reads 'PRIVATE KEY' (PKCS#8) files." + Convert;
            }

            if (start.StartsWith("-----BEGIN RSA PRIVATE KEY-----", StringComparison.Ordinal))
            {
                return "holds an 'RSA PRIVATE KEY' (PKCS#1); McastCrypto reads 'PRIVATE KEY' (PKCS#8) files." + Convert;
            }

            if (start.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
            {
                return "holds an encrypted private key; McastCrypto reads unencrypted keys only, protected by the file's permissions.";
            }

            return null;
        }

        private static PrivateKeyInfo Parse(string full, byte[] der)
        {
            try
            {
                return Pkcs8PrivateKey.Parse(der);
            }
            catch (CryptographicException ex)
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The key file '{0}' is not a PKCS#8 private key: {1}", full, ex.Message),
                    ex);
            }
        }

        private static IdentityKeyKind KindOf(string full, PrivateKeyInfo info)
        {
            try
            {
                return Pkcs8PrivateKey.KindOf(info);
            }
            catch (CryptographicException ex)
            {
                throw new CryptographicException(
                    string.Format(CultureInfo.InvariantCulture, "The key file '{0}' holds a key McastCrypto cannot use: {1}", full, ex.Message),
                    ex);
            }
        }

        private static CryptographicException Damaged(string full, string kind, CryptographicException ex) =>
            new CryptographicException(
                string.Format(CultureInfo.InvariantCulture, "The key file '{0}' holds an {1} key that is not acceptable: {2}", full, kind, ex.Message),
                ex);
    }
}
