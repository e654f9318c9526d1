using System;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
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
        public McastProtocol Protocol { get; set; } = McastProtocol.Classic;

        /// <summary>Seconds between keep-alives.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double KeepAliveInterval { get; set; } = 5;

        /// <summary>Seconds to wait for the relay's key and its notice of the join.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        /// <summary>The largest chunk of encrypted payload in one datagram.</summary>
        [Parameter]
        [ValidateRange(16, 60000)]
        public int FragmentSize { get; set; } = 256;

        protected override void EndProcessing()
        {
            var options = new McastSessionOptions
            {
                Name = Name,
                Protocol = Protocol,
                Network = NetworkOptions(),
                KeepAliveInterval = TimeSpan.FromSeconds(KeepAliveInterval),
                Timeout = TimeSpan.FromSeconds(Timeout),
                FragmentSize = FragmentSize,
            };

            string where = $"{options.Network.Group}:{options.Network.Port} on {options.Network.Interface ?? "the default interface"}";
            WriteVerbose($"Joining {where} ({Protocol}).");
            var progress = new ProgressRecord(1, "New-McastSession", "Joining " + where);
            try
            {
                McastSession session = McastSession.Open(options, stopping.Token, (state, waited) =>
                {
                    progress.StatusDescription = state == MemberState.AwaitingRelayKey ? "Waiting for the relay's key" : "Waiting for the relay to announce the join";
                    progress.PercentComplete = (int)Math.Min(99, 100 * waited.TotalSeconds / Timeout);
                    WriteProgress(progress);
                });
                WriteObject(session);
            }
            catch (TimeoutException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "RelayNotFound", ErrorCategory.OperationTimeout, options.Network));
            }
            catch (McastTransportException e)
            {
                ThrowSocketError(e, options.Network);
            }
            catch (ArgumentException e)
            {
                ThrowTerminatingError(new ErrorRecord(e, "InvalidSessionOption", ErrorCategory.InvalidArgument, options));
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }

        protected override void StopProcessing() => stopping.Cancel();
    }
}
