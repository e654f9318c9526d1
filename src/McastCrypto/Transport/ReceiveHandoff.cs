using System;
using System.Threading;
using System.Threading.Tasks;

namespace McastCrypto.Transport
{
    /// <summary>
    /// Makes a receive operation that cannot itself be cancelled (netstandard2.0's
    /// ReceiveMessageFromAsync has no token) cancellable without losing data: a waiter that gives up
    /// leaves the operation in flight, and its result goes to the next waiter. Each operation's
    /// result is handed to exactly one waiter. Used on netstandard2.0; compiled everywhere so it is
    /// tested on net8.0.
    /// </summary>
    internal sealed class ReceiveHandoff<T>
    {
        private readonly Func<Task<T>> start;
        private readonly object gate = new object();
        private Task<T>? inFlight;

        /// <param name="start">Begins one receive; called under a lock, so it must only start the operation.</param>
        public ReceiveHandoff(Func<Task<T>> start)
        {
            this.start = start ?? throw new ArgumentNullException(nameof(start));
        }

        /// <summary>True while an operation runs whose result no waiter has taken yet.</summary>
        public bool HasOperationInFlight
        {
            get
            {
                lock (gate)
                {
                    return inFlight is not null;
                }
            }
        }

        /// <summary>
        /// Waits for the result of the operation in flight (starting one if none is), or throws
        /// <see cref="OperationCanceledException"/> when the token is cancelled first.
        /// </summary>
        public async Task<T> TakeAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                Task<T> operation;
                lock (gate)
                {
                    if (inFlight is null)
                    {
                        Task<T> started = start();
                        ObserveFault(started);
                        inFlight = started;
                    }

                    operation = inFlight;
                }

                await WhenCompletedOrCancelled(operation, cancellationToken).ConfigureAwait(false);

                lock (gate)
                {
                    if (!ReferenceEquals(inFlight, operation))
                    {
                        // Another waiter took this result; wait for the next one.
                        continue;
                    }

                    inFlight = null;
                }

                return await operation.ConfigureAwait(false);
            }
        }

        private static async Task WhenCompletedOrCancelled(Task operation, CancellationToken cancellationToken)
        {
            if (operation.IsCompleted)
            {
                return;
            }

            if (!cancellationToken.CanBeCanceled)
            {
                await Task.WhenAny(operation).ConfigureAwait(false);
                return;
            }

            var cancelled = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            using (cancellationToken.Register(state => ((TaskCompletionSource<bool>)state!).TrySetResult(true), cancelled))
            {
                Task first = await Task.WhenAny(operation, cancelled.Task).ConfigureAwait(false);
                if (!ReferenceEquals(first, operation))
                {
                    throw new OperationCanceledException(cancellationToken);
                }
            }
        }

        /// <summary>An operation may end with nobody waiting (its waiters cancelled, the owner disposed); keep its fault observed.</summary>
        private static void ObserveFault(Task task)
        {
            task.ContinueWith(
                t => _ = t.Exception,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }
}
