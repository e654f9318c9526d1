using System.Collections.Generic;
using System.Management.Automation;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>Leaves the group (DISCONNECT), stops the session's loops and closes its sockets.</summary>
    /// <remarks>
    /// What is piped binds to -InputObject, not to -Session nor -Id: a relay piped here must be an
    /// error, and binding -Id by property name took a relay's Id for the session that shares it.
    /// </remarks>
    [Cmdlet(VerbsCommon.Remove, "McastSession", SupportsShouldProcess = true, DefaultParameterSetName = SessionSet)]
    [OutputType(typeof(McastSession))]
    public sealed class RemoveMcastSessionCommand : PSCmdlet
    {
        private const string SessionSet = "Session";
        private const string IdSet = "Id";
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";

        /// <summary>The sessions to close: objects, open sessions' exact names, or Ids.</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = SessionSet)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNullOrEmpty]
        public McastSession[]? Session { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet)]
        public int[]? Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>What was piped: sessions, messages (their session), or sessions passed through Select-Object (their Id).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>Writes each session closed.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<McastSession> sessions = ParameterSetName == InputObjectSet
                ? PipelineObject.Resolve(this, InputObject!, "Session", "McastCrypto.Session.McastSession", McastSession.Table.All(), s => s.Id, s => s.Name, o => o switch
                {
                    McastSession session => session,
                    McastMessage message => message.Session,
                    _ => null,
                })
                : Session ?? (IEnumerable<McastSession>)ObjectQuery.Select(this, McastSession.Table.All(), s => s.Id, s => s.Name, Id, Name, "Session");
            foreach (McastSession session in sessions)
            {
                if (ShouldProcess(session.ToString(), "Leave the group and close the session"))
                {
                    session.Close();
                    if (PassThru)
                    {
                        WriteObject(session);
                    }
                }
            }
        }
    }
}
