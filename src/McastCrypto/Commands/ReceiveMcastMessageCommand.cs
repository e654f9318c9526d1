using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Returns the messages that arrived since the last call, like Receive-Job; -Wait (or -Count,
    /// or -Timeout) streams them as they come until the count, the time-out or Ctrl+C.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "McastMessage")]
    [OutputType(typeof(McastMessage))]
    public sealed class ReceiveMcastMessageCommand : PSCmdlet
    {
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
        private readonly List<McastSession> sessions = new List<McastSession>();
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        /// <summary>The sessions to read; every open session when left out.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNullOrEmpty]
        public McastSession[]? Session { get; set; }

        /// <summary>Leave the messages in the session for the next call.</summary>
        [Parameter]
        public SwitchParameter Keep { get; set; }

        /// <summary>Keep returning messages as they arrive until Ctrl+C, -Count or -Timeout.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Stop after this many messages (implies -Wait).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop waiting after this many seconds (implies -Wait).</summary>
        [Parameter]
        [ValidateRange(0, 31536000)]
        public double Timeout { get; set; }

        protected override void ProcessRecord()
        {
            sessions.AddRange(Session ?? McastSession.Table.All());
        }

        protected override void EndProcessing()
        {
            var readers = sessions.Distinct().ToList();
            bool wait = Wait || MyInvocation.BoundParameters.ContainsKey(nameof(Count)) || MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));
            int left = Count > 0 ? Count : int.MaxValue;
            var after = readers.ToDictionary(s => s, _ => 0L);
            Stopwatch elapsed = Stopwatch.StartNew();
            TimeSpan limit = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? TimeSpan.FromSeconds(Timeout) : TimeSpan.MaxValue;

            while (true)
            {
                foreach (McastSession session in readers)
                {
                    if (left == 0)
                    {
                        break;
                    }

                    var messages = session.Receive(after[session], Keep, left);
                    foreach (McastMessage message in messages)
                    {
                        WriteObject(message);
                        after[session] = message.Sequence;
                    }

                    left -= messages.Count;
                }

                if (!wait || left == 0 || readers.Count == 0 || stopping.IsCancellationRequested)
                {
                    return;
                }

                TimeSpan remaining = limit == TimeSpan.MaxValue ? Poll : limit - elapsed.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    return;
                }

                McastSession.WaitForArrivals(after, remaining < Poll ? remaining : Poll, stopping.Token);
                if (readers.All(s => s.State == Protocol.MemberState.Closed))
                {
                    // Every session was closed meanwhile: take what is left, then stop waiting.
                    wait = false;
                }
            }
        }

        protected override void StopProcessing() => stopping.Cancel();
    }
}
