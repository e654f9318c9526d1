using System;
using System.IO;
using System.Management.Automation;
using System.Security.Cryptography;
using McastCrypto.Crypto;

namespace McastCrypto.Commands
{
    /// <summary>Makes an ECDSA P-256 identity key file for a relay or a member of the Secure protocol and returns its fingerprint.</summary>
    [Cmdlet(VerbsCommon.New, "McastIdentity", SupportsShouldProcess = true)]
    [OutputType(typeof(McastIdentity))]
    public sealed class NewMcastIdentityCommand : PSCmdlet
    {
        /// <summary>The file to make.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        [ValidateNotNullOrEmpty]
        public string? Path { get; set; }

        /// <summary>Replace a file that is there already.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            string path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(Path!);
            if (File.Exists(path) && !Force)
            {
                WriteError(new ErrorRecord(
                    new IOException("The file " + path + " exists already; an identity file is never replaced unless -Force says so (the key in it would be lost)."),
                    "IdentityFileExists",
                    ErrorCategory.ResourceExists,
                    path));
                return;
            }

            if (!ShouldProcess(path, "Make an ECDSA P-256 identity key file"))
            {
                return;
            }

            try
            {
                using (EcdsaP256PrivateKey key = IdentityKeyFile.CreateEcdsa(path, Force))
                {
                    WriteObject(new McastIdentity(path, key.PublicKey.Fingerprint, IdentityKeyKind.EcdsaP256));
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException || e is CryptographicException)
            {
                WriteError(new ErrorRecord(e, "IdentityFileNotWritten", ErrorCategory.WriteError, path));
            }
        }
    }
}
