using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Relay;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Gets what relays running in the background did (joins, leaves, time-outs, refusals, rekeys,
    /// relayed messages): what happened since the last call, or, with -Wait, also as it happens.
    /// </summary>
    /// <remarks>
    /// Built on <see cref="McastRelay.TakeEvents"/>: the events are taken, so each is returned once,
    /// as Receive-Job returns a job's output once.
    /// </remarks>
    [Cmdlet(VerbsCommon.Get, "McastRelayEvent")]
    [OutputType(typeof(RelayEvent))]
    public sealed class GetMcastRelayEventCommand : PSCmdlet
    {
        /// <summary>How long one wait lasts at most before the loop looks at Ctrl+C, the time-out and the relays' states again.</summary>
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);

        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly List<McastRelay> relays = new List<McastRelay>();

        /// <summary>The relays whose events to get.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNullOrEmpty]
        public McastRelay[]? Relay { get; set; }

        /// <summary>After what happened so far, go on writing events as they happen, until Ctrl+C, -Timeout, or every relay stopped.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Seconds to go on waiting for events; implies -Wait.</summary>
        [Parameter]
        [ValidateRange(0, 86400)]
        public double Timeout { get; set; }

        protected override void ProcessRecord()
        {
            // Every relay first (several may be piped), then one loop over them all.
            foreach (McastRelay relay in Relay!)
            {
                if (!relays.Contains(relay))
                {
                    relays.Add(relay);
                }
            }
        }

        protected override void EndProcessing()
        {
            bool timed = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));
            bool waiting = Wait || timed;
            Stopwatch elapsed = Stopwatch.StartNew();
            while (true)
            {
                // Stopped relays are looked at before their last events are taken: none is missed.
                bool anyRunning = relays.Any(r => r.State == McastRelayState.Running);
                foreach (McastRelay relay in relays)
                {
                    foreach (RelayEvent e in relay.TakeEvents())
                    {
                        var item = new PSObject(e);
                        item.Properties.Add(new PSNoteProperty("RelayName", relay.Name));
                        WriteObject(item);
                    }
                }

                TimeSpan left = timed ? TimeSpan.FromSeconds(Timeout) - elapsed.Elapsed : Poll;
                if (!waiting || !anyRunning || stopping.IsCancellationRequested || left <= TimeSpan.Zero)
                {
                    return;
                }

                // WaitAny takes at most 64 handles; past that the poll interval bounds the delay.
                var handles = relays.Take(63).Select(r => r.EventArrived).Concat(new[] { stopping.Token.WaitHandle }).ToArray();
                WaitHandle.WaitAny(handles, left < Poll ? left : Poll);
            }
        }

        protected override void StopProcessing() => stopping.Cancel();
    }
}
