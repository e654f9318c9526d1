using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>
    /// Writes received files into a directory under names made safe: a file's name comes from another
    /// member and is hostile until made a plain name in that directory. The protocol already checked
    /// it (a bare name: no separator, no control character, not "." or "..") and the file's SHA-256;
    /// this checks again, whatever the protocol let through.
    /// </summary>
    internal static class ReceivedFiles
    {
        /// <summary>The most UTF-8 bytes in a name (what Linux, macOS and Windows file systems all take).</summary>
        internal const int MaxNameBytes = 255;

        /// <summary>Characters Windows refuses in a name, replaced on every system: the same name everywhere, and none a PowerShell wildcard.</summary>
        private static readonly char[] WindowsInvalid = { '<', '>', ':', '"', '/', '\\', '|', '?', '*' };

        /// <summary>Windows device names: a file named so (with any extension) is the device, not a file.</summary>
        private static readonly HashSet<string> DeviceNames = new HashSet<string>(
            new[] { "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$" }
                .Concat(Enumerable.Range(0, 10).SelectMany(i => new[] { "COM" + i.ToString(CultureInfo.InvariantCulture), "LPT" + i.ToString(CultureInfo.InvariantCulture) }))
                .Concat(new[] { "COM\u00b9", "COM\u00b2", "COM\u00b3", "LPT\u00b9", "LPT\u00b2", "LPT\u00b3" }),
            StringComparer.OrdinalIgnoreCase);

        private static readonly char[] InvalidHere = Path.GetInvalidFileNameChars();

        /// <summary>
        /// <paramref name="name"/> as a plain file name, the same on every system: every character not
        /// valid in a name on this system or on Windows, every control, format (such as right-to-left
        /// overrides) and line-separator character, and every lone surrogate becomes '_'; leading
        /// spaces and trailing spaces and dots go (Windows drops them); a Windows device name (CON,
        /// NUL, COM1, LPT1... with any extension) gets a leading '_'; a name longer than 255 UTF-8
        /// bytes is shortened, keeping its extension. <paramref name="fallback"/> when nothing is left.
        /// </summary>
        internal static string SafeName(string? name, string fallback)
        {
            if (string.IsNullOrEmpty(name))
            {
                return fallback;
            }

            var safe = new StringBuilder(name!.Length);
            for (int i = 0; i < name.Length; i++)
            {
                char c = name[i];
                if (char.IsHighSurrogate(c) && i + 1 < name.Length && char.IsLowSurrogate(name[i + 1]))
                {
                    safe.Append(c).Append(name[i + 1]);
                    i++;
                    continue;
                }

                UnicodeCategory category = char.GetUnicodeCategory(c);
                bool bad = char.IsSurrogate(c)
                    || char.IsControl(c)
                    || category == UnicodeCategory.Format
                    || category == UnicodeCategory.LineSeparator
                    || category == UnicodeCategory.ParagraphSeparator
                    || Array.IndexOf(WindowsInvalid, c) >= 0
                    || Array.IndexOf(InvalidHere, c) >= 0;
                safe.Append(bad ? '_' : c);
            }

            string result = safe.ToString().TrimStart(' ').TrimEnd(' ', '.');
            if (result.Length == 0)
            {
                return fallback;
            }

            int dot = result.IndexOf('.');
            string stem = (dot < 0 ? result : result.Substring(0, dot)).TrimEnd(' ');
            if (DeviceNames.Contains(stem))
            {
                result = "_" + result;
            }

            return Shorten(result);
        }

        /// <summary>
        /// Writes the file <paramref name="message"/> carries into <paramref name="directory"/> under
        /// its safe name, and sets its <see cref="McastMessage.SavedPath"/>. False (nothing written)
        /// when something of that name is there and <paramref name="force"/> is not set. With
        /// <paramref name="force"/> an existing file (or link: the link itself, never what it points
        /// to) is replaced. The path is always directly in the directory.
        /// </summary>
        /// <param name="message">A message whose ContentKind is File.</param>
        /// <param name="directory">The directory, which must exist.</param>
        /// <param name="force">Replace what is there.</param>
        /// <param name="path">The full path written, or that was in the way.</param>
        /// <exception cref="ArgumentException">The message is not a file.</exception>
        /// <exception cref="IOException">A directory of that name is in the way, or the write failed.</exception>
        /// <exception cref="UnauthorizedAccessException">The file system refused the write.</exception>
        internal static bool TrySave(McastMessage message, string directory, bool force, out string path)
        {
            if (message is null)
            {
                throw new ArgumentNullException(nameof(message));
            }

            if (message.ContentKind != MessageContentKind.File || message.Data is null)
            {
                throw new ArgumentException("Only a file message is saved as a file.", nameof(message));
            }

            string folder = Path.GetFullPath(directory);
            string fallback = "file-" + (message.MessageId ?? message.Sequence.ToString(CultureInfo.InvariantCulture));
            string name = SafeName(message.FileName, fallback);
            path = Path.GetFullPath(Path.Combine(folder, name));

            // Defence in depth: whatever the name became, the file is directly in the directory.
            string? parent = Path.GetDirectoryName(path);
            if (parent is null || !string.Equals(TrimSeparator(parent), TrimSeparator(folder), PathComparison) || Path.GetFileName(path) != name)
            {
                throw new IOException("The file name '" + name + "' does not stay in " + folder + ".");
            }

            if (Directory.Exists(path) && !IsLink(path))
            {
                throw new IOException("A directory is in the way: " + path + ".");
            }

            if (Exists(path))
            {
                if (!force)
                {
                    return false;
                }

                // A link goes, not what it points to: the file written is always a new file here.
                File.Delete(path);
            }

            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            }
            catch (IOException) when (Exists(path))
            {
                // Made meanwhile by someone else: never overwritten without a second look.
                return false;
            }

            try
            {
                using (stream)
                {
                    stream.Write(message.Data, 0, message.Data.Length);
                }
            }
            catch
            {
                TryDelete(path);
                throw;
            }

            message.SavedPath = path;
            return true;
        }

        private static StringComparison PathComparison =>
            Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

        private static string TrimSeparator(string path)
        {
            string root = Path.GetPathRoot(path) ?? string.Empty;
            return path.Length > root.Length ? path.TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar) : path;
        }

        /// <summary>Anything at <paramref name="path"/>: a file, a directory, a link (a dangling one included).</summary>
        private static bool Exists(string path) => File.Exists(path) || Directory.Exists(path) || IsLink(path);

        private static bool IsLink(string path)
        {
            try
            {
                return (File.GetAttributes(path) & FileAttributes.ReparsePoint) != 0;
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
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

        /// <summary>At most <see cref="MaxNameBytes"/> UTF-8 bytes: the stem is cut (never inside a surrogate pair), the extension kept when short.</summary>
        private static string Shorten(string name)
        {
            if (Encoding.UTF8.GetByteCount(name) <= MaxNameBytes)
            {
                return name;
            }

            int dot = name.LastIndexOf('.');
            string extension = dot > 0 && name.Length - dot <= 16 ? name.Substring(dot) : string.Empty;
            string stem = extension.Length > 0 ? name.Substring(0, dot) : name;
            int budget = MaxNameBytes - Encoding.UTF8.GetByteCount(extension);
            var cut = new StringBuilder();
            int used = 0;
            for (int i = 0; i < stem.Length; i++)
            {
                int width = char.IsHighSurrogate(stem[i]) && i + 1 < stem.Length ? 2 : 1;
                int bytes = Encoding.UTF8.GetByteCount(stem.ToCharArray(i, width));
                if (used + bytes > budget)
                {
                    break;
                }

                cut.Append(stem, i, width);
                used += bytes;
                i += width - 1;
            }

            return cut.ToString().TrimEnd(' ', '.') + extension;
        }
    }
}
