using System;
using System.Collections.Generic;

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

        /// <summary>Closes everything still open, in each table's <see cref="IClosable.CloseOrder"/>.</summary>
        public static void CloseAll()
        {
            IClosable[] tables;
            lock (Tables)
            {
                tables = Tables.ToArray();
                Array.Sort(tables, (a, b) => a.CloseOrder.CompareTo(b.CloseOrder));
            }

            foreach (IClosable table in tables)
            {
                table.CloseAll();
            }
        }
    }
}
