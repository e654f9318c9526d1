using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Protocol.Secure;
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

        /// <summary>Secure: the largest datagram the relay sends, in bytes, TLV header included, and the limit it gives its members (1,400 when left out).</summary>
        [Parameter]
        [ValidateRange(SecureDefaults.MinDatagramBytes, SecureDefaults.MaxDatagramLimit)]
        public int MaxDatagramSize { get; set; }

        /// <summary>Secure: how many of its latest group datagrams the relay keeps to repair members' losses (8192 when left out).</summary>
        [Parameter]
        [ValidateRange(1, 1048576)]
        public int RetransmitBufferSize { get; set; }

        /// <summary>
        /// Secure: a NATS server (nats://host:port, no credentials: see -FederationCredential) through which this relay joins the
        /// relays of the same group at other sites. Needs -Site and -AuthorizedRelaysPath.
        /// </summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Federation { get; set; }

        /// <summary>Federation: this relay's site name, shown with its members to the other sites (1 to 64 UTF-8 bytes).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Site { get; set; }

        /// <summary>Federation: a file of the fingerprints of the relays this one federates with, one per line.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? AuthorizedRelaysPath { get; set; }

        /// <summary>Federation: the first tokens of the NATS subjects (mcastcrypto when left out); relays of one group share it.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? FederationSubject { get; set; }

        /// <summary>Federation: how many of its latest published envelopes the relay keeps to repair the other relays' losses (4,096 when left out).</summary>
        [Parameter]
        [ValidateRange(1, 1048576)]
        public int FederationBufferSize { get; set; }

        /// <summary>
        /// Federation: the user name and password the NATS server asks for (an authorization block in
        /// its configuration). The password goes to the NATS client only: never to objects, logs or errors.
        /// </summary>
        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? FederationCredential { get; set; }

        /// <summary>Run in the foreground, logging the relay's events, until Ctrl+C; then stop the relay.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait, also write each event to the pipeline as a RelayEvent.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            RefuseClassicOnIPv6(MyInvocation.BoundParameters.ContainsKey(nameof(Protocol)) ? Protocol : new McastRelayOptions().Protocol);
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

            if (MyInvocation.BoundParameters.ContainsKey(nameof(MaxDatagramSize)))
            {
                options.MaxDatagramBytes = MaxDatagramSize;
            }

            if (Federation is not null)
            {
                options.FederationUrl = Federation;
            }

            options.Site = Site;
            options.FederationSubject = FederationSubject;
            if (AuthorizedRelaysPath is not null)
            {
                options.AuthorizedRelaysPath = SessionState.Path.GetUnresolvedProviderPathFromPSPath(AuthorizedRelaysPath);
            }

            if (MyInvocation.BoundParameters.ContainsKey(nameof(FederationBufferSize)))
            {
                options.FederationBufferSize = FederationBufferSize;
            }

            if (FederationCredential is not null)
            {
                options.FederationCredential = FederationCredential.GetNetworkCredential();
            }

            WarnOfDefaultInterface("This relay", options.Network);
            WarnOfSecondRelay(options.Network);
            McastRelay? relay = null;
            string target = CmdletErrors.GroupTarget(options.Network);
            try
            {
                relay = McastRelay.Start(options);
            }
            catch (McastTransportException e)
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "SocketSetupFailed", ErrorCategory.OpenError, target, JoinFailureAdvice.SocketSetupFailed(options.Network)));
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidRelayOption", ErrorCategory.InvalidArgument, target));
            }
            catch (Exception e) when (options.AuthorizedKeysPath is not null && (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException) && IsAbout(e, options.AuthorizedKeysPath))
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidAuthorizedKeysFile", ErrorCategory.InvalidData, options.AuthorizedKeysPath));
            }
            catch (Exception e) when (options.AuthorizedRelaysPath is not null && (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException) && IsAbout(e, options.AuthorizedRelaysPath))
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidAuthorizedRelaysFile", ErrorCategory.InvalidData, options.AuthorizedRelaysPath));
            }
            catch (FileNotFoundException e) when (options.IsFederated && e.FileName is not null && e.FileName.EndsWith("McastCrypto.Federation.dll", StringComparison.OrdinalIgnoreCase))
            {
                ThrowTerminatingError(CmdletErrors.Record(e, "FederationMissing", ErrorCategory.NotInstalled, options.FederationUrl));
            }
            catch (Exception e) when (options.IdentityPath is not null && (e is CryptographicException || e is IOException || e is UnauthorizedAccessException))
            {
                // A file that is not a usable key, or cannot be read or written: say which and why.
                ThrowTerminatingError(CmdletErrors.Record(e, "InvalidIdentityFile", ErrorCategory.InvalidData, options.IdentityPath));
            }

            WarnOfUnreachableFederation(relay!);
            bool madeKey = options.IdentityPath is not null && !identityExisted;
            if (madeKey)
            {
                WriteVerbose($"Made a new relay key in {options.IdentityPath} (fingerprint {relay!.KeyFingerprint}).");
            }

            if (!Wait)
            {
                WriteObject(relay);
                return;
            }

            RunInForeground(relay!, madeKey);
        }

        /// <summary>
        /// -Wait: a start-up line, then one line per event as it happens, to the information stream
        /// tagged PSHOST (shown by default, as Write-Host's lines are, and written to standard output
        /// when PowerShell runs as a service); the relay stops on Ctrl+C or when stopped elsewhere.
        /// </summary>
        private void RunInForeground(McastRelay relay, bool madeKey)
        {
            Log(RelayLog.Started(DateTimeOffset.Now, relay.Name, relay.Group.ToString(), relay.Port, relay.Interface, relay.Protocol, relay.KeyFingerprint, relay.IdentityPath, madeKey), "Started");
            bool? federationConnected = null;
            string? federationError = null;
            long federationFailures = 0;
            try
            {
                while (!stopping.IsCancellationRequested && relay.State == McastRelayState.Running)
                {
                    // A federated relay's log says when its link to the NATS server is made and lost.
                    bool? connected = relay.FederationConnected;
                    if (connected is bool now && now != federationConnected)
                    {
                        federationConnected = now;
                        Log(RelayLog.Federation(DateTimeOffset.Now, relay.Name, relay.Site!, relay.FederationUrl!, now), now ? "FederationConnected" : "FederationDisconnected");
                    }

                    // A server that refuses the relay (a wrong password) or cannot be reached is logged
                    // at a new failure whose reason differs from the last one logged since it was connected.
                    long failures = relay.FederationConnectFailures;
                    string? error = relay.FederationLastError;
                    if (connected == true)
                    {
                        federationError = null;
                    }
                    else if (failures > federationFailures && error is not null && error != federationError)
                    {
                        federationError = error;
                        Log(RelayLog.FederationFailure(DateTimeOffset.Now, relay.Name, relay.Site!, relay.FederationUrl!, error, failures), "FederationFailed");
                    }

                    federationFailures = failures;

                    foreach (RelayEvent e in relay.TakeEvents())
                    {
                        if (RelayLog.IsLogged(e.Kind))
                        {
                            Log(RelayLog.Event(e), e.Kind.ToString());
                        }
                        else
                        {
                            WriteVerbose(RelayLog.Event(e));
                        }

                        if (PassThru)
                        {
                            WriteObject(e);
                        }
                    }

                    WaitHandle.WaitAny(new[] { relay.EventArrived, stopping.Token.WaitHandle }, 250);
                }
            }
            finally
            {
                int? members = relay.State == McastRelayState.Running ? relay.MemberCount : (int?)null;
                relay.Stop();
                string last = RelayLog.Stopped(DateTimeOffset.Now, relay.Name, members);
                if (!stopping.IsCancellationRequested)
                {
                    Log(last, "Stopped");
                }
                else
                {
                    // After Ctrl+C the pipeline is stopping and its streams take nothing more; the
                    // host still shows the line (a service's log ends with it).
                    try
                    {
                        Host.UI.WriteLine(last);
                    }
                    catch (Exception e) when (e is NotImplementedException || e is NotSupportedException || e is InvalidOperationException || e is System.Management.Automation.Host.HostException)
                    {
                        // A host without a console: the relay did stop; only the line is not shown.
                    }
                }
            }
        }

        /// <summary>One line of the relay's log, as Write-Host writes it, tagged McastRelay and with what it is about.</summary>
        private void Log(string line, string kind) =>
            WriteInformation(new HostInformationMessage { Message = line }, new[] { "PSHOST", "McastRelay", kind });

        /// <summary>Warns when a relay of this process already serves the group and port.</summary>
        private void WarnOfSecondRelay(MulticastOptions network)
        {
            string? warning = NetworkWarnings.SecondRelay(
                McastRelay.Table.All().Where(r => r.State == McastRelayState.Running).Select(r => (r.Name, r.Id, r.Group, r.Port, r.Interface)),
                network.Group,
                network.Port,
                network.Resolve().Text);
            if (warning is not null)
            {
                WriteWarning(warning);
            }
        }

        /// <summary>
        /// A federated relay connects in the background: it gives the NATS server a moment, and when it
        /// is not there the relay serves its own LAN all the same, says so, and keeps trying by itself.
        /// </summary>
        private void WarnOfUnreachableFederation(McastRelay relay)
        {
            if (relay.FederationUrl is null)
            {
                return;
            }

            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (relay.FederationConnected != true && waited.Elapsed < FederationConnectWait && !stopping.IsCancellationRequested)
            {
                stopping.Token.WaitHandle.WaitOne(50);
            }

            if (relay.FederationConnected != true)
            {
                string? error = relay.FederationLastError;
                string said = error is null ? string.Empty : $" (it said: {error}; a refused user name or password needs -FederationCredential, or the right one)";
                WriteWarning($"{relay.Name} could not reach the NATS server {relay.FederationUrl} yet{said}: it serves its own LAN and keeps trying to connect by itself; the other sites' members appear once it does (Get-McastRelay shows FederationConnected, FederationConnectFailures and FederationLastError).");
            }
        }

        /// <summary>How long the start waits for the NATS server before it warns (the relay runs either way).</summary>
        private static readonly TimeSpan FederationConnectWait = TimeSpan.FromSeconds(3);

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>True when an error is about the file at <paramref name="path"/> (its message names it).</summary>
        private static bool IsAbout(Exception e, string path) => e.Message.IndexOf(path, StringComparison.Ordinal) >= 0;
    }
}
