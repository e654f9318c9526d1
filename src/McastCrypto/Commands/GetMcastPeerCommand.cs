using System.Management.Automation;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>Gets the members a session knows, from the relay's notices and the messages it relayed.</summary>
    [Cmdlet(VerbsCommon.Get, "McastPeer")]
    [OutputType(typeof(McastPeer))]
    public sealed class GetMcastPeerCommand : PSCmdlet
    {
        /// <summary>The sessions to ask; every open session when left out.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNullOrEmpty]
        public McastSession[]? Session { get; set; }

        /// <summary>Leave the session's own entry out.</summary>
        [Parameter]
        public SwitchParameter ExcludeSelf { get; set; }

        protected override void ProcessRecord()
        {
            foreach (McastSession session in Session ?? McastSession.Table.All())
            {
                foreach (McastPeer peer in session.GetPeers())
                {
                    if (!(ExcludeSelf && peer.IsSelf))
                    {
                        WriteObject(peer);
                    }
                }
            }
        }
    }
}
