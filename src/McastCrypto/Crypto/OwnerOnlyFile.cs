using System;
using System.Globalization;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace McastCrypto.Crypto
{
    /// <summary>
    /// Writes a new file that only its owner can read or write, for private keys.
    /// </summary>
    /// <remarks>
    /// <para>
    /// The contents go to a temporary file beside the target, created owner-only from the start,
    /// then the temporary file is moved into place: the target never exists half written, and is
    /// never readable by others, not even empty for a moment (a reader who opened it then could
    /// keep the handle and read the key later).
    /// </para>
    /// <para>
    /// On Unix the file is created with mode 0600: on .NET 8 by <c>FileStreamOptions.UnixCreateMode</c>
    /// (the mode is given to open(2)); on netstandard2.0, which has no way to pass a mode, by setting
    /// the process umask to 077 around the creation and then chmod 0600. The umask belongs to the
    /// whole process, so a file another thread creates in those few microseconds is made
    /// owner-only too; this costs nothing in safety. A default ACL on the folder can still widen a
    /// file's permissions beyond the umask; the chmod narrows them again at once.
    /// </para>
    /// <para>
    /// On Windows the file takes the permissions it inherits from its folder (in the user's profile:
    /// the user, SYSTEM and Administrators). Setting an owner-only ACL needs
    /// System.IO.FileSystem.AccessControl, which netstandard2.0 lacks without another package; keep
    /// key files in the user's profile.
    /// </para>
    /// </remarks>
    internal static class OwnerOnlyFile
    {
        /// <summary>Owner read and write: 0600.</summary>
        internal const int OwnerReadWrite = 0x180;

        /// <summary>Group and others nothing: 077.</summary>
        private const uint UmaskOwnerOnly = 0x3F;

        /// <summary>The permission bits a umask can hold: 0777.</summary>
        private const uint PermissionBits = 0x1FF;

        /// <summary>One umask change at a time in this process.</summary>
        private static readonly object UmaskGate = new object();

        /// <summary>
        /// Writes <paramref name="contents"/> to <paramref name="path"/>, owner-only.
        /// </summary>
        /// <param name="path">The full path of the file.</param>
        /// <param name="contents">The bytes to write.</param>
        /// <param name="overwrite">Replace an existing file; otherwise an existing file is an error and is left alone.</param>
        /// <exception cref="IOException">The file exists and <paramref name="overwrite"/> is false, or the write failed.</exception>
        /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
        /// <exception cref="UnauthorizedAccessException">The folder is not writable.</exception>
        internal static void Write(string path, byte[] contents, bool overwrite)
        {
            string directory = Path.GetDirectoryName(path) ?? throw new ArgumentException("The path has no folder.", nameof(path));
            if (!Directory.Exists(directory))
            {
                throw new DirectoryNotFoundException(string.Format(CultureInfo.InvariantCulture, "The folder '{0}' does not exist.", directory));
            }

            if (Directory.Exists(path))
            {
                throw new IOException(string.Format(CultureInfo.InvariantCulture, "'{0}' is a folder, not a file.", path));
            }

            if (!overwrite && File.Exists(path))
            {
                throw AlreadyExists(path);
            }

            string temporary = Path.Combine(directory, "." + Path.GetFileName(path) + "." + RandomSuffix() + ".tmp");
            try
            {
                using (FileStream stream = CreateNew(temporary))
                {
                    stream.Write(contents, 0, contents.Length);
                    stream.Flush(true);
                }

                if (overwrite)
                {
                    MoveReplacing(temporary, path);
                }
                else
                {
                    try
                    {
                        // Fails if the target exists: .NET links (Unix) or MoveFile (Windows), neither replaces.
                        File.Move(temporary, path);
                    }
                    catch (IOException) when (File.Exists(path))
                    {
                        throw AlreadyExists(path);
                    }
                }
            }
            finally
            {
                TryDelete(temporary);
            }
        }

        /// <summary>Creates a new file (never opening an existing one) that only its owner can read or write.</summary>
        internal static FileStream CreateNew(string path)
        {
#if NET8_0_OR_GREATER
            return CreateNewWithCreateMode(path);
#else
            return RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
                ? new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None)
                : CreateNewWithUmask(path);
#endif
        }

#if NET8_0_OR_GREATER
        /// <summary>The .NET 8 way: the mode goes to open(2) with O_CREAT | O_EXCL.</summary>
        internal static FileStream CreateNewWithCreateMode(string path)
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            return new FileStream(path, options);
        }
#endif

        /// <summary>
        /// The netstandard2.0 way on Unix (compiled into every build so the .NET 8 tests cover it):
        /// umask 077 while the file is created, then chmod 0600.
        /// </summary>
        internal static FileStream CreateNewWithUmask(string path)
        {
            FileStream stream;
            lock (UmaskGate)
            {
                uint previous = umask(UmaskOwnerOnly);
                try
                {
                    stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                }
                finally
                {
                    umask(previous & PermissionBits);
                }
            }

            try
            {
                if (chmod(NativePath(path), OwnerReadWrite) != 0)
                {
                    throw new IOException(string.Format(
                        CultureInfo.InvariantCulture,
                        "Could not make '{0}' readable by its owner only: chmod failed with errno {1}.",
                        path,
                        Marshal.GetLastWin32Error()));
                }
            }
            catch
            {
                stream.Dispose();
                TryDelete(path);
                throw;
            }

            return stream;
        }

        /// <summary>Sets the process umask and returns the previous one; for tests that must know the umask.</summary>
        internal static uint SetUmask(uint mask) => umask(mask & PermissionBits) & PermissionBits;

        private static void MoveReplacing(string source, string destination)
        {
#if NET8_0_OR_GREATER
            File.Move(source, destination, overwrite: true);
#else
            if (File.Exists(destination))
            {
                File.Replace(source, destination, null);
            }
            else
            {
                File.Move(source, destination);
            }
#endif
        }

        private static IOException AlreadyExists(string path) =>
            new IOException(string.Format(CultureInfo.InvariantCulture, "The file '{0}' already exists; it was left as it is.", path));

        private static string RandomSuffix()
        {
            byte[] random = new byte[8];
            using (RandomNumberGenerator generator = RandomNumberGenerator.Create())
            {
                generator.GetBytes(random);
            }

            var text = new StringBuilder(16);
            foreach (byte b in random)
            {
                text.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            }

            return text.ToString();
        }

        private static void TryDelete(string path)
        {
            try
            {
                File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        /// <summary>A path as libc takes it: UTF-8, NUL-terminated.</summary>
        private static byte[] NativePath(string path)
        {
            byte[] utf8 = Encoding.UTF8.GetBytes(path);
            byte[] terminated = new byte[utf8.Length + 1];
            Buffer.BlockCopy(utf8, 0, terminated, 0, utf8.Length);
            return terminated;
        }

        // mode_t is 32 bits on Linux and 16 on macOS; both take it in a register, and only the low
        // 9 bits are used here, so uint is right for both. Neither function is variadic.
        [DllImport("libc", SetLastError = true)]
        private static extern uint umask(uint mask);

        [DllImport("libc", SetLastError = true)]
        private static extern int chmod(byte[] path, uint mode);
    }
}
