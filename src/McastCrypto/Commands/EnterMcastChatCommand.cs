using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Protocol;
using McastCrypto.Session;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Chats in a session's group: what others write appears as it arrives, what the user types
    /// goes to the group line by line, edited with the arrow keys, Home, End, Backspace and Delete,
    /// with Up and Down through the lines entered before. /peers lists the members, /help the
    /// commands, /quit (or Ctrl+C) ends the chat; //text sends /text. Bytes and files that arrive
    /// show as their size and name, lost messages (Gap) and messages of its own the relay did not
    /// take as notices.
    /// </summary>
    [Cmdlet(VerbsCommon.Enter, "McastChat")]
    [OutputType(typeof(void))]
    public sealed class EnterMcastChatCommand : PSCmdlet
    {
        private const string Prompt = "> ";

        private static readonly string[] HelpText =
        {
            "Type a message and press Enter to send it to the group. Commands:",
            "  /peers        the members this session knows",
            "  /help         this list",
            "  /quit, /exit  end the chat (so does Ctrl+C)",
            "  //text        send a message that starts with a slash: //etc sends /etc",
            "Keys: Left, Right, Home, End move; Backspace, Delete erase; Up, Down recall the lines entered before.",
        };

        // Classic splits a long text into blocks that may straddle two reads; a sender's last run
        // is held this long for the rest of its blocks, so the text shows as one line.
        private static readonly TimeSpan BlockHold = TimeSpan.FromMilliseconds(150);
        private readonly CancellationTokenSource stopping = new CancellationTokenSource();
        private readonly List<McastMessage> held = new List<McastMessage>();

        // This chat's messages without an outcome yet (protocols with acknowledgements): each gets
        // one (the session fails those it stops tracking), so the list stays bounded.
        private readonly List<PendingSend> unsettled = new List<PendingSend>();

        // This session's id in the group, to tell its own join and leave from the others'.
        private string? selfId;

        /// <summary>The session to chat in: the object, an open session's exact name, or its Id.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        [SessionTransformation]
        [ArgumentCompleter(typeof(SessionNameCompleter))]
        [ValidateNotNull]
        public McastSession? Session { get; set; }

        /// <summary>Close the session when the chat ends.</summary>
        [Parameter]
        public SwitchParameter RemoveSession { get; set; }

        protected override void ProcessRecord()
        {
            McastSession session = Session!;
            if (RefuseEnded(session))
            {
                return;
            }

            ChatInput input = ChatInput.For(Host, Prompt);
            selfId = SelfId(session);
            input.Print($"Chat in {AddressText.EndPoint(session.Group, session.Port)} as {session.Name} ({AddressText.EndPoint(session.LocalEndPoint)}). Type and press Enter to send; /help lists the commands, /quit ends.");
            try
            {
                input.ShowPrompt();
                while (!stopping.IsCancellationRequested && session.State != MemberState.Closed)
                {
                    ShowArrivals(session, input);
                    ShowOutcomes(input);
                    string? line = input.TryReadLine();
                    if (line is not null)
                    {
                        if (!Handle(session, input, line))
                        {
                            break;
                        }

                        input.ShowPrompt();
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
                ShowOutcomes(input);
            }
            finally
            {
                // Also after Ctrl+C: the line typed so far stays, and the shell's prompt starts below it.
                input.Finish();
                if (RemoveSession)
                {
                    session.Close();
                    input.Print($"{Now()} * you left the group");
                }
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        /// <summary>
        /// A closed or failed session can neither send nor receive: an error, not a chat screen that
        /// ends at once (or one where nothing typed would ever be sent).
        /// </summary>
        private bool RefuseEnded(McastSession session)
        {
            MemberState state = session.State;
            if (state != MemberState.Closed && state != MemberState.Failed)
            {
                return false;
            }

            string why = state == MemberState.Closed
                ? $"Session {session.Name} (Id {session.Id}) is closed: it can no longer send or receive."
                : $"Session {session.Name} (Id {session.Id}) failed and can no longer send or receive: {session.Failure?.Message}";
            WriteError(CmdletErrors.Record(
                new InvalidOperationException(why),
                state == MemberState.Closed ? "SessionClosed" : "SessionFailed",
                ErrorCategory.ResourceUnavailable,
                session,
                "Open a new session with New-McastSession and chat in that one."));
            return true;
        }

        /// <summary>Acts on one typed line; false ends the chat.</summary>
        private bool Handle(McastSession session, ChatInput input, string typed)
        {
            string line = typed.Trim();
            if (line.Length == 0)
            {
                return true;
            }

            if (line.StartsWith("//", StringComparison.Ordinal))
            {
                // A message that starts with a slash, written with two.
                Send(session, line.Substring(1));
                return true;
            }

            if (line[0] != '/')
            {
                Send(session, line);
                return true;
            }

            int space = line.IndexOfAny(new[] { ' ', '\t' });
            string command = space < 0 ? line : line.Substring(0, space);
            switch (command.ToLowerInvariant())
            {
                case "/quit":
                case "/exit":
                    return false;
                case "/help":
                    input.Print(HelpText);
                    return true;
                case "/peers":
                    input.Print(session.GetPeers().Select(peer =>
                        $"  {ChatText.Printable(peer.Name ?? peer.Id)}{(peer.IsSelf ? " (you)" : string.Empty)}: {peer.State}, last seen {peer.LastSeen.ToLocalTime():HH:mm:ss}"));
                    return true;
                default:
                    // Never sent: a mistyped /quit must not reach the whole group.
                    input.Print($"Unknown command {ChatText.Printable(command)}; /help lists the commands");
                    return true;
            }
        }

        private void Send(McastSession session, string text)
        {
            try
            {
                // Not waited for: the chat goes on, and ShowOutcomes says later if it failed.
                PendingSend? pending = session.SendTracked(MessageContent.FromText(text));
                if (pending is not null)
                {
                    unsettled.Add(pending);
                }
            }
            catch (Exception e) when (e is InvalidOperationException || e is ArgumentException || e is Transport.McastTransportException)
            {
                WriteError(CmdletErrors.Record(e, "ChatSendFailed", ErrorCategory.InvalidOperation, text));
            }
        }

        /// <summary>
        /// Prints a notice for each message of this chat's that failed since the last look (the relay
        /// refused it, did not acknowledge it in time, was lost before it did), and forgets the ones
        /// that have an outcome.
        /// </summary>
        private void ShowOutcomes(ChatInput input)
        {
            if (unsettled.Count == 0)
            {
                return;
            }

            var failed = new List<string>();
            unsettled.RemoveAll(pending =>
            {
                if (!pending.IsDone)
                {
                    return false;
                }

                if (pending.Status == McastSendStatus.Failed)
                {
                    failed.Add(ChatLines.NotDelivered(pending.Sent.Text ?? string.Empty, pending.Reason, DateTimeOffset.Now));
                }

                return true;
            });
            if (failed.Count > 0)
            {
                input.Print(failed);
            }
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

            selfId ??= SelfId(session);
            input.Print(runs.Select(run => ChatLines.Arrival(run, selfId, session.Name)));
        }

        private static string? SelfId(McastSession session)
        {
            try
            {
                return session.MemberId;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
        }

        private static string Now() => "[" + DateTimeOffset.Now.ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "]";

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
    }
}
