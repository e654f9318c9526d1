using System;
using System.Collections.Generic;
using System.Linq;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>The members a session knows, from the relay's notices and relayed messages. Bounded; thread-safe.</summary>
    internal sealed class PeerTable
    {
        private readonly Dictionary<MemberIdentity, Entry> entries = new Dictionary<MemberIdentity, Entry>();
        private readonly int limit;

        public PeerTable(int limit)
        {
            this.limit = limit;
        }

        /// <summary>Peers not kept because the table was full.</summary>
        public long Overflow { get; private set; }

        public void Joined(MemberIdentity member, DateTimeOffset at) => Touch(member, at, e =>
        {
            e.JoinedAt = at;
            e.State = McastPeerState.Joined;
        });

        /// <summary>A member the relay lists as present: joined at a time this session did not see.</summary>
        public void Present(MemberIdentity member, DateTimeOffset at) => Touch(member, at, e => e.State = McastPeerState.Joined);

        public void Left(MemberIdentity member, DateTimeOffset at) => Touch(member, at, e => e.State = McastPeerState.Left);

        public void Message(MemberIdentity member, DateTimeOffset at) => Touch(member, at, e =>
        {
            e.Messages++;
            e.State = McastPeerState.Joined;
        });

        public IReadOnlyList<McastPeer> Snapshot(McastSession session, MemberIdentity? self, string selfName)
        {
            lock (entries)
            {
                return entries.Values
                    .OrderBy(e => e.FirstSeen)
                    .Select(e => new McastPeer(session, e.Identity, e.Identity.Equals(self) ? selfName : e.Identity.Name, e.Identity.Equals(self), e.JoinedAt, e.LastSeen, e.State, e.Messages))
                    .ToList();
            }
        }

        private void Touch(MemberIdentity member, DateTimeOffset at, Action<Entry> change)
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

                        entries.Remove(gone.Identity);
                    }

                    entry = new Entry(member, at);
                    entries.Add(member, entry);
                }

                // The latest word on a member (a name or fingerprint learnt later) replaces the earlier one.
                entry.Identity = member;
                entry.LastSeen = at;
                change(entry);
            }
        }

        private sealed class Entry
        {
            public Entry(MemberIdentity identity, DateTimeOffset at)
            {
                Identity = identity;
                FirstSeen = at;
                LastSeen = at;
            }

            public MemberIdentity Identity { get; set; }

            public DateTimeOffset FirstSeen { get; }

            public DateTimeOffset? JoinedAt { get; set; }

            public DateTimeOffset LastSeen { get; set; }

            public McastPeerState State { get; set; }

            public long Messages { get; set; }
        }
    }
}
