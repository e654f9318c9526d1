using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using McastCrypto.Transport;

namespace McastCrypto.Commands
{
    /// <summary>
    /// Listens on a group and writes every datagram heard there, raw, as it arrives, until Ctrl+C,
    /// -Count or -Timeout. It joins the group and sends nothing.
    /// </summary>
    [Cmdlet(VerbsCommon.Watch, "McastGroup")]
    [OutputType(typeof(McastDatagram))]
    public sealed class WatchMcastGroupCommand : McastGroupCommand
    {
        // A wait is re-armed at least this often: CancelAfter takes at most int.MaxValue milliseconds.
        private static readonly TimeSpan LongestWait = TimeSpan.FromHours(1);

        // After a receive error the watcher pauses this long, and it gives up after this many in a row.
        private static readonly TimeSpan ErrorPause = TimeSpan.FromMilliseconds(100);
        private const int MaxErrorsInARow = 10;

        private readonly CancellationTokenSource stopping = new CancellationTokenSource();

        /// <summary>Stop after this many datagrams.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int Count { get; set; }

        /// <summary>Stop after this many seconds.</summary>
        [Parameter]
        [ValidateRange(0, 31536000)]
        public double Timeout { get; set; }

        protected override void EndProcessing()
        {
            MulticastOptions options = NetworkOptions();
            MulticastChannel channel;
            try
            {
                channel = new MulticastChannel(options);
            }
            catch (McastTransportException e)
            {
                ThrowSocketError(e, CmdletErrors.GroupTarget(options));
                return;
            }

            using (channel)
            {
                string where = channel.InterfaceIndex is int index ? channel.InterfaceName + ", index " + index : channel.InterfaceAddress.ToString();
                WriteVerbose($"Listening on group {channel.Group} port {channel.Port}, interface {options.Interface ?? "the system's default"} ({where}). Ctrl+C stops.");
                int heard = Listen(channel);
                WriteVerbose($"Heard {heard} datagrams.");
                long? dropped = channel.KernelDrops;
                if (dropped > 0)
                {
                    // The socket's buffer filled up while the pipeline was busy: say so rather than lose them silently.
                    WriteWarning($"The system dropped {dropped} datagrams of group {channel.Group} port {channel.Port} because they arrived faster than the pipeline took them.");
                }
            }
        }

        protected override void StopProcessing() => stopping.Cancel();

        private int Listen(MulticastChannel channel)
        {
            bool timed = MyInvocation.BoundParameters.ContainsKey(nameof(Timeout));
            TimeSpan limit = timed ? TimeSpan.FromSeconds(Timeout) : TimeSpan.MaxValue;
            int wanted = Count > 0 ? Count : int.MaxValue;
            Stopwatch elapsed = Stopwatch.StartNew();
            int heard = 0;
            int errorsInARow = 0;
            while (heard < wanted && !stopping.IsCancellationRequested)
            {
                TimeSpan left = timed ? limit - elapsed.Elapsed : LongestWait;
                if (left <= TimeSpan.Zero)
                {
                    break;
                }

                Datagram datagram;
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token))
                {
                    wait.CancelAfter(left < LongestWait ? left : LongestWait);
                    try
                    {
                        datagram = channel.ReceiveAsync(wait.Token).GetAwaiter().GetResult();
                    }
                    catch (OperationCanceledException)
                    {
                        // Ctrl+C or the time-out: the loop's conditions say which.
                        continue;
                    }
                    catch (McastTransportException e)
                    {
                        // Rare on UDP (an error the system reports for the socket): one is written and
                        // the watch goes on; as many in a row as MaxErrorsInARow end it, the last as a terminating error.
                        var error = new ErrorRecord(e, "ReceiveFailed", ErrorCategory.ReadError, channel.ToString());
                        if (++errorsInARow >= MaxErrorsInARow)
                        {
                            ThrowTerminatingError(error);
                        }

                        WriteError(error);
                        stopping.Token.WaitHandle.WaitOne(ErrorPause);
                        continue;
                    }
                }

                errorsInARow = 0;
                heard++;
                WriteObject(new McastDatagram(datagram.Payload, datagram.Source, channel.Group, channel.Port, DateTimeOffset.Now));
            }

            return heard;
        }
    }
}
