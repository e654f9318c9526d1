using System;
using System.IO;
using System.Security.Cryptography;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>Joins a group through its relay and returns the session.</summary>
    [Cmdlet(VerbsCommon.New, "McastSession")]
    [OutputType(typeof(McastSession))]
    public sealed class NewMcastSessionCommand : McastNetworkCommand
    {
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        /// <summary>The session's name (Session&lt;Id&gt; when left out).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string? Name { get; set; }

        /// <summary>The wire protocol.</summary>
        [Parameter]
        public McastProtocol Protocol { get; set; }

        /// <summary>Seconds between keep-alives (the protocol's default when left out).</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double KeepAliveInterval { get; set; }

        /// <summary>Seconds to wait for the relay to take this member in (5 when left out).</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; }

        /// <summary>The largest chunk of encrypted payload in one datagram (the protocol's default when left out).</summary>
        [Parameter]
        [ValidateRange(16, 60000)]
        public int FragmentSize { get; set; }

        /// <summary>The longest message this session sends, in bytes (Secure: 64 MiB when left out; Classic: 64 KiB, also its most).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int MaxMessageSize { get; set; }

        /// <summary>Secure: the largest datagram this session sends, in bytes, TLV header included (1,400 when left out).</summary>
        [Parameter]
        [ValidateRange(SecureDefaults.MinDatagramBytes, SecureDefaults.MaxDatagramLimit)]
        public int MaxDatagramSize { get; set; }

        /// <summary>Join a relay with another key after the first relay was lost, instead of failing.</summary>
        [Parameter]
        public SwitchParameter AllowRelayKeyChange { get; set; }

        /// <summary>Secure: a file with this member's identity key (New-McastIdentity makes one); a new key per session when left out.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? IdentityPath { get; set; }

        /// <summary>Secure: accept only the relay whose key has this fingerprint.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? RelayFingerprint { get; set; }

        /// <summary>Secure: the file of remembered relays (McastCrypto/known_relays in the user's application-data folder when left out).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KnownRelaysPath { get; set; }

        /// <summary>Secure: trust and remember the first relay of a group that is not known yet; -TrustOnFirstUse:$false refuses it.</summary>
        [Parameter]
        public SwitchParameter TrustOnFirstUse { get; set; }

        protected override void EndProcessing()
        {
            RefuseClassicOnIPv6(IsBound(nameof(Protocol)) ? Protocol : new McastSessionOptions().Protocol);
            var options = new McastSessionOptions
            {
                Name = Name,
                Network = NetworkOptions(),
                AllowRelayKeyChange = AllowRelayKeyChange,
            };

            // Only what the user gave: every default is the options' or the protocol's own.
            if (IsBound(nameof(Protocol)))
            {
                options.Protocol = Protocol;
            }

            if (IsBound(nameof(KeepAliveInterval)))
            {
                options.KeepAliveInterval = TimeSpan.FromSeconds(KeepAliveInterval);
            }

            if (IsBound(nameof(Timeout)))
            {
                options.Timeout = TimeSpan.FromSeconds(Timeout);
            }

            if (IsBound(nameof(FragmentSize)))
            {
                options.FragmentSize = FragmentSize;
            }

            if (IsBound(nameof(MaxMessageSize)))
            {
                options.MaxMessageBytes = MaxMessageSize;
            }

            if (IsBound(nameof(MaxDatagramSize)))
            {
                options.MaxDatagramBytes = MaxDatagramSize;
            }

            options.IdentityPath = IdentityPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(IdentityPath);
            options.KnownRelaysPath = KnownRelaysPath is null ? null : SessionState.Path.GetUnresolvedProviderPathFromPSPath(KnownRelaysPath);
            options.RelayFingerprint = RelayFingerprint;
            if (IsBound(nameof(TrustOnFirstUse)))
            {
                options.TrustOnFirstUse = TrustOnFirstUse.IsPresent;
            }

            string where = $"{CmdletErrors.GroupTarget(options.Network)} on {options.Network.Interface ?? "the default interface"}";
            WarnOfDefaultInterface("This session", options.Network);
            WriteVerbose($"Joining {where} ({options.Protocol}).");
            var progress = new ProgressRecord(1, "New-McastSession", "Joining " + where);
            McastSession? session = null;
            try
            {
                session = McastSession.Open(options, stopping.Token, (state, waited) =>
                {
                    progress.StatusDescription = state == MemberState.AwaitingRelayKey ? "Waiting for the relay's key" : "Waiting for the relay to announce the join";
                    progress.PercentComplete = (int)Math.Min(99, 100 * waited.TotalSeconds / options.Timeout.TotalSeconds);
                    WriteProgress(progress);
                });
            }
            catch (TimeoutException e)
            {
                // Network, trust and admission failures are non-terminating, as New-PSSession's are:
                // -ErrorAction decides, and a script that opens several sessions goes on.
                WriteError(CmdletErrors.Record(e, "RelayNotFound", ErrorCategory.OperationTimeout, CmdletErrors.GroupTarget(options.Network), JoinFailureAdvice.RelayNotFound(options.Network)));
            }
            catch (McastSessionFailedException e)
            {
                // RelayKeyChanged, RelayNotTrusted, AdmissionRefused: the id says which.
                string advice = e.Failure.Reason == MemberFailureReason.AdmissionRefused
                    ? JoinFailureAdvice.AdmissionRefused(options.IdentityPath)
                    : JoinFailureAdvice.RelayKey(e.Failure, options.Network, TrustFile(options), options.Protocol);
                WriteError(CmdletErrors.Record(e, e.Failure.Reason.ToString(), ErrorCategory.SecurityError, CmdletErrors.GroupTarget(options.Network), advice));
            }
            catch (McastTransportException e)
            {
                WriteError(CmdletErrors.Record(e, "SocketSetupFailed", ErrorCategory.OpenError, CmdletErrors.GroupTarget(options.Network), JoinFailureAdvice.SocketSetupFailed(options.Network)));
            }
            catch (ArgumentException e)
            {
                // A setting no input can fix: terminating, as a bad parameter is.
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidSessionOption", ErrorCategory.InvalidArgument, CmdletErrors.GroupTarget(options.Network)));
            }
            catch (Exception e) when (options.IdentityPath is not null && (e is CryptographicException || e is IOException || e is UnauthorizedAccessException))
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidIdentityFile", ErrorCategory.InvalidData, options.IdentityPath));
            }
            finally
            {
                // Completed before the session goes down the pipeline: WriteObject runs the next
                // command (Enter-McastChat) to its end, and the bar would stay on screen meanwhile.
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }

            if (session is not null)
            {
                WriteObject(session);
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        private bool IsBound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        /// <summary>The known-relays file a Secure session without a pin consulted; null when pinned or Classic.</summary>
        private static string? TrustFile(McastSessionOptions options) =>
            options.Protocol == McastProtocol.Secure && options.RelayFingerprint is null ? options.KnownRelaysPath ?? KnownRelays.DefaultPath : null;
    }
}
