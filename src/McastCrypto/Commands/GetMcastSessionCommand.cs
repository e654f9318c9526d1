using System.Management.Automation;
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

        protected override void ProcessRecord() =>
            WriteObject(ObjectQuery.Select(this, McastSession.Table.All(), s => s.Id, s => s.Name, Id, Name, "Session"), enumerateCollection: true);
    }
}
