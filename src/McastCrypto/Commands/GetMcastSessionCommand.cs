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
                if (State is null || State.Contains(session.State))
                {
                    WriteObject(session);
                }
            }
        }
    }
}
