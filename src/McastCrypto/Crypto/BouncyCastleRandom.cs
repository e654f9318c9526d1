using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace McastCrypto.Crypto
{
    /// <summary>The random source of every BouncyCastle backend.</summary>
    internal static class BouncyCastleRandom
    {
        /// <summary>
        /// The OS generator (RandomNumberGenerator) behind BouncyCastle's interface; it is safe to
        /// share between threads. BouncyCastle would otherwise build and seed a new PRNG for every
        /// key generation, encryption and blinded decryption.
        /// </summary>
        internal static readonly SecureRandom Shared = new SecureRandom(new CryptoApiRandomGenerator());
    }
}
