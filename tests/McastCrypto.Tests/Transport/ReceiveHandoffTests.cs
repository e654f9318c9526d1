using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using McastCrypto.Transport;
using Xunit;

namespace McastCrypto.Tests.Transport
{
    /// <summary>
    /// The netstandard2.0 receive path's cancellation, tested on net8.0 with operations a test completes by hand.
    /// </summary>
    public class ReceiveHandoffTests
    {
        private readonly List<TaskCompletionSource<int>> operations = new List<TaskCompletionSource<int>>();

        private ReceiveHandoff<int> NewHandoff()
        {
            return new ReceiveHandoff<int>(() =>
            {
                var operation = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
                lock (operations)
                {
                    operations.Add(operation);
                }

                return operation.Task;
            });
        }

        [Fact]
        public async Task A_cancelled_waiter_leaves_its_operation_to_the_next_waiter()
        {
            ReceiveHandoff<int> handoff = NewHandoff();
            using var cancel = new CancellationTokenSource();
            Task<int> first = handoff.TakeAsync(cancel.Token);

            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
            Assert.True(handoff.HasOperationInFlight);

            Task<int> second = handoff.TakeAsync(CancellationToken.None);
            operations[0].SetResult(17);

            Assert.Equal(17, await second.WaitAsync(TimeSpan.FromSeconds(5)));
            Assert.Single(operations);
            Assert.False(handoff.HasOperationInFlight);
        }

        [Fact]
        public async Task A_result_that_came_while_nobody_waited_is_given_to_the_next_waiter()
        {
            ReceiveHandoff<int> handoff = NewHandoff();
            using var cancel = new CancellationTokenSource();
            Task<int> first = handoff.TakeAsync(cancel.Token);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);

            operations[0].SetResult(5);

            Assert.Equal(5, await handoff.TakeAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(5)));
        }

        [Fact]
        public async Task Each_result_goes_to_exactly_one_of_two_concurrent_waiters()
        {
            ReceiveHandoff<int> handoff = NewHandoff();
            Task<int> a = handoff.TakeAsync(CancellationToken.None);
            Task<int> b = handoff.TakeAsync(CancellationToken.None);

            operations[0].SetResult(1);
            Task<int> firstDone = await Task.WhenAny(a, b).WaitAsync(TimeSpan.FromSeconds(5));
            Assert.Equal(1, await firstDone);

            SpinWait.SpinUntil(() => { lock (operations) { return operations.Count == 2; } }, TimeSpan.FromSeconds(5));
            operations[1].SetResult(2);
            int[] results = await Task.WhenAll(a, b).WaitAsync(TimeSpan.FromSeconds(5));

            Array.Sort(results);
            Assert.Equal(new[] { 1, 2 }, results);
        }

        [Fact]
        public async Task A_failed_operation_fails_its_waiter_and_the_next_waiter_starts_a_new_one()
        {
            ReceiveHandoff<int> handoff = NewHandoff();
            Task<int> first = handoff.TakeAsync(CancellationToken.None);
            operations[0].SetException(new InvalidOperationException("boom"));

            await Assert.ThrowsAsync<InvalidOperationException>(() => first);

            Task<int> second = handoff.TakeAsync(CancellationToken.None);
            operations[1].SetResult(3);
            Assert.Equal(3, await second.WaitAsync(TimeSpan.FromSeconds(5)));
        }

        [Fact]
        public async Task An_already_cancelled_token_throws_without_starting_an_operation()
        {
            ReceiveHandoff<int> handoff = NewHandoff();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => handoff.TakeAsync(new CancellationToken(true)));

            Assert.Empty(operations);
        }
    }
}
