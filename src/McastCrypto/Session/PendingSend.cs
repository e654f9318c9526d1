using System;
using System.Threading;
using McastCrypto.Protocol;

namespace McastCrypto.Session
{
    /// <summary>
    /// A message of a protocol with acknowledgements, taken and not yet acknowledged or failed: what a
    /// caller of Send waits on. The first outcome wins; later ones change nothing.
    /// </summary>
    internal sealed class PendingSend
    {
        // Never disposed: an outcome may be set on the runner's thread after the waiter gave up, and a
        // ManualResetEventSlim whose WaitHandle is never asked for holds no kernel handle.
        private readonly ManualResetEventSlim done = new ManualResetEventSlim(false);
        private readonly object gate = new object();
        private McastSendStatus status = McastSendStatus.Queued;
        private TimeSpan? acknowledgedAfter;
        private string? reason;
        private bool timedOut;

        public PendingSend(SentMessage sent, DateTimeOffset takenAt)
        {
            Sent = sent;
            TakenAt = takenAt;
        }

        public SentMessage Sent { get; }

        /// <summary>The protocol clock's time when the protocol took the message.</summary>
        public DateTimeOffset TakenAt { get; }

        public bool IsDone => done.IsSet;

        /// <summary>Queued until the outcome: then Acknowledged or Failed.</summary>
        public McastSendStatus Status
        {
            get
            {
                lock (gate)
                {
                    return status;
                }
            }
        }

        public TimeSpan? AcknowledgedAfter
        {
            get
            {
                lock (gate)
                {
                    return acknowledgedAfter;
                }
            }
        }

        public string? Reason
        {
            get
            {
                lock (gate)
                {
                    return reason;
                }
            }
        }

        /// <summary>True when the outcome is a time-out: the session's own, or the protocol's deadline.</summary>
        public bool TimedOut
        {
            get
            {
                lock (gate)
                {
                    return timedOut;
                }
            }
        }

        /// <summary>The relay acknowledged it at <paramref name="at"/> (protocol clock). False when it already had an outcome.</summary>
        public bool Acknowledge(DateTimeOffset at)
        {
            lock (gate)
            {
                if (done.IsSet)
                {
                    return false;
                }

                status = McastSendStatus.Acknowledged;
                acknowledgedAfter = at >= TakenAt ? at - TakenAt : TimeSpan.Zero;
                done.Set();
                return true;
            }
        }

        /// <summary>It failed, for <paramref name="why"/>. False when it already had an outcome.</summary>
        public bool Fail(string why, bool isTimeout)
        {
            lock (gate)
            {
                if (done.IsSet)
                {
                    return false;
                }

                status = McastSendStatus.Failed;
                reason = why;
                timedOut = isTimeout;
                done.Set();
                return true;
            }
        }

        /// <summary>Waits up to <paramref name="timeout"/> for the outcome; OperationCanceledException when cancelled.</summary>
        public bool Wait(TimeSpan timeout, CancellationToken cancellationToken) => done.Wait(timeout, cancellationToken);
    }
}
