using System;
using System.Globalization;
using System.Management.Automation;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Error records as a user should read them: the message without the suffixes .NET adds for
    /// programmers (" (Parameter 'text')", "Object name: 'x'.", "Actual value was 5."), the thing the
    /// user named as the target, and where there is one, what to do in ErrorDetails.RecommendedAction.
    /// </summary>
    internal static class CmdletErrors
    {
        /// <summary>
        /// An error record for <paramref name="exception"/>. An exception whose message carries a .NET
        /// suffix is replaced by one of the same family with the clean message (the original is its
        /// InnerException), so that the message is clean wherever it is read: the error view,
        /// $_.Exception.Message, or a log.
        /// </summary>
        public static ErrorRecord Record(Exception exception, string errorId, ErrorCategory category, object? target, string? recommendedAction = null)
        {
            var record = new ErrorRecord(WithCleanMessage(exception), errorId, category, target);
            if (recommendedAction is not null)
            {
                record.ErrorDetails = new ErrorDetails(record.Exception.Message) { RecommendedAction = recommendedAction };
            }

            return record;
        }

        /// <summary>What a user named for a group: "group:port", "[ipv6-group]:port".</summary>
        public static string GroupTarget(MulticastOptions network) =>
            AddressText.EndPoint(network.Group, network.Port);

        /// <summary>The exception itself when its message is clean; otherwise one of the same family with the clean message.</summary>
        public static Exception WithCleanMessage(Exception exception)
        {
            string clean = CleanMessage(exception);
            if (clean == exception.Message)
            {
                return exception;
            }

            switch (exception)
            {
                case ArgumentException:
                    return new ArgumentException(clean, exception);
                default:
                    // ObjectDisposedException: the object can no longer be used, which is what InvalidOperationException says.
                    return new InvalidOperationException(clean, exception);
            }
        }

        /// <summary>
        /// The message of <paramref name="exception"/> without what .NET appends for programmers: the
        /// parameter name of an ArgumentException (and the actual value of an
        /// ArgumentOutOfRangeException), the object name of an ObjectDisposedException. The suffixes
        /// are found by asking the runtime for them, so the wording of any .NET version and language is removed.
        /// </summary>
        public static string CleanMessage(Exception exception)
        {
            if (exception is null)
            {
                throw new ArgumentNullException(nameof(exception));
            }

            string message = exception.Message;
            string suffix;
            switch (exception)
            {
                case ArgumentOutOfRangeException range:
                    suffix = new ArgumentOutOfRangeException(range.ParamName, range.ActualValue, string.Empty).Message;
                    break;
                case ArgumentException argument:
                    suffix = new ArgumentException(string.Empty, argument.ParamName).Message;
                    break;
                case ObjectDisposedException disposed:
                    suffix = new ObjectDisposedException(disposed.ObjectName, string.Empty).Message;
                    break;
                default:
                    return message;
            }

            if (suffix.Length > 0 && message.Length > suffix.Length && message.EndsWith(suffix, StringComparison.Ordinal))
            {
                return message.Substring(0, message.Length - suffix.Length).TrimEnd();
            }

            return message;
        }
    }
}
