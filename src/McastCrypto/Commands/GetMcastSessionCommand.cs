using System.Linq;
using System.Management.Automation;
using McastCrypto.Protocol;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>Gets the sessions open in this process: all, by Id, or by name.</summary>
    [Cmdlet(VerbsCommon.Get, "McastSession", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(McastSession))]
    public sealed class GetMcastSessionCommand : PSCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public int[]? Id { get; set; }

        /// <summary>Only the sessions in one of these states (as their State property says now).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public MemberState[]? State { get; set; }

        protected override void ProcessRecord()
        {
            var sessions = ObjectQuery.Select(this, McastSession.Table.All(), s => s.Id, s => s.Name, Id, Name, "Session");
            foreach (McastSession session in sessions)
            {
                MemberState state = session.State;
                if (State is null || State.Contains(state))
                {
                    WarnOfRelayKey(session, state);
                    WriteObject(session);
                }
            }
        }

        /// <summary>
        /// A session that ended on its relay's key is a warning each time it is listed: another key
        /// answered for the group, which is either a relay restarted with a new key or someone
        /// posing as it, and the user must decide which.
        /// </summary>
        private void WarnOfRelayKey(McastSession session, MemberState state)
        {
            MemberFailure? failure = state == MemberState.Failed ? session.Failure : null;
            if (failure is not null && (failure.Reason == MemberFailureReason.RelayKeyChanged || failure.Reason == MemberFailureReason.RelayNotTrusted))
            {
                WriteWarning($"Session {session.Name} (Id {session.Id}) failed with {failure.Reason}: {failure.Message}");
            }
        }
    }
}
