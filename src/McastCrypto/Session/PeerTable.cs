using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;

namespace McastCrypto.Session
{
    /// <summary>The members a session knows, from the relay's notices and relayed messages. Bounded; thread-safe.</summary>
    internal sealed class PeerTable
    {
        private readonly Dictionary<IPEndPoint, Entry> entries = new Dictionary<IPEndPoint, Entry>();
        private readonly int limit;

        public PeerTable(int limit)
        {
            this.limit = limit;
        }

        /// <summary>Peers not kept because the table was full.</summary>
        public long Overflow { get; private set; }

        public void Joined(IPEndPoint member, DateTimeOffset at) => Touch(member, at, e =>
        {
            e.JoinedAt = at;
            e.State = McastPeerState.Joined;
        });

        public void Left(IPEndPoint member, DateTimeOffset at) => Touch(member, at, e => e.State = McastPeerState.Left);

        public void Message(IPEndPoint member, DateTimeOffset at) => Touch(member, at, e =>
        {
            e.Messages++;
            e.State = McastPeerState.Joined;
        });

        public IReadOnlyList<McastPeer> Snapshot(McastSession session, IPEndPoint self, string selfName)
        {
            lock (entries)
            {
                return entries.Values
                    .OrderBy(e => e.FirstSeen)
                    .Select(e => new McastPeer(session, e.EndPoint, e.EndPoint.Equals(self) ? selfName : null, e.EndPoint.Equals(self), e.JoinedAt, e.LastSeen, e.State, e.Messages))
                    .ToList();
            }
        }

        private void Touch(IPEndPoint member, DateTimeOffset at, Action<Entry> change)
        {
            lock (entries)
            {
                if (!entries.TryGetValue(member, out Entry? entry))
                {
                    if (entries.Count >= limit)
                    {
                        // Make room by forgetting the member that left longest ago; with none, count and skip.
                        Entry? gone = entries.Values.Where(e => e.State == McastPeerState.Left).OrderBy(e => e.LastSeen).FirstOrDefault();
                        if (gone is null)
                        {
                            Overflow++;
                            return;
                        }

                        entries.Remove(gone.EndPoint);
                    }

                    entry = new Entry(member, at);
                    entries.Add(member, entry);
                }

                entry.LastSeen = at;
                change(entry);
            }
        }

        private sealed class Entry
        {
            public Entry(IPEndPoint endPoint, DateTimeOffset at)
            {
                EndPoint = endPoint;
                FirstSeen = at;
                LastSeen = at;
            }

            public IPEndPoint EndPoint { get; }

            public DateTimeOffset FirstSeen { get; }

            public DateTimeOffset? JoinedAt { get; set; }

            public DateTimeOffset LastSeen { get; set; }

            public McastPeerState State { get; set; }

            public long Messages { get; set; }
        }
    }
}
