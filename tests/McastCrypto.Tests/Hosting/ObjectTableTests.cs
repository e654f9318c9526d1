using System;
using System.Threading;
using McastCrypto.Hosting;
using Xunit;

namespace McastCrypto.Tests.Hosting
{
    public class ObjectTableTests
    {
        [Fact]
        public void ClosingAllSaysHowManyWereOpenAndClosesPastOneThatThrows()
        {
            var table = new ObjectTable<Thing>(closeOrder: 99, noun: "thing");
            var first = new Thing(table, throws: true);
            var second = new Thing(table, throws: false);
            Assert.Equal("thing", table.Noun);
            Assert.Equal(2, table.CloseAll());
            Assert.True(first.Disposed);
            Assert.True(second.Disposed);
            Assert.Equal(0, table.CloseAll());
        }

        [Fact]
        public void ClosingAllClosesTheObjectsSideBySideNotOneAfterAnother()
        {
            // Each close waits until all four are closing at once: closed one after another, the
            // first would wait out its 5 s bound and report that it never met the others.
            var table = new ObjectTable<Thing>(closeOrder: 99, noun: "thing");
            using var allClosing = new CountdownEvent(4);
            var things = new Thing[4];
            for (int i = 0; i < things.Length; i++)
            {
                things[i] = new Thing(table, throws: false, onDispose: () =>
                {
                    allClosing.Signal();
                    return allClosing.Wait(TimeSpan.FromSeconds(5));
                });
            }

            Assert.Equal(4, table.CloseAll());
            Assert.All(things, t => Assert.True(t.MetTheOthers));
        }

        [Fact]
        public void ClosingAllWaitsNoLongerThanItsBoundForAnObjectThatHangs()
        {
            var table = new ObjectTable<Thing>(closeOrder: 99, noun: "thing");
            using var release = new ManualResetEventSlim();
            var hanging = new Thing(table, throws: false, onDispose: () => release.Wait(TimeSpan.FromSeconds(30)));
            var quick = new Thing(table, throws: false);
            try
            {
                Assert.Equal(2, table.CloseAll(TimeSpan.FromMilliseconds(200)));
                Assert.True(quick.Disposed);
                Assert.False(hanging.MetTheOthers);
            }
            finally
            {
                release.Set();
            }
        }

        private sealed class Thing : IDisposable
        {
            private readonly ObjectTable<Thing> table;
            private readonly bool throws;
            private readonly int id;

            private readonly Func<bool>? onDispose;

            public Thing(ObjectTable<Thing> table, bool throws, Func<bool>? onDispose = null)
            {
                this.table = table;
                this.throws = throws;
                this.onDispose = onDispose;
                id = table.Add(this);
            }

            public bool Disposed { get; private set; }

            /// <summary>What the close hook returned: true when it saw what it waited for.</summary>
            public bool MetTheOthers { get; private set; }

            public void Dispose()
            {
                if (onDispose is not null)
                {
                    MetTheOthers = onDispose();
                }

                Disposed = true;
                table.Remove(id);
                if (throws)
                {
                    throw new InvalidOperationException("closing failed");
                }
            }
        }
    }
}
