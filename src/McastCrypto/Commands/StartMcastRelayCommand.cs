using System;
using System.IO;
using System.Security.Cryptography;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Relay;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>Starts a relay for a group in the background of this process, or in the foreground with -Wait.</summary>
    [Cmdlet(VerbsLifecycle.Start, "McastRelay")]
    [OutputType(typeof(McastRelay), typeof(RelayEvent))]
    public sealed class StartMcastRelayCommand : McastNetworkCommand
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        [Parameter]
        public McastProtocol Protocol { get; set; }

        /// <summary>Seconds of silence after which a member is forgotten and its leave announced (the protocol's default when left out).</summary>
        [Parameter]
        [ValidateRange(0.1, 86400)]
        public double ClientTimeout { get; set; }

        /// <summary>A file with the relay's private key: read when it exists, made (readable by its owner alone) when not.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IdentityPath { get; set; }

        /// <summary>Secure: a file of the member key fingerprints the relay admits, one per line; any key when left out.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AuthorizedKeysPath { get; set; }

        /// <summary>Secure: seconds between changes of the group key when nobody comes or goes (600 when left out).</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public double RekeyInterval { get; set; }

        /// <summary>The longest message the relay passes on, in bytes (Secure: 64 MiB when left out; Classic: 64 KiB, also its most).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxMessageSize { get; set; }

        /// <summary>Secure: how many of its latest group datagrams the relay keeps to repair members' losses (8192 when left out).</summary>
        [Parameter]
        [ValidateRange(1, 1048576)]
        public int RetransmitBufferSize { get; set; }

        /// <summary>Run in the foreground, writing the relay's events, until Ctrl+C; then stop the relay.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        protected override void EndProcessing()
        {
            var options = new McastRelayOptions
            {
                Name = Name,
                Network = NetworkOptions(),
            };

            bool identityExisted = false;
            if (IdentityPath is not null)
            {
                options.IdentityPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(IdentityPath);
                identityExisted = File.Exists(options.IdentityPath);
            }

            if (AuthorizedKeysPath is not null)
            {
                options.AuthorizedKeysPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(AuthorizedKeysPath);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(RekeyInterval)))
            {
                options.RekeyInterval = TimeSpan.FromSeconds(RekeyInterval);
            }

            // Only what the user gave: every default is the options' or the protocol's own.
            if (MyInvocation.BoundParameters.ContainsKey(nameof(Protocol)))
            {
                options.Protocol = Protocol;
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(ClientTimeout)))
            {
                options.ClientTimeout = TimeSpan.FromSeconds(ClientTimeout);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaxMessageSize)))
            {
                options.MaxMessageBytes = MaxMessageSize;
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(RetransmitBufferSize)))
            {
                options.RetransmitBufferSize = RetransmitBufferSize;
            }

            McastRelay? relay = null;
            try
            {
                relay = McastRelay.Start(options);
            }
            catch (McastTransportException e)
            {
                ThrowSocketError(e, options.Network);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidRelayOption", ErrorCategory.InvalidArgument, options));
            }
            catch (Exception e) when (options.AuthorizedKeysPath is not null && (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException) && IsAbout(e, options.AuthorizedKeysPath))
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidAuthorizedKeysFile", ErrorCategory.InvalidData, options.AuthorizedKeysPath));
            }
            catch (Exception e) when (options.IdentityPath is not null && (e is CryptographicException || e is IOException || e is UnauthorizedAccessException))
            {
                // A file that is not a usable key, or cannot be read or written: say which and why.
                ThrowTerminatingError(new ErrorRecord(e, "InvalidIdentityFile", ErrorCategory.InvalidData, options.IdentityPath));
            }

            if (options.IdentityPath is not null && !identityExisted)
            {
                WriteVerbose($"Made a new relay key in {options.IdentityPath} (fingerprint {relay!.KeyFingerprint}).");
            }

            if (!Wait)
            {
                WriteObject(relay);
                return;
            }

            WriteVerbose($"Relay {relay!.Name} serves {relay.Group}:{relay.Port} on {relay.Interface}, key {relay.KeyFingerprint}. Ctrl+C stops it.");
            try
            {
                while (!stopping.IsCancellationRequested && relay.State == McastRelayState.Running)
                {
                    foreach (RelayEvent e in relay.TakeEvents())
                    {
                        WriteObject(e);
                    }

                    WaitHandle.WaitAny(new[] { relay.EventArrived, stopping.Token.WaitHandle }, 250);
                }
            }
            finally
            {
                relay.Stop();
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>True when an error is about the file at <paramref name="path"/> (its message names it).</summary>
        private static bool IsAbout(Exception e, string path) => e.Message.IndexOf(path, StringComparison.Ordinal) >= 0;
    }
}
