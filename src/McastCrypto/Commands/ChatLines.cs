using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using McastCrypto.Protocol;
using McastCrypto.Session;

namespace McastCrypto.Commands
{
    /// <summary>
    /// The lines Enter-McastChat prints for what arrives and for what became of its own messages.
    /// Pure: messages in, text out; what came from the network is made printable.
    /// </summary>
    internal static class ChatLines
    {
        // How much of a message that was not delivered the notice quotes.
        private const int QuoteLength = 40;

        /// <summary>
        /// One run of arrivals as a line: a join, leave, state change or Gap as a notice (* ...), a
        /// message as "sender: text" (a Classic text's consecutive blocks joined), bytes as their
        /// size, a file as its name and size. <paramref name="selfId"/> tells this session's own
        /// join and leave, which say "you".
        /// </summary>
        public static string Arrival(IReadOnlyList<McastMessage> run, string? selfId, string sessionName)
        {
            if (run is null || run.Count == 0)
            {
                throw new ArgumentException("A run holds at least one message.", nameof(run));
            }

            McastMessage first = run[0];
            string time = Time(first.ReceivedAt);
            bool self = selfId is not null && first.SenderId == selfId;
            string who = Who(first);
            switch (first.Kind)
            {
                case McastMessageKind.Joined:
                    return self ? $"{time} * you joined as {ChatText.Printable(sessionName)}" : $"{time} * {who} joined";
                case McastMessageKind.Left:
                    return self ? $"{time} * you left the group" : $"{time} * {who} left";
                case McastMessageKind.StateChanged:
                    switch (first.State)
                    {
                        case MemberState.RelayLost:
                            return $"{time} * relay lost";
                        case MemberState.Connected:
                            return $"{time} * connected again";
                        case MemberState.Failed:
                            return $"{time} * failed: {ChatText.Printable(first.Text ?? "?")}";
                        default:
                            return $"{time} * {first.State}";
                    }

                case McastMessageKind.Gap:
                    return $"{time} * {Lost(first)}";
                default:
                    switch (first.ContentKind)
                    {
                        case MessageContentKind.Data:
                            return $"{time} {who}: [{Size(first.Length ?? 0)}]";
                        case MessageContentKind.File:
                            return $"{time} {who}: [file {ChatText.Printable(first.FileName)}, {Size(first.Length ?? 0)}]";
                        default:
                            return $"{time} {who}: {ChatText.Printable(string.Concat(run.Select(m => m.Text)))}";
                    }
            }
        }

        /// <summary>
        /// A notice that a message this chat sent was not delivered: its first words and why, e.g.
        /// <c>[10:00:00] * not delivered: "hello" (the relay refused it: larger than its limit)</c>.
        /// </summary>
        public static string NotDelivered(string text, string? reason, DateTimeOffset at)
        {
            string quoted = ChatText.Printable(text.Length > QuoteLength ? text.Substring(0, QuoteLength) + "…" : text);
            return $"{Time(at)} * not delivered: \"{quoted}\" ({ChatText.Printable(reason ?? "no reason given")})";
        }

        /// <summary>
        /// What a Gap lost, from whom and why: "lost 3 fragments of 1 message from alice: not
        /// repaired in time". A count of 0 is unknown and left out (an inbox that overflowed knows the
        /// messages it dropped, not their fragments).
        /// </summary>
        public static string Lost(McastMessage gap)
        {
            long fragments = gap.LostFragments ?? 0;
            long messages = gap.LostMessages ?? 0;
            string what = fragments > 0 && messages > 0 ? $"{Count(fragments, "fragment")} of {Count(messages, "message")}"
                : messages > 0 ? Count(messages, "message")
                : fragments > 0 ? Count(fragments, "fragment")
                : "messages";
            string from = gap.Sender is null ? string.Empty : " from " + Who(gap);
            string why = string.IsNullOrEmpty(gap.Reason) ? string.Empty : ": " + ChatText.Printable(gap.Reason);
            return $"lost {what}{from}{why}";
        }

        /// <summary>A size as a person reads it: exact below 1 MiB ("1,024 bytes", "1 byte"), else in MiB to a tenth ("20 MiB", "1.5 MiB").</summary>
        public static string Size(long bytes)
        {
            const long MiB = 1024 * 1024;
            if (bytes < MiB)
            {
                return Count(bytes, "byte");
            }

            return (Math.Floor(bytes * 10.0 / MiB) / 10).ToString("#,0.#", CultureInfo.InvariantCulture) + " MiB";
        }

        private static string Count(long n, string what) =>
            n.ToString("#,0", CultureInfo.InvariantCulture) + " " + what + (n == 1 ? string.Empty : "s");

        private static string Who(McastMessage message) => ChatText.Printable(message.SenderName ?? message.SenderId ?? "?");

        private static string Time(DateTimeOffset at) => "[" + at.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture) + "]";
    }
}
