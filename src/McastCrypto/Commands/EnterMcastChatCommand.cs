using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Chats in a session's group: what others write appears as it arrives, what the user types
    /// goes to the group line by line. /peers lists the members, /quit (or Ctrl+C) ends the chat.
    /// </summary>
    [Cmdlet(VerbsCommon.Enter, "McastChat")]
    [OutputType(typeof(void))]
    public sealed class EnterMcastChatCommand : PSCmdlet
    {
        private const string Prompt = "> ";

        // Classic splits a long text into blocks that may straddle two reads; a sender's last run
        // is held this long for the rest of its blocks, so the text shows as one line.
        private static readonly TimeSpan BlockHold = TimeSpan.FromMilliseconds(150);
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly List<McastMessage> held = new List<McastMessage>();

        /// <summary>The session to chat in.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [ValidateNotNull]
        public McastSession? Session { get; set; }

        /// <summary>Close the session when the chat ends.</summary>
        [Parameter]
        public SwitchParameter RemoveSession { get; set; }

        protected override void ProcessRecord()
        {
            McastSession session = Session!;
            ChatInput input = ChatInput.For(Host);
            Say($"Chat in {session.Group}:{session.Port} as {session.Name} ({session.LocalEndPoint}). Type and press Enter to send; /peers, /help, /quit.");
            Host.UI.Write(Prompt);
            try
            {
                while (!stopping.IsCancellationRequested && session.State != MemberState.Closed)
                {
                    ShowArrivals(session, input);
                    string? line = input.TryReadLine(text => Host.UI.Write(text));
                    if (line is not null)
                    {
                        if (!Handle(session, line.Trim()))
                        {
                            break;
                        }

                        Host.UI.Write(Prompt);
                    }
                    else if (input.Ended)
                    {
                        break;
                    }
                    else
                    {
                        WaitHandle.WaitAny(new[] { session.MessageArrived, stopping.Token.WaitHandle }, 50);
                    }
                }

                ShowArrivals(session, input, flush: true);
            }
            finally
            {
                Host.UI.WriteLine();
                if (RemoveSession)
                {
                    session.Close();
                }
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>Acts on one typed line; false ends the chat.</summary>
        private bool Handle(McastSession session, string line)
        {
            switch (line)
            {
                case "":
                    return true;
                case "/quit":
                case "/exit":
                    return false;
                case "/help":
                    Say("Type a message and press Enter to send it to the group. /peers lists the members this session knows; /quit or Ctrl+C ends the chat.");
                    return true;
                case "/peers":
                    foreach (McastPeer peer in session.GetPeers())
                    {
                        Say($"  {peer.Name ?? peer.Id}{(peer.IsSelf ? " (you)" : string.Empty)}: {peer.State}, last seen {peer.LastSeen.ToLocalTime():HH:mm:ss}");
                    }

                    return true;
            }

            try
            {
                session.Send(line);
            }
            catch (Exception e) when (e is InvalidOperationException || e is ArgumentException || e is Transport.McastTransportException)
            {
                WriteError(new ErrorRecord(e, "ChatSendFailed", ErrorCategory.InvalidOperation, line));
            }

            return true;
        }

        /// <summary>Prints what arrived above the line being typed, joining a sender's consecutive blocks.</summary>
        private void ShowArrivals(McastSession session, ChatInput input, bool flush = false)
        {
            held.AddRange(session.Receive());
            if (held.Count == 0)
            {
                return;
            }

            var runs = Runs(held, session.Protocol == McastProtocol.Classic).ToList();
            held.Clear();
            List<McastMessage> last = runs[runs.Count - 1];
            if (!flush && session.Protocol == McastProtocol.Classic && last[0].Kind == McastMessageKind.Message
                && DateTimeOffset.Now - last[last.Count - 1].ReceivedAt < BlockHold)
            {
                held.AddRange(last);
                runs.RemoveAt(runs.Count - 1);
            }

            if (runs.Count == 0)
            {
                return;
            }

            // Clear the prompt and what is typed so far, print, then put them back.
            string typed = input.Partial;
            Host.UI.Write("\r" + new string(' ', Prompt.Length + typed.Length) + "\r");
            foreach (List<McastMessage> run in runs)
            {
                McastMessage first = run[0];
                string who = first.SenderName ?? first.SenderId ?? "?";
                string time = first.ReceivedAt.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
                switch (first.Kind)
                {
                    case McastMessageKind.Message:
                        Host.UI.WriteLine($"[{time}] {who}: {string.Concat(run.Select(m => m.Text))}");
                        break;
                    case McastMessageKind.Joined:
                        Host.UI.WriteLine($"[{time}] * {who} joined");
                        break;
                    case McastMessageKind.Left:
                        Host.UI.WriteLine($"[{time}] * {who} left");
                        break;
                }
            }

            Host.UI.Write(Prompt + typed);
        }

        /// <summary>With <paramref name="joinBlocks"/>, consecutive messages of one sender (Classic blocks of one text) grouped; otherwise each alone.</summary>
        private static IEnumerable<List<McastMessage>> Runs(IReadOnlyList<McastMessage> messages, bool joinBlocks)
        {
            var run = new List<McastMessage>();
            foreach (McastMessage message in messages)
            {
                bool continues = joinBlocks && run.Count > 0 && message.Kind == McastMessageKind.Message && run[0].Kind == McastMessageKind.Message
                    && Equals(message.Sender, run[0].Sender);
                if (run.Count > 0 && !continues)
                {
                    yield return run;
                    run = new List<McastMessage>();
                }

                run.Add(message);
            }

            if (run.Count > 0)
            {
                yield return run;
            }
        }

        private void Say(string text) => Host.UI.WriteLine(text);
    }
}
