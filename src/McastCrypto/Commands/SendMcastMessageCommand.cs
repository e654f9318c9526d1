using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Sends messages to the group through the relay: texts (one per string), bytes, or files. Where
    /// the protocol has acknowledgements (Secure) it waits for each until the relay has it, unless -NoWait.
    /// </summary>
    [Cmdlet(VerbsCommunications.Send, "McastMessage", DefaultParameterSetName = TextSet)]
    [OutputType(typeof(McastSendResult))]
    public sealed class SendMcastMessageCommand : PSCmdlet
    {
        private const string TextSet = "Text";
        private const string DataSet = "Data";
        private const string PathSet = "Path";
        private const string LiteralPathSet = "LiteralPath";

        /// <summary>The progress bar's id: one bar at a time, for the message being waited for.</summary>
        private const int ProgressId = 2;

        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        /// <summary>The session to send in: the object, an open session's exact name, or its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public McastSession? Session { get; set; }

        /// <summary>Texts, one message each.</summary>
        [Parameter(Mandatory = true, Position = 1, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = TextSet)]
        [Alias("Text")]
        [AllowEmptyString]
        public string[] Message { get; set; } = Array.Empty<string>();

        /// <summary>Bytes, sent as one message (content type data).</summary>
        [Parameter(Mandatory = true, ParameterSetName = DataSet)]
        [AllowEmptyCollection]
        public byte[] Data { get; set; } = Array.Empty<byte>();

        /// <summary>Files, one message each, under their own names; wildcards allowed.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = Array.Empty<string>();

        /// <summary>Files, one message each, by their exact paths (no wildcards); piped files bind here.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = LiteralPathSet)]
        [Alias("PSPath", "LP")]
        [ValidateNotNullOrEmpty]
        public string[] LiteralPath { get; set; } = Array.Empty<string>();

        /// <summary>Return once the protocol took each message, without waiting for the relay's acknowledgement.</summary>
        [Parameter]
        public SwitchParameter NoWait { get; set; }

        /// <summary>Writes what became of each message: id, kind, bytes, fragments, status, time to the acknowledgement.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            McastSession session = Session!;
            if (ParameterSetName != TextSet && session.Protocol == McastProtocol.Classic)
            {
                WriteError(new ErrorRecord(
                    new NotSupportedException($"Session {session.Name} speaks the Classic protocol, which carries text only: -Data and -Path need a session of the Secure protocol."),
                    "ClassicCarriesTextOnly",
                    ErrorCategory.InvalidOperation,
                    session));
                return;
            }

            switch (ParameterSetName)
            {
                case DataSet:
                    Send(session, () => MessageContent.FromData(Data), Data.Length.ToString(CultureInfo.InvariantCulture) + " bytes", Data.Length.ToString(CultureInfo.InvariantCulture) + " bytes");
                    return;
                case PathSet:
                case LiteralPathSet:
                    foreach (string file in Files(ParameterSetName == LiteralPathSet ? LiteralPath : Path, ParameterSetName == LiteralPathSet))
                    {
                        if (!SendFile(session, file))
                        {
                            return;
                        }
                    }

                    return;
                default:
                    foreach (string text in Message)
                    {
                        int bytes = System.Text.Encoding.UTF8.GetByteCount(text);
                        if (!Send(session, () => MessageContent.FromText(text), text, bytes.ToString(CultureInfo.InvariantCulture) + " bytes"))
                        {
                            return;
                        }
                    }

                    return;
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>The file-system paths <paramref name="paths"/> stand for; each path that stands for none is an error.</summary>
        private List<string> Files(string[] paths, bool literal)
        {
            var files = new List<string>();
            foreach (string path in paths)
            {
                ProviderInfo provider;
                var resolved = new List<string>();
                try
                {
                    if (literal)
                    {
                        resolved.Add(SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _));
                    }
                    else
                    {
                        resolved.AddRange(GetResolvedProviderPathFromPSPath(path, out provider));
                    }
                }
                catch (ItemNotFoundException e)
                {
                    WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                    continue;
                }
                catch (Exception e) when (e is System.Management.Automation.DriveNotFoundException || e is ProviderNotFoundException || e is PSArgumentException || e is NotSupportedException)
                {
                    WriteError(new ErrorRecord(e, "PathNotFound", ErrorCategory.ObjectNotFound, path));
                    continue;
                }

                if (provider.Name != "FileSystem")
                {
                    WriteError(new ErrorRecord(
                        new ArgumentException($"'{path}' is a path of the {provider.Name} provider: only files of the file system can be sent."),
                        "PathNotFileSystem",
                        ErrorCategory.InvalidArgument,
                        path));
                    continue;
                }

                if (resolved.Count == 0)
                {
                    WriteError(new ErrorRecord(new ItemNotFoundException($"No file matches '{path}'."), "PathNotFound", ErrorCategory.ObjectNotFound, path));
                }

                files.AddRange(resolved);
            }

            return files;
        }

        /// <summary>Sends one file; false when the session cannot send any more.</summary>
        private bool SendFile(McastSession session, string file)
        {
            if (Directory.Exists(file))
            {
                WriteError(new ErrorRecord(new ArgumentException($"'{file}' is a directory: only files can be sent."), "PathIsDirectory", ErrorCategory.InvalidArgument, file));
                return true;
            }

            if (!File.Exists(file))
            {
                WriteError(new ErrorRecord(new ItemNotFoundException($"Cannot find the file '{file}'."), "PathNotFound", ErrorCategory.ObjectNotFound, file));
                return true;
            }

            long length = new FileInfo(file).Length;
            if (length > session.MaxMessageBytes)
            {
                // Refused before it is read: a file may be far larger than memory should hold.
                WriteError(new ErrorRecord(
                    new ArgumentException(string.Format(CultureInfo.InvariantCulture, "The file has {0} bytes; the most this session sends in a message is {1}.", length, session.MaxMessageBytes)),
                    "InvalidMessage",
                    ErrorCategory.InvalidArgument,
                    file));
                return true;
            }

            MessageContent content;
            try
            {
                content = MessageContent.ReadFile(file);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "FileNotRead", ErrorCategory.ReadError, file));
                return true;
            }
            catch (ArgumentException e)
            {
                // A name a message cannot carry (more than 255 UTF-8 bytes, a control character).
                WriteError(new ErrorRecord(e, "InvalidMessage", ErrorCategory.InvalidArgument, file));
                return true;
            }

            return Send(session, () => content, file, content.FileName!);
        }

        /// <summary>
        /// Sends one message and reports its outcome; false when the session cannot send any more
        /// (closed, not connected), so the rest of this record is skipped.
        /// </summary>
        /// <param name="session">The session.</param>
        /// <param name="content">Makes the content (ArgumentException: it is not valid).</param>
        /// <param name="target">The errors' target: the text, the description of the bytes, or the file's path.</param>
        /// <param name="what">What is sent, for the progress bar: a file's name, or "N bytes".</param>
        private bool Send(McastSession session, Func<MessageContent> content, object target, string what)
        {
            // A new record each time: a host may keep the records it was given (a PowerShell's
            // Streams.Progress does), and must see each as it was written.
            string activity = $"Sending {what} to {AddressText.EndPoint(session.Group, session.Port)}";
            ProgressRecord? shown = null;
            McastSendResult result;
            try
            {
                result = session.Send(content(), !NoWait, stopping.Token, progress =>
                {
                    if (progress.Fragments <= 1)
                    {
                        return;
                    }

                    string status = progress.FragmentsSent == 0
                        ? string.Format(CultureInfo.InvariantCulture, "Queued: {0} fragments, {1} bytes", progress.Fragments, progress.Bytes)
                        : string.Format(CultureInfo.InvariantCulture, "{0} of {1} fragments acknowledged ({2} sent)", progress.FragmentsAcknowledged, progress.Fragments, progress.FragmentsSent);
                    shown = new ProgressRecord(ProgressId, activity, status)
                    {
                        PercentComplete = (int)Math.Min(100, 100L * progress.FragmentsAcknowledged / progress.Fragments),
                    };
                    WriteProgress(shown);
                });
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Ctrl+C: the message was taken and goes out; only the wait ends.
                return false;
            }
            catch (ObjectDisposedException e)
            {
                WriteError(new ErrorRecord(new InvalidOperationException(e.Message, e), "SessionClosed", ErrorCategory.ResourceUnavailable, session));
                return false;
            }
            catch (InvalidOperationException e)
            {
                WriteError(new ErrorRecord(new InvalidOperationException($"Session {session.Name} cannot send: {e.Message}", e), "SessionNotConnected", ErrorCategory.InvalidOperation, session));
                return false;
            }
            catch (ArgumentException e)
            {
                WriteError(CmdletErrors.Record(e, "InvalidMessage", ErrorCategory.InvalidArgument, target));
                return true;
            }
            catch (McastTransportException e)
            {
                WriteError(new ErrorRecord(e, "SendFailed", ErrorCategory.WriteError, session));
                return true;
            }
            finally
            {
                if (shown is not null)
                {
                    WriteProgress(new ProgressRecord(ProgressId, activity, shown.StatusDescription) { RecordType = ProgressRecordType.Completed });
                }
            }

            if (result.Status == McastSendStatus.Failed)
            {
                string message = $"Message {result.MessageId} ({what}) of session {session.Name} was not acknowledged: {result.Reason}.";
                Exception error = result.TimedOut ? new TimeoutException(message) : new IOException(message);
                WriteError(new ErrorRecord(error, "MessageNotAcknowledged", result.TimedOut ? ErrorCategory.OperationTimeout : ErrorCategory.ConnectionError, target));
            }

            if (PassThru)
            {
                WriteObject(result);
            }

            return true;
        }
    }
}
