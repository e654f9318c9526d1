using System.Collections.Generic;
using System.Management.Automation;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>Leaves the group (DISCONNECT), stops the session's loops and closes its sockets.</summary>
    [Cmdlet(VerbsCommon.Remove, "McastSession", SupportsShouldProcess = true, DefaultParameterSetName = SessionSet)]
    public sealed class RemoveMcastSessionCommand : PSCmdlet
    {
        private const string SessionSet = "Session";
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
        public McastSession[]? Session { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public int[]? Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<McastSession> sessions = Session
                ?? (IEnumerable<McastSession>)ObjectQuery.Select(this, McastSession.Table.All(), s => s.Id, s => s.Name, Id, Name, "Session");
            foreach (McastSession session in sessions)
            {
                if (ShouldProcess(session.ToString(), "Leave the group and close the session"))
                {
                    session.Close();
                }
            }
        }
    }
}
