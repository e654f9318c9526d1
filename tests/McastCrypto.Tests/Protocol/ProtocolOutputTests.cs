using System;
using System.Linq;
using McastCrypto.Protocol;
using Xunit;

namespace McastCrypto.Tests.Protocol
{
    public class ProtocolOutputTests
    {
        private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

        [Fact]
        public void A_host_that_does_not_report_departures_has_a_datagram_leave_when_its_step_produced_it()
        {
            var output = new ProtocolOutput<string>();
            var departure = new DatagramDeparture();
            output.Add(new byte[] { 1 }, departure, Now);
            Assert.Equal(Now, departure.At);
            Assert.Null(output.DepartureOf(0));
            Assert.Single(output.Datagrams);
        }

        [Fact]
        public void A_host_that_reports_departures_finds_each_datagrams_own_and_none_for_the_others()
        {
            var output = new ProtocolOutput<string> { ReportsDepartures = true };
            var a = new DatagramDeparture();
            var b = new DatagramDeparture();
            output.Datagrams.Add(new byte[] { 0 });
            output.Add(new byte[] { 1 }, a, Now);
            output.Datagrams.Add(new byte[] { 2 });
            output.Datagrams.Add(new byte[] { 3 });
            output.Add(new byte[] { 4 }, b, Now);
            output.Datagrams.Add(new byte[] { 5 });

            Assert.Null(a.At);
            Assert.Equal(6, output.Datagrams.Count);
            Assert.Equal(new DatagramDeparture?[] { null, a, null, null, b, null }, new[] { 0, 1, 2, 3, 4, 5 }.Select(output.DepartureOf));

            output.Clear();
            output.Datagrams.Add(new byte[] { 6 });
            Assert.Null(output.DepartureOf(0));
            Assert.Null(output.DepartureOf(-1));
        }

        [Fact]
        public void Only_the_first_stamp_of_a_departure_counts()
        {
            var departure = new DatagramDeparture();
            Assert.Null(departure.At);
            departure.Stamp(Now);
            departure.Stamp(Now.AddSeconds(1));
            Assert.Equal(Now, departure.At);
        }
    }
}
