using System;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>A fact about Unix file modes: skipped, saying why, on Windows, which has none.</summary>
    public sealed class UnixFactAttribute : FactAttribute
    {
        public UnixFactAttribute()
        {
            if (OperatingSystem.IsWindows())
            {
                Skip = "Windows has no Unix file mode; a key file there inherits its folder's ACL (see IdentityKeyFile).";
            }
        }
    }
}
