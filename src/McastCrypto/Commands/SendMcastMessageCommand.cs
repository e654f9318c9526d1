using System;
using System.Management.Automation;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>Sends messages to the group through the relay, one per string.</summary>
    [Cmdlet(VerbsCommunications.Send, "McastMessage")]
    [OutputType(typeof(SentMessage))]
    public sealed class SendMcastMessageCommand : PSCmdlet
    {
        /// <summary>The session to send in: the object, an open session's exact name, or its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public McastSession? Session { get; set; }

        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Text")]
        [AllowEmptyString]
        public string[] Message { get; set; } = Array.Empty<string>();

        /// <summary>Writes what was sent: message id, bytes and fragments.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            foreach (string text in Message)
            {
                try
                {
                    SentMessage sent = Session!.Send(text);
                    if (PassThru)
                    {
                        WriteObject(sent);
                    }
                }
                catch (ObjectDisposedException e)
                {
                    WriteError(new ErrorRecord(new InvalidOperationException(e.Message, e), "SessionClosed", ErrorCategory.ResourceUnavailable, Session));
                    return;
                }
                catch (InvalidOperationException e)
                {
                    WriteError(new ErrorRecord(new InvalidOperationException($"Session {Session!.Name} cannot send: {e.Message}", e), "SessionNotConnected", ErrorCategory.InvalidOperation, Session));
                    return;
                }
                catch (ArgumentException e)
                {
                    WriteError(new ErrorRecord(e, "InvalidMessage", ErrorCategory.InvalidArgument, text));
                }
                catch (McastTransportException e)
                {
                    WriteError(new ErrorRecord(e, "SendFailed", ErrorCategory.WriteError, Session));
                }
            }
        }
    }
}
