using System.Collections.Generic;
using System.Management.Automation;
using McastCrypto.Relay;

namespace McastCrypto.Commands
{
    /// <summary>Stops relays: a leave notice for every member, then the loops and sockets close.</summary>
    [Cmdlet(VerbsLifecycle.Stop, "McastRelay", SupportsShouldProcess = true, DefaultParameterSetName = RelaySet)]
    public sealed class StopMcastRelayCommand : PSCmdlet
    {
        private const string RelaySet = "Relay";
        private const string IdSet = "Id";
        private const string NameSet = "Name";

        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = RelaySet)]
        public McastRelay[]? Relay { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
        public int[]? Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RelayNameCompleter))]
        public string[]? Name { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<McastRelay> relays = Relay
                ?? (IEnumerable<McastRelay>)ObjectQuery.Select(this, McastRelay.Table.All(), r => r.Id, r => r.Name, Id, Name, "Relay");
            foreach (McastRelay relay in relays)
            {
                if (ShouldProcess(relay.ToString(), "Tell every member the relay is going and stop it"))
                {
                    relay.Stop();
                }
            }
        }
    }
}
