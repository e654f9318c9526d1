using System.Globalization;
using System.Threading;

namespace McastCrypto.Protocol.Secure
{
    /// <summary>
    /// How many cryptographic operations a Secure member or relay has done, by kind: what a flood
    /// costs, and what a message costs (one open, one seal and one signature at the relay). Thread-safe to read.
    /// </summary>
    public sealed class SecureOperationCounts
    {
        private long signatures;
        private long verifications;
        private long keyAgreements;
        private long keyPairs;
        private long seals;
        private long opens;

        /// <summary>ECDSA signatures made.</summary>
        public long Signatures => Interlocked.Read(ref signatures);

        /// <summary>ECDSA signatures checked (whatever the result).</summary>
        public long Verifications => Interlocked.Read(ref verifications);

        /// <summary>ECDH shared secrets computed.</summary>
        public long KeyAgreements => Interlocked.Read(ref keyAgreements);

        /// <summary>Ephemeral ECDH key pairs made.</summary>
        public long KeyPairs => Interlocked.Read(ref keyPairs);

        /// <summary>AES-GCM seals.</summary>
        public long Seals => Interlocked.Read(ref seals);

        /// <summary>AES-GCM opens tried (whatever the result).</summary>
        public long Opens => Interlocked.Read(ref opens);

        /// <summary>Public-key operations in all: signatures, verifications, key agreements and key pairs.</summary>
        public long PublicKeyOperations => Signatures + Verifications + KeyAgreements + KeyPairs;

        internal void Signed() => Interlocked.Increment(ref signatures);

        internal void Verified() => Interlocked.Increment(ref verifications);

        internal void Agreed() => Interlocked.Increment(ref keyAgreements);

        internal void Generated() => Interlocked.Increment(ref keyPairs);

        internal void Sealed() => Interlocked.Increment(ref seals);

        internal void Opened() => Interlocked.Increment(ref opens);

        public override string ToString() =>
            string.Format(
                CultureInfo.InvariantCulture,
                "sign {0}, verify {1}, ecdh {2}, keypairs {3}, seal {4}, open {5}",
                Signatures,
                Verifications,
                KeyAgreements,
                KeyPairs,
                Seals,
                Opens);
    }
}
