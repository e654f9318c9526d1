using System.Threading;
using McastCrypto.Transport;

namespace McastCrypto.Bench
{
    /// <summary>
    /// A channel decorator that counts what its owner sends: every datagram and its bytes, and the
    /// Secure Rekey datagrams (TLV type 0x5305) apart. Everything else passes through untouched.
    /// </summary>
    internal sealed class SendTally
    {
        private long datagrams;
        private long bytes;
        private long rekeys;

        public long Datagrams => Interlocked.Read(ref datagrams);

        public long Bytes => Interlocked.Read(ref bytes);

        public long Rekeys => Interlocked.Read(ref rekeys);

        public Snapshot Take() => new Snapshot(Datagrams, Bytes, Rekeys);

        public IDatagramChannel Wrap(IDatagramChannel inner) => new Channel(inner, this);

        private void Count(byte[] datagram)
        {
            Interlocked.Increment(ref datagrams);
            Interlocked.Add(ref bytes, datagram.Length);
            if (datagram.Length >= 2 && datagram[0] == 0x53 && datagram[1] == 0x05)
            {
                Interlocked.Increment(ref rekeys);
            }
        }

        /// <summary>The counts at one moment; subtract two for what was sent in between.</summary>
        internal readonly struct Snapshot
        {
            public Snapshot(long datagrams, long bytes, long rekeys)
            {
                Datagrams = datagrams;
                Bytes = bytes;
                Rekeys = rekeys;
            }

            public long Datagrams { get; }

            public long Bytes { get; }

            public long Rekeys { get; }

            public static Snapshot operator -(Snapshot a, Snapshot b) => new Snapshot(a.Datagrams - b.Datagrams, a.Bytes - b.Bytes, a.Rekeys - b.Rekeys);
        }

        private sealed class Channel : DelegatingChannel
        {
            private readonly SendTally owner;

            public Channel(IDatagramChannel inner, SendTally owner)
                : base(inner)
            {
                this.owner = owner;
            }

            public override void Send(byte[] datagram)
            {
                Inner.Send(datagram);
                owner.Count(datagram);
            }
        }
    }
}
