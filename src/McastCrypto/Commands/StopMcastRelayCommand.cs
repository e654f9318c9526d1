using System.Collections.Generic;
using System.Management.Automation;
using McastCrypto.Relay;

namespace McastCrypto.Commands
{
    /// <summary>Stops relays: a leave notice for every member, then the loops and sockets close.</summary>
    /// <remarks>
    /// What is piped binds to -InputObject, not to -Relay nor -Id: a session piped here must be an
    /// error, and binding -Id by property name took a session's Id for the relay that shares it.
    /// </remarks>
    [Cmdlet(VerbsLifecycle.Stop, "McastRelay", SupportsShouldProcess = true, DefaultParameterSetName = RelaySet)]
    [OutputType(typeof(McastRelay))]
    public sealed class StopMcastRelayCommand : PSCmdlet
    {
        private const string RelaySet = "Relay";
        private const string IdSet = "Id";
        private const string NameSet = "Name";
        private const string InputObjectSet = "InputObject";

        [Parameter(Mandatory = true, Position = 0, ParameterSetName = RelaySet)]
        [ValidateNotNullOrEmpty]
        public McastRelay[]? Relay { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = IdSet)]
        public int[]? Id { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = NameSet)]
        [SupportsWildcards]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(RelayNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>What was piped: relays, or relays passed through Select-Object (their Id).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
        public PSObject? InputObject { get; set; }

        /// <summary>Writes each relay stopped.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            IEnumerable<McastRelay> relays = ParameterSetName == InputObjectSet
                ? PipelineObject.Resolve(this, InputObject!, "Relay", "McastCrypto.Relay.McastRelay", McastRelay.Table.All(), r => r.Id, r => r.Name, o => o as McastRelay)
                : Relay ?? (IEnumerable<McastRelay>)ObjectQuery.Select(this, McastRelay.Table.All(), r => r.Id, r => r.Name, Id, Name, "Relay");
            foreach (McastRelay relay in relays)
            {
                if (ShouldProcess(relay.ToString(), "Tell every member the relay is going and stop it"))
                {
                    relay.Stop();
                    if (PassThru)
                    {
                        WriteObject(relay);
                    }
                }
            }
        }
    }
}
