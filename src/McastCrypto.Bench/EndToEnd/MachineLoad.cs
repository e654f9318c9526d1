using System;
using System.IO;
using System.Linq;

namespace McastCrypto.Bench.EndToEnd
{
    /// <summary>
    /// The system's load average (Linux /proc/loadavg): the end-to-end cells run many threads on few
    /// cores, and other work on the machine skews them, so the report says how busy it was.
    /// </summary>
    internal static class MachineLoad
    {
        /// <summary>The 1, 5 and 15 minute load averages as written by the kernel; null where unknown.</summary>
        public static string? Describe()
        {
            try
            {
                return File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(3)) : null;
            }
            catch (IOException)
            {
                return null;
            }
            catch (UnauthorizedAccessException)
            {
                return null;
            }
        }

        /// <summary>A note on the load at a section's start and end, for <paramref name="cores"/> cores; null where unknown.</summary>
        public static string? Note(string section, string? atStart, int cores)
        {
            string? atEnd = Describe();
            return atStart is null || atEnd is null
                ? null
                : $"{section}: load average (1, 5, 15 min) {atStart} at the start and {atEnd} at the end, on {cores} cores; other work on the machine slows every system, the ones with more threads most.";
        }
    }
}
