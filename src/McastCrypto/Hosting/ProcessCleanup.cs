using System;
using System.Collections.Generic;
using System.Linq;

namespace McastCrypto.Hosting
{
    /// <summary>
    /// Closes the sessions and relays still open when the module is removed (the module's OnRemove
    /// calls <see cref="CloseAll"/>) or the process exits, the way Remove-McastSession and
    /// Stop-McastRelay close them: goodbyes sent, loops stopped, sockets closed.
    /// </summary>
    public static class ProcessCleanup
    {
        private static readonly List<IClosable> Tables = new List<IClosable>();

        static ProcessCleanup()
        {
            AppDomain.CurrentDomain.ProcessExit += (sender, e) => CloseAll();
        }

        public static void Register(IClosable table)
        {
            lock (Tables)
            {
                Tables.Add(table);
            }
        }

        /// <summary>
        /// Closes everything still open, in each table's <see cref="IClosable.CloseOrder"/>, and
        /// returns how many objects of each kind were open (the module's OnRemove warns with it), in
        /// that order: ("session", 2), ("relay", 1).
        /// </summary>
        public static IReadOnlyList<KeyValuePair<string, int>> CloseAll()
        {
            IClosable[] tables;
            lock (Tables)
            {
                tables = Tables.ToArray();
            }

            // A stable order: tables with the same CloseOrder keep the order they registered in.
            var closed = new List<KeyValuePair<string, int>>();
            foreach (IClosable table in tables.Select((t, i) => (t, i)).OrderBy(p => p.t.CloseOrder).ThenBy(p => p.i).Select(p => p.t))
            {
                closed.Add(new KeyValuePair<string, int>(table.Noun, table.CloseAll()));
            }

            return closed;
        }
    }
}
