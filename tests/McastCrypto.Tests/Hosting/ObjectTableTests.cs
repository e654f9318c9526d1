using System;
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

        private sealed class Thing : IDisposable
        {
            private readonly ObjectTable<Thing> table;
            private readonly bool throws;
            private readonly int id;

            public Thing(ObjectTable<Thing> table, bool throws)
            {
                this.table = table;
                this.throws = throws;
                id = table.Add(this);
            }

            public bool Disposed { get; private set; }

            public void Dispose()
            {
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
