using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Returns the messages that arrived since the last call, like Receive-Job; -Wait (or -Count,
    /// or -Timeout) streams them as they come until the count, the time-out or Ctrl+C.
    /// </summary>
    [Cmdlet(VerbsCommunications.Receive, "McastMessage", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(McastMessage))]
    public sealed class ReceiveMcastMessageCommand : PSCmdlet
    {
        private const string DefaultSet = "Default";
        private const string SaveSet = "OutputDirectory";
        private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(250);
        private readonly List<McastSession> sessions = new List<McastSession>();
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        // The file-system directory files are written to, resolved and made in BeginProcessing.
        private string? directory;

        /// <summary>The sessions to read; every open session when left out.</summary>
        [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNullOrEmpty]
        public McastSession[]? Session { get; set; }

        /// <summary>Leave the messages in the session for the next call.</summary>
        [Parameter]
        public SwitchParameter Keep { get; set; }

        /// <summary>Keep returning messages as they arrive until Ctrl+C, -Count or -Timeout.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>Stop after this many messages (implies -Wait).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop waiting after this many seconds (implies -Wait).</summary>
        [Parameter]
        [ValidateRange(0, 31536000)]
        public double Timeout { get; set; }

        /// <summary>Write each file message into this directory (made when missing) under its name made safe.</summary>
        [Parameter(Mandatory = true, ParameterSetName = SaveSet)]
        [ValidateNotNullOrEmpty]
        public string? OutputDirectory { get; set; }

        /// <summary>With -OutputDirectory: replace a file of the same name instead of leaving it (and reporting FileExists).</summary>
        [Parameter(ParameterSetName = SaveSet)]
        public SwitchParameter Force { get; set; }

        protected override void BeginProcessing()
        {
            if (OutputDirectory is null)
            {
                return;
            }

            string path;
            ProviderInfo provider;
            try
            {
                path = SessionState.Path.GetUnresolvedProviderPathFromPSPath(OutputDirectory, out provider, out _);
            }
            catch (Exception e) when (e is System.Management.Automation.DriveNotFoundException || e is ProviderNotFoundException || e is PSArgumentException || e is NotSupportedException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "OutputDirectoryNotFound", ErrorCategory.ObjectNotFound, OutputDirectory));
                return;
            }

            if (provider.Name != "FileSystem")
            {
                ThrowTerminatingError(new ErrorRecord(
                    new ArgumentException($"'{OutputDirectory}' is a path of the {provider.Name} provider: files can only be written to the file system."),
                    "OutputDirectoryNotFileSystem",
                    ErrorCategory.InvalidArgument,
                    OutputDirectory));
            }

            if (File.Exists(path))
            {
                ThrowTerminatingError(new ErrorRecord(
                    new IOException($"'{path}' is a file, not a directory."),
                    "OutputDirectoryIsFile",
                    ErrorCategory.InvalidArgument,
                    path));
            }

            try
            {
                Directory.CreateDirectory(path);
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                ThrowTerminatingError(new ErrorRecord(e, "OutputDirectoryNotCreated", ErrorCategory.WriteError, path));
            }

            directory = path;
        }

        protected override void ProcessRecord()
        {
            sessions.AddRange(Session ?? McastSession.Table.All());
        }

        protected override void EndProcessing()
        {
            var readers = sessions.Distinct().ToList();
            bool wait = Wait || MyInvocation.BoundParameters.ContainsKey(nameof(Count)) || MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));
            int left = Count > 0 ? Count : int.MaxValue;
            var after = readers.ToDictionary(s => s, _ => 0L);
            Stopwatch elapsed = Stopwatch.StartNew();
            TimeSpan limit = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout)) ? TimeSpan.FromSeconds(Timeout) : TimeSpan.MaxValue;

            while (true)
            {
                foreach (McastSession session in readers)
                {
                    if (left == 0)
                    {
                        break;
                    }

                    var messages = session.Receive(after[session], Keep, left);
                    foreach (McastMessage message in messages)
                    {
                        Save(message);
                        WriteObject(message);
                        after[session] = message.Sequence;
                    }

                    left -= messages.Count;
                }

                if (!wait || left == 0 || readers.Count == 0 || stopping.IsCancellationRequested)
                {
                    return;
                }

                TimeSpan remaining = limit == TimeSpan.MaxValue ? Poll : limit - elapsed.Elapsed;
                if (remaining <= TimeSpan.Zero)
                {
                    return;
                }

                McastSession.WaitForArrivals(after, remaining < Poll ? remaining : Poll, stopping.Token);
                if (readers.All(s => s.State == Protocol.MemberState.Closed))
                {
                    // Every session was closed meanwhile: take what is left, then stop waiting.
                    wait = false;
                }
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>
        /// With -OutputDirectory, writes a file message into it (once: a message kept with -Keep and
        /// taken again is not written again). Every failure is a non-terminating error; the message is
        /// still written to the pipeline by the caller.
        /// </summary>
        private void Save(McastMessage message)
        {
            if (directory is null || message.Kind != McastMessageKind.Message || message.ContentKind != MessageContentKind.File || message.SavedPath is not null)
            {
                return;
            }

            string path = System.IO.Path.Combine(directory, message.FileName ?? string.Empty);
            try
            {
                if (!ReceivedFiles.TrySave(message, directory, Force, out path))
                {
                    WriteError(new ErrorRecord(
                        new IOException($"The file '{path}' exists: the file {message.FileName} from {message.SenderName ?? message.SenderId} was not written (-Force replaces it)."),
                        "FileExists",
                        ErrorCategory.ResourceExists,
                        path));
                }
                else
                {
                    WriteVerbose($"Wrote {message.Length} bytes from {message.SenderName ?? message.SenderId} to {path}.");
                }
            }
            catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "FileNotWritten", ErrorCategory.WriteError, path));
            }
        }
    }
}
