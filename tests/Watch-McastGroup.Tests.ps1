# Watch-McastGroup as a user calls it: every datagram of a group, raw, until -Count, -Timeout or Ctrl+C.
# The watcher runs in a [powershell] of its own (a runspace of this process), so that the test can send
# while it listens, and so that a watcher that never stopped would fail a bounded wait, not hang the run.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:modulePath = Get-McastTestModulePath

    function Start-Watcher {
        # Starts 'Watch-McastGroup @Parameters [| ConvertFrom-Tlv -Recurse]' and returns once it has
        # joined the group (its verbose line is written after the join).
        param([Parameter(Mandatory)] [hashtable] $Parameters, [switch] $Decode)
        $ps = [powershell]::Create()
        # One script, not a batch of statements: a batch's worker may still run after the invocation ends.
        $null = $ps.AddScript({
                param($Module, $Parameters, $Decode)
                Import-Module $Module
                if ($Decode) { Watch-McastGroup @Parameters -Verbose | ConvertFrom-Tlv -Recurse }
                else { Watch-McastGroup @Parameters -Verbose }
            }.ToString()).AddArgument($modulePath).AddArgument($Parameters).AddArgument([bool]$Decode)
        $in = [Management.Automation.PSDataCollection[psobject]]::new()
        $in.Complete()
        $out = [Management.Automation.PSDataCollection[psobject]]::new()
        $watcher = [pscustomobject]@{ PowerShell = $ps; Async = $ps.BeginInvoke($in, $out); Output = $out }
        $listening = Wait-McastCondition { $ps.Streams.Verbose.Count -gt 0 -or $watcher.Async.IsCompleted } -TimeoutSeconds 15
        if (-not $listening -or $watcher.Async.IsCompleted) {
            $problem = @($ps.Streams.Error) -join '; '
            $ps.Dispose()
            throw "The watcher did not start listening: $problem"
        }
        $watcher
    }

    function Stop-Watcher {
        # Ctrl+C, bounded: returns whether the watcher stopped within 10 s.
        param([Parameter(Mandatory)] $Watcher)
        $Watcher.PowerShell.BeginStop($null, $null).AsyncWaitHandle.WaitOne(10000)
    }

    function Get-Heard {
        # What the watcher wrote since the last call, as the objects themselves; always an array.
        param([Parameter(Mandatory)] $Watcher)
        return , [object[]]@($Watcher.Output.ReadAll() | ForEach-Object { $_.psobject.BaseObject })
    }

    function Send-Until {
        # Sends datagrams made by $Make (given a counter) on $Channel every 50 ms until $Until holds
        # (true) or 10 s pass (false).
        param([Parameter(Mandatory)] $Channel, [Parameter(Mandatory)] [scriptblock] $Make, [Parameter(Mandatory)] [scriptblock] $Until)
        $deadline = [DateTime]::UtcNow.AddSeconds(10)
        $i = 0
        while ([DateTime]::UtcNow -lt $deadline) {
            if (& $Until) { return $true }
            $Channel.Send([byte[]](& $Make $i))
            $i++
            Start-Sleep -Milliseconds 50
        }
        [bool](& $Until)
    }
}

Describe 'Watch-McastGroup' {
    Context 'a relay and two sessions on the group' {
        It 'hears every datagram the relay and both sessions sent, from each one''s address' {
            $net = New-McastTestNet
            $watcher = Start-Watcher -Parameters $net
            try {
                $relay = Start-McastRelay @net
                $alice = New-McastSession alice @net -RelayFingerprint $relay.KeyFingerprint
                $bob = New-McastSession bob @net -RelayFingerprint $relay.KeyFingerprint
                Send-McastMessage -Session $alice -Message 'watched'
                @(Receive-McastMessage -Session $bob -Count 2 -Timeout 10).Text | Should -Contain 'watched'
                $senders = @{ relay = $relay; alice = $alice; bob = $bob }
                $alice, $bob | Remove-McastSession
                $relay | Stop-McastRelay

                # Everything each one sent (its final DatagramsOut) reaches the watcher on loopback.
                $heard = [Collections.Generic.List[object]]::new()
                $all = Wait-McastCondition {
                    $heard.AddRange([object[]](Get-Heard $watcher))
                    foreach ($name in $senders.Keys) {
                        $from = "$($senders[$name].LocalEndPoint)"
                        if (@($heard | Where-Object { "$($_.Source)" -eq $from }).Count -lt $senders[$name].DatagramsOut) { return $false }
                    }
                    $true
                }
                $all | Should -BeTrue -Because 'the watcher hears what the relay and the sessions sent'
                foreach ($name in $senders.Keys) {
                    $from = @($heard | Where-Object { "$($_.Source)" -eq "$($senders[$name].LocalEndPoint)" })
                    $senders[$name].DatagramsOut | Should -BeGreaterThan 0
                    $from.Count | Should -Be $senders[$name].DatagramsOut -Because "$name sent that many"
                }
                $heard[0] | Should -BeOfType ([McastCrypto.Commands.McastDatagram])
                # Both sessions said hello, the relay welcomed them: the first record's type is read from each datagram.
                @($heard | Where-Object TypeName -eq 'SecureHello' | ForEach-Object { "$($_.Source)" } | Sort-Object -Unique) |
                    Should -Be @("$($alice.LocalEndPoint)", "$($bob.LocalEndPoint)" | Sort-Object)
                @($heard | Where-Object TypeName -eq 'SecureWelcome' | ForEach-Object { "$($_.Source)" } | Sort-Object -Unique) | Should -Be "$($relay.LocalEndPoint)"
                foreach ($datagram in $heard) {
                    $datagram.Group | Should -Be ([ipaddress]$net.Group)
                    $datagram.Port | Should -Be $net.Port
                    $datagram.Length | Should -Be $datagram.Bytes.Length
                }
            }
            finally {
                Get-McastSession | Remove-McastSession
                Get-McastRelay | Stop-McastRelay
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.Dispose()
            }
        }
    }

    Context 'the bytes as sent' {
        It 'writes each datagram''s bytes, sender, time and first record type, and a type only for a whole TLV record' {
            $net = New-McastTestNet
            $channel = New-McastTestChannel $net
            $watcher = Start-Watcher -Parameters ($net + @{ Count = 2 })
            try {
                $before = [DateTimeOffset]::Now
                $tlv = ConvertTo-Tlv -Type RelayedMessage -Value ([byte[]](1, 2, 3))
                $notTlv = [byte[]](0, 6, 0, 9, 1)
                $channel.Send($tlv)
                $channel.Send($notTlv)
                $watcher.Async.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
                $heard = Get-Heard $watcher
                $heard.Count | Should -Be 2
                $heard[0].Bytes | Should -Be $tlv
                $heard[1].Bytes | Should -Be $notTlv
                $heard[0].TypeName | Should -Be 'RelayedMessage'
                $heard[0].Type | Should -Be ([McastCrypto.Tlv.TlvType]::RelayedMessage)
                $heard[1].TypeName | Should -BeNullOrEmpty -Because 'its header announces 9 bytes and only 1 follows'
                $heard[0].Hex | Should -Be '00060003010203'
                "$($heard[0].Source)" | Should -Be "$($channel.LocalEndPoint)"
                $heard[0].ReceivedAt | Should -BeGreaterOrEqual $before
                $heard[1].ReceivedAt | Should -BeGreaterOrEqual $heard[0].ReceivedAt
            }
            finally {
                $channel.Dispose()
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.Dispose()
            }
        }

        It 'shows datagrams as a table with time, source, length, type name and the first bytes' {
            $bytes = [byte[]](0, 9, 0, 0) + [byte[]](0, 6, 0, 20) + [byte[]](1..20)
            $datagram = [McastCrypto.Commands.McastDatagram]::new($bytes, [Net.IPEndPoint]::new([ipaddress]'127.0.0.1', 40000),
                [ipaddress]'239.255.1.2', 30000, [DateTimeOffset]::new(2026, 1, 2, 13, 14, 15, 16, [DateTimeOffset]::Now.Offset))
            $text = $datagram | Out-String -Width 120
            $text | Should -Match 'Time\s+Source\s+Length\s+TypeName\s+Bytes'
            $text | Should -Match '13:14:15\.016\s+127\.0\.0\.1:40000\s+28\s+KeepAlive\s+00090000000600140102030405060708\u2026'
        }
    }

    Context 'bounds' {
        It 'stops after -Count datagrams' {
            $net = New-McastTestNet
            $channel = New-McastTestChannel $net
            $watcher = Start-Watcher -Parameters ($net + @{ Count = 3 })
            try {
                Send-Until -Channel $channel -Make { param($i) ConvertTo-Tlv -Type 4242 -Value ([byte[]]($i)) } -Until { $watcher.Async.IsCompleted } |
                    Should -BeTrue -Because 'the watcher ends by itself after 3 datagrams'
                $watcher.PowerShell.InvocationStateInfo.State | Should -Be 'Completed'
                $heard = Get-Heard $watcher
                $heard.Count | Should -Be 3
                # Three consecutive datagrams of the ones sent, in order.
                $first = $heard[0].Bytes[4]
                $heard | ForEach-Object { $_.Bytes[4] } | Should -Be @($first, ($first + 1), ($first + 2))
            }
            finally {
                $channel.Dispose()
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.Dispose()
            }
        }

        It 'stops after -Timeout seconds, with what it heard by then' {
            $net = New-McastTestNet
            $channel = New-McastTestChannel $net
            $watcher = Start-Watcher -Parameters ($net + @{ Timeout = 2 })
            try {
                $channel.Send((ConvertTo-Tlv KeepAlive))
                # The bound proves that it ends by itself; it does not measure how fast.
                $watcher.Async.AsyncWaitHandle.WaitOne(20000) | Should -BeTrue
                $watcher.PowerShell.InvocationStateInfo.State | Should -Be 'Completed'
                @($watcher.PowerShell.Streams.Error).Count | Should -Be 0
                $heard = Get-Heard $watcher
                $heard.Count | Should -Be 1 -Because 'one datagram was sent while it listened'
                $heard[0].TypeName | Should -Be 'KeepAlive'
            }
            finally {
                $channel.Dispose()
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.Dispose()
            }
        }

        It 'stops at once when the pipeline is stopped (Ctrl+C)' {
            $net = New-McastTestNet
            $watcher = Start-Watcher -Parameters $net
            try {
                Start-Sleep -Milliseconds 500
                $watcher.Async.IsCompleted | Should -BeFalse -Because 'without -Count or -Timeout it watches until stopped'
                # Without StopProcessing the receive would never end and Stop would hang: the bound
                # only proves that it stops at all.
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.InvocationStateInfo.State | Should -Be 'Stopped'
            }
            finally {
                $watcher.PowerShell.Dispose()
            }
        }
    }

    Context 'into ConvertFrom-Tlv -Recurse' {
        It 'decodes each datagram: Watch-McastGroup -Count 5 | ConvertFrom-Tlv -Recurse' {
            $net = New-McastTestNet
            $channel = New-McastTestChannel $net
            $watcher = Start-Watcher -Parameters ($net + @{ Count = 5 }) -Decode
            try {
                # SenderInfo(127.0.0.1:50000 + i, RelayedMessage(i)), as a Classic relay wraps a message.
                $make = {
                    param($i)
                    $inner = ConvertTo-Tlv -Type RelayedMessage -Value ([byte[]]($i))
                    $port = 50000 + $i
                    ConvertTo-Tlv -Type SenderInfo -Value ([byte[]](127, 0, 0, 1, ($port -shr 8), ($port -band 255)) + $inner)
                }
                Send-Until -Channel $channel -Make $make -Until { $watcher.Async.IsCompleted } | Should -BeTrue
                @($watcher.PowerShell.Streams.Error).Count | Should -Be 0 -Because 'every datagram binds as bytes, none as hex text'
                $records = Get-Heard $watcher
                $records.Count | Should -Be 5
                $records | ForEach-Object { $_ | Should -BeOfType ([McastCrypto.Tlv.TlvRecord]) }
                $records.TypeName | Should -Be @('SenderInfo', 'SenderInfo', 'SenderInfo', 'SenderInfo', 'SenderInfo')
                $records | ForEach-Object { $_.Decoded.Inner.Type | Should -Be 'RelayedMessage' }
                # Each datagram decoded on its own: the sender port and the inner value go together.
                $records | ForEach-Object { $_.Decoded.Port - 50000 | Should -Be $_.Decoded.Inner.Value[0] }
            }
            finally {
                $channel.Dispose()
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.Dispose()
            }
        }
    }

    Context 'what it hears and sends' {
        It 'hears only its own group, not another group on the same port' {
            $net = New-McastTestNet
            $octets = $net.Group.Split('.')
            $other = $net.Clone()
            $other.Group = '239.255.{0}.{1}' -f $octets[2], ((([int]$octets[3]) % 254) + 1)
            $mine = New-McastTestChannel $net
            $theirs = New-McastTestChannel $other
            $watcher = Start-Watcher -Parameters $net
            try {
                # Alternately to the other group and to ours, until ours has been heard 5 times: the
                # other group's datagrams went out in between, while the watcher was listening.
                $heard = [Collections.Generic.List[object]]::new()
                $make = {
                    param($i)
                    $theirs.Send((ConvertTo-Tlv -Type 4243 -Value ([byte[]]($i))))
                    ConvertTo-Tlv -Type 4242 -Value ([byte[]]($i))
                }
                Send-Until -Channel $mine -Make $make -Until { $heard.AddRange([object[]](Get-Heard $watcher)); $heard.Count -ge 5 } | Should -BeTrue
                Start-Sleep -Milliseconds 300
                $heard.AddRange([object[]](Get-Heard $watcher))
                $heard | ForEach-Object { [int]$_.Type } | Sort-Object -Unique | Should -Be 4242
            }
            finally {
                $mine.Dispose()
                $theirs.Dispose()
                Stop-Watcher $watcher | Should -BeTrue
                $watcher.PowerShell.Dispose()
            }
        }

        It 'sends nothing: another listener on the group hears nothing while it watches' {
            $net = New-McastTestNet
            $listener = Start-Watcher -Parameters $net
            try {
                # The watcher's channel opens a send socket too; nothing may leave it, when it joins,
                # while it listens, or when it stops.
                $watcher = Start-Watcher -Parameters ($net + @{ Timeout = 1.5 })
                $watcher.Async.AsyncWaitHandle.WaitOne(20000) | Should -BeTrue
                $watcher.PowerShell.InvocationStateInfo.State | Should -Be 'Completed'
                $watcher.PowerShell.Dispose()
                Start-Sleep -Milliseconds 300
                (Get-Heard $listener).Count | Should -Be 0
            }
            finally {
                Stop-Watcher $listener | Should -BeTrue
                $listener.PowerShell.Dispose()
            }
        }
    }

    Context 'bad settings' {
        It 'refuses a group that is not multicast with InvalidNetworkOption' {
            $err = { Watch-McastGroup -Group 10.1.2.3 -Interface Loopback -Timeout 1 } | Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.WatchMcastGroupCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match '10\.1\.2\.3'
        }

        It 'has no -Ttl, since it sends nothing' {
            (Get-Command Watch-McastGroup).Parameters.ContainsKey('Ttl') | Should -BeFalse
        }
    }
}
