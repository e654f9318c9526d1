<#
.SYNOPSIS
    A relay and four Secure members on one loopback group, three of them sending a mix of message
    sizes, and optionally a file: checks that every member got every message exactly once, in
    order per sender, and reports the repair counters. Used by tests/Reliability.Tests.ps1, both in
    this process (loss made by the fault-injecting channel) and in a network namespace where nftables
    drops packets (loss made by the kernel).
.OUTPUTS
    One object (or, with -Json, one line of JSON) with the figures and the problems found.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Group,
    [Parameter(Mandatory)] [int] $Port,
    # Loss made by the fault-injecting channel on every datagram every actor receives (0: none; the
    # kernel may be dropping instead).
    [double] $DropRate = 0,
    [int] $Messages = 2000,
    [int] $Seed = 1,
    # A file of this many MiB sent after the messages (0: none), with -FileDropRate loss.
    [int] $FileMiB = 0,
    [double] $FileDropRate = 0,
    [string] $WorkDirectory = [IO.Path]::GetTempPath(),
    [double] $TimeoutSeconds = 240,
    # Datagrams a second each actor sends at most (0: the protocol's default).
    [int] $SendRate = 0,
    [switch] $Json
)

$ErrorActionPreference = 'Stop'
# In a test process the module is loaded already (importing it again with -Force would close what is open).
if (-not (Get-Module McastCrypto)) { Import-Module $ModulePath }
$deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
$random = [Random]::new($Seed)
$problems = [Collections.Generic.List[string]]::new()
$rules = [McastCrypto.Transport.FaultRules]::new()
$rules.ApplyToSend = $false
$rules.ApplyToReceive = $true
$rules.DropRate = $DropRate
$channels = [Collections.Generic.List[object]]::new()
$decorate = [Func[McastCrypto.Transport.IDatagramChannel, McastCrypto.Transport.IDatagramChannel]] {
    param($inner)
    $channel = [McastCrypto.Transport.FaultInjectingChannel]::new($inner, $rules, $random.Next())
    $channels.Add($channel)
    $channel
}

function New-Network {
    $network = [McastCrypto.Transport.MulticastOptions]::new()
    $network.Group = [ipaddress]$Group
    $network.Port = $Port
    $network.Interface = 'Loopback'
    $network
}

$relayOptions = [McastCrypto.Relay.McastRelayOptions]::new()
$relayOptions.Name = 'loss-relay'
$relayOptions.Network = New-Network
$relayOptions.ChannelDecorator = $decorate
if ($SendRate) { $relayOptions.SendRate = $SendRate }
$relay = [McastCrypto.Relay.McastRelay]::Start($relayOptions)
$members = @()
$started = [Diagnostics.Stopwatch]::StartNew()
try {
    $members = foreach ($name in 'anna', 'bruno', 'carla', 'dario') {
        $options = [McastCrypto.Session.McastSessionOptions]::new()
        $options.Name = $name
        $options.Network = New-Network
        $options.RelayFingerprint = $relay.KeyFingerprint
        $options.Timeout = [TimeSpan]::FromSeconds(30)
        $options.ChannelDecorator = $decorate
        if ($SendRate) { $options.SendRate = $SendRate }
        [McastCrypto.Session.McastSession]::Open($options, [Threading.CancellationToken]::None)
    }
    # Everyone knows everyone before the count starts.
    while ([DateTime]::UtcNow -lt $deadline -and @($members | Where-Object { @(Get-McastPeer -Session $_ -ExcludeSelf).Count -lt 3 }).Count -gt 0) {
        Start-Sleep -Milliseconds 50
    }
    $null = Receive-McastMessage -Session $members

    # The messages: three senders in turn; sizes from a few bytes to several fragments.
    $senders = $members[0..2]
    $expected = @{}
    foreach ($s in $senders) { $expected[$s.Name] = [Collections.Generic.List[string]]::new() }
    $joined = $started.Elapsed
    for ($i = 0; $i -lt $Messages; $i++) {
        $sender = $senders[$i % 3]
        $roll = $random.NextDouble()
        $size = if ($roll -lt 0.6) { $random.Next(1, 300) } elseif ($roll -lt 0.9) { $random.Next(300, 4000) } else { $random.Next(4000, 20000) }
        $text = '{0}:{1}:' -f $sender.Name, $i
        $text += [string]::new([char](97 + $i % 26), $size)
        $expected[$sender.Name].Add($text)
        Send-McastMessage -Session $sender -Message $text -NoWait
    }

    # Every member gets every message of the others, once and in order.
    $got = @{}
    foreach ($m in $members) { $got[$m.Name] = [Collections.Generic.List[object]]::new() }
    $want = @{}
    foreach ($m in $members) {
        $want[$m.Name] = ($senders | Where-Object Name -ne $m.Name | ForEach-Object { $expected[$_.Name].Count } | Measure-Object -Sum).Sum
    }
    while ([DateTime]::UtcNow -lt $deadline) {
        $pending = @($members | Where-Object { @($got[$_.Name] | Where-Object Kind -eq 'Message').Count -lt $want[$_.Name] })
        if ($pending.Count -eq 0) { break }
        foreach ($m in $pending) {
            foreach ($message in @(Receive-McastMessage -Session $m -Timeout 0.2)) {
                if ($message.Kind -in 'Message', 'Gap') { $got[$m.Name].Add($message) }
            }
        }
    }
    $messagesDone = $started.Elapsed
    foreach ($m in $members) {
        $gaps = @($got[$m.Name] | Where-Object Kind -eq 'Gap')
        foreach ($gap in $gaps) {
            $problems.Add(('{0} got a Gap: {1} fragments of {2} messages from {3} lost ({4}), after {5} of its messages' -f
                $m.Name, $gap.LostFragments, $gap.LostMessages, $gap.SenderName, $gap.Reason, @($got[$m.Name] | Where-Object { $_.Sequence -lt $gap.Sequence -and $_.Kind -eq 'Message' }).Count))
        }
        foreach ($s in $senders | Where-Object Name -ne $m.Name) {
            $texts = @($got[$m.Name] | Where-Object { $_.Kind -eq 'Message' -and $_.SenderName -eq $s.Name } | ForEach-Object Text)
            $wanted = $expected[$s.Name]
            if ($texts.Count -ne $wanted.Count) {
                $problems.Add("$($m.Name) got $($texts.Count) of $($wanted.Count) messages from $($s.Name)")
            }
            elseif ([string]::Join("`n", $texts) -ne [string]::Join("`n", $wanted)) {
                $problems.Add("$($m.Name) got the messages from $($s.Name) out of order or changed")
            }
        }
    }

    $file = $null
    if ($FileMiB -gt 0 -and $problems.Count -eq 0) {
        $rules.DropRate = $FileDropRate
        $source = Join-Path $WorkDirectory ('loss-{0}.bin' -f $Seed)
        $bytes = [byte[]]::new($FileMiB * 1MB)
        $random.NextBytes($bytes)
        [IO.File]::WriteAllBytes($source, $bytes)
        $hash = (Get-FileHash -Path $source -Algorithm SHA256).Hash
        $fileStarted = $started.Elapsed
        $sent = Send-McastMessage -Session $members[0] -Path $source -PassThru
        $file = [ordered]@{ MiB = $FileMiB; Fragments = $sent.Fragments; AcknowledgedAfterSeconds = $sent.AcknowledgedAfter.TotalSeconds; Hashes = @{} }
        foreach ($m in $members[1..3]) {
            $out = Join-Path $WorkDirectory ('loss-{0}-{1}' -f $Seed, $m.Name)
            $received = $null
            while (-not $received -and [DateTime]::UtcNow -lt $deadline) {
                $received = Receive-McastMessage -Session $m -Timeout 1 -OutputDirectory $out | Where-Object { $_.Kind -eq 'Gap' -or $_.FileName }
            }
            if (-not $received) { $problems.Add("$($m.Name) did not get the file"); continue }
            if ($received.Kind -eq 'Gap') { $problems.Add("$($m.Name) got a gap instead of the file: $($received.Text)"); continue }
            $got = (Get-FileHash -Path $received.SavedPath -Algorithm SHA256).Hash
            $file.Hashes[$m.Name] = $got
            if ($got -ne $hash) { $problems.Add("$($m.Name) wrote a file whose SHA-256 differs") }
        }
        $file.Seconds = ($started.Elapsed - $fileStarted).TotalSeconds
    }

    $result = [ordered]@{
        Messages = $Messages
        DropRate = $DropRate
        JoinSeconds = $joined.TotalSeconds
        MessagesSeconds = ($messagesDone - $joined).TotalSeconds
        DeliveredPerSecond = [Math]::Round(($want.Values | Measure-Object -Sum).Sum / [Math]::Max(0.001, ($messagesDone - $joined).TotalSeconds))
        InjectedDrops = ($channels | ForEach-Object { $_.Dropped } | Measure-Object -Sum).Sum
        Relay = [ordered]@{}
        Members = [ordered]@{}
        File = $file
        Problems = @($problems)
    }
    foreach ($name in 'NacksReceived', 'RepairsSent', 'RepairsSuppressed', 'RepairsUnavailable', 'RetransmitEvicted') {
        $result.Relay[$name] = $relay.$name
    }
    $result.Relay.Drops = $relay.Drops
    foreach ($m in $members) {
        $counters = [ordered]@{}
        foreach ($name in 'Gaps', 'LostFragments', 'MessagesAcknowledged', 'MessagesFailed') {
            $counters[$name] = $m.$name
        }
        $reliability = $m.Reliability
        foreach ($name in 'NacksSent', 'RepairsReceived', 'RepairsGivenUp', 'Retransmissions', 'FastRetransmissions', 'HeldBytes', 'ReassemblyBytes', 'SendBufferBytes') {
            $counters[$name] = $reliability.$name
        }
        $counters.Drops = $m.Drops
        $result.Members[$m.Name] = $counters
    }
}
finally {
    foreach ($m in $members) { $m.Close() }
    $relay.Stop()
}

if ($Json) { $result | ConvertTo-Json -Depth 5 -Compress } else { [pscustomobject]$result }
