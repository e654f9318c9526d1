using System.Management.Automation;
using McastCrypto.Relay;

namespace McastCrypto.Commands
{
    /// <summary>Gets the relays running in this process: all, by Id, or by name.</summary>
    [Cmdlet(VerbsCommon.Get, "McastRelay", DefaultParameterSetName = NameSet)]
    [OutputType(typeof(McastRelay))]
    public sealed class GetMcastRelayCommand : PSCmdlet
    {
        private const string NameSet = "Name";
        private const string IdSet = "Id";

        [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RelayNameCompleter))]
        public string[]? Name { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public int[]? Id { get; set; }

        protected override void ProcessRecord() =>
            WriteObject(ObjectQuery.Select(this, McastRelay.Table.All(), r => r.Id, r => r.Name, Id, Name, "Relay"), enumerateCollection: true);
    }
}
