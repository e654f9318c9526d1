using System;
using System.IO;
using Xunit;

namespace McastCrypto.Tests.Crypto
{
    /// <summary>Finds the test vectors kept in the repository under tests/vectors/ (see tests/vectors/README.md).</summary>
    internal static class TestVectorFiles
    {
        private const string RootMarker = "McastCrypto.psd1";

        /// <summary>The repository root: the first folder up from the test binaries holding McastCrypto.psd1.</summary>
        internal static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, RootMarker)))
                {
                    return dir.FullName;
                }
            }

            Assert.Fail($"No folder above '{AppContext.BaseDirectory}' holds {RootMarker}: cannot find the repository root.");
            return string.Empty;
        }

        /// <summary>
        /// The full path of a Wycheproof file in tests/vectors/wycheproof/ under the repository root.
        /// Fails the test when the file is missing: a vector test that cannot read its vectors must
        /// not pass.
        /// </summary>
        internal static string Wycheproof(string fileName)
        {
            string path = Path.Combine(RepositoryRoot(), "tests", "vectors", "wycheproof", fileName);
            if (!File.Exists(path))
            {
                Assert.Fail($"The Wycheproof test vector file '{path}' is missing. The repository keeps the vectors in tests/vectors/wycheproof/ (see tests/vectors/README.md).");
            }

            return path;
        }
    }
}
