<#
.SYNOPSIS
    One host of the namespaced harness (tests/NetNs.psm1): a Secure relay, or a Secure member that
    joins, waits for the peers it is told to expect, sends its messages and receives the others',
    all through the cmdlets, on the group, port and interface it is given. Started by
    tests/MultiHost.Tests.ps1 inside a network namespace ('ip netns exec').
.DESCRIPTION
    It reports as JSON lines appended to -OutputPath, one object per line with an Event:
      Relay:  Started (fingerprint, interface, local end point), then Stopped (counters, members).
      Member: Joined, Ready (the roster once every expected peer is in it), Received (what it got,
              its counters and, with -Capture, the sources of every datagram heard on its group),
              then Closed. With -JoinOnly: Joined or JoinFailed (the error's id and message, after
              at most -JoinTimeoutSeconds), then Closed; nothing is sent.
    It ends when the file -StopPath exists, or after -TimeoutSeconds whatever happens (every wait
    is bounded by that deadline). A failure is reported as an Error event and exit code 1.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [ValidateSet('Relay', 'Member')] [string] $Role,
    [Parameter(Mandatory)] [string] $Name,
    [Parameter(Mandatory)] [string] $Group,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $Interface,
    [int] $Ttl = 1,
    [Parameter(Mandatory)] [string] $OutputPath,
    [Parameter(Mandatory)] [string] $StopPath,
    # Relay: when this file appears, it reports its counters and roster (Report), members still in.
    [string] $ReportPath,
    [double] $TimeoutSeconds = 60,
    # The identity key file (New-McastIdentity) of the relay or member, so that the test knows its
    # fingerprint before it starts.
    [string] $IdentityPath,
    # Member: the relay to trust (its key fingerprint), and where to remember it.
    [string] $RelayFingerprint,
    [string] $KnownRelaysPath,
    # Member: the names of the peers to wait for before sending (comma-separated: 'ip netns exec'
    # passes each argument as one string).
    [string] $Peers = '',
    # Member: a JSON file holding the array of texts to send, in order.
    [string] $SendPath,
    # Member: how many messages (Kind Message) to receive before reporting.
    [int] $ExpectCount = 0,
    # Member: also record the source of every datagram heard on the group, with a raw channel of its own.
    [switch] $Capture,
    # Member: how long New-McastSession waits for the relay (its -Timeout); at most 20 s.
    [double] $JoinTimeoutSeconds = 20,
    # Member: only try to join, and report whether it could (Joined or JoinFailed), not an error.
    [switch] $JoinOnly
)

$ErrorActionPreference = 'Stop'
$deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)

function Write-Event {
    param([Parameter(Mandatory)] [string] $Kind, [hashtable] $Data = @{})
    $Data.Event = $Kind
    $Data.Name = $Name
    $Data.At = [DateTime]::UtcNow.ToString('o')
    # One line per event, appended whole (the test reads the file while this process writes it).
    [IO.File]::AppendAllText($OutputPath, (([pscustomobject]$Data | ConvertTo-Json -Depth 6 -Compress) + "`n"))
}

function Wait-Until {
    # Polls a condition until it holds, the stop file appears or the deadline passes; returns whether it held.
    param([Parameter(Mandatory)] [scriptblock] $Condition)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 50
    }
    return [bool](& $Condition)
}

function Wait-Stop {
    $null = Wait-Until { Test-Path -LiteralPath $StopPath }
}

function Get-Counters {
    param([Parameter(Mandatory)] $Actor, [string[]] $Names)
    $counters = @{}
    foreach ($n in $Names) { $counters[$n] = $Actor.$n }
    $drops = @{}
    foreach ($pair in $Actor.Drops.GetEnumerator()) { $drops[$pair.Key] = $pair.Value }
    $counters.Drops = $drops
    $counters
}

$network = @{ Group = $Group; Port = $Port; Interface = $Interface; Ttl = $Ttl }
if ($IdentityPath) { $network.IdentityPath = $IdentityPath }
$relay = $null
$session = $null
$wire = $null
try {
    Import-Module $ModulePath

    if ($Role -eq 'Relay') {
        $relay = Start-McastRelay -Name $Name @network
        Write-Event Started @{
            KeyFingerprint = $relay.KeyFingerprint
            Interface      = $relay.Interface
            LocalEndPoint  = [string]$relay.LocalEndPoint
        }
        $counterNames = 'MessagesRelayed', 'NacksReceived', 'RepairsSent', 'RepairsSuppressed', 'RepairsUnavailable', 'RetransmitEvicted', 'DatagramsIn', 'DatagramsOut', 'KernelDrops'
        if ($ReportPath) {
            $null = Wait-Until { (Test-Path -LiteralPath $ReportPath) -or (Test-Path -LiteralPath $StopPath) }
            $counters = Get-Counters $relay $counterNames
            $counters.Members = @($relay.Members | ForEach-Object {
                    @{ Name = $_.Name; KeyFingerprint = $_.KeyFingerprint; EndPoint = [string]$_.EndPoint; Connected = $_.Connected }
                })
            Write-Event Report $counters
        }
        Wait-Stop
        Write-Event Stopped (Get-Counters $relay $counterNames)
        return
    }

    # A member.
    if ($Capture) {
        $options = [McastCrypto.Transport.MulticastOptions]::new()
        $options.Group = [ipaddress]$Group
        $options.Port = $Port
        $options.Interface = $Interface
        $wire = [McastCrypto.Transport.GroupCapture]::new($options)
    }
    $trust = @{ RelayFingerprint = $RelayFingerprint }
    if ($KnownRelaysPath) { $trust.KnownRelaysPath = $KnownRelaysPath }
    $joinTimeout = [Math]::Max(1, [Math]::Min([Math]::Min(20, $JoinTimeoutSeconds), ($deadline - [DateTime]::UtcNow).TotalSeconds))
    if ($JoinOnly) {
        try {
            $session = New-McastSession -Name $Name @network @trust -Timeout $joinTimeout
        }
        catch {
            Write-Event JoinFailed @{ ErrorId = $_.FullyQualifiedErrorId; Message = $_.Exception.Message }
        }
    }
    else {
        $session = New-McastSession -Name $Name @network @trust -Timeout $joinTimeout
    }
    if ($session) {
        Write-Event Joined @{
            KeyFingerprint = $session.KeyFingerprint
            Interface      = $session.Interface
            LocalEndPoint  = [string]$session.LocalEndPoint
            State          = [string]$session.State
        }
    }
    if ($JoinOnly) {
        Wait-Stop
        if ($session) { $session | Remove-McastSession }
        $session = $null
        Write-Event Closed
        return
    }

    $expected = @($Peers -split ',' | Where-Object { $_ })
    $ready = Wait-Until {
        $names = @(Get-McastPeer -Session $session -ExcludeSelf | ForEach-Object Name)
        @($expected | Where-Object { $_ -notin $names }).Count -eq 0
    }
    $roster = @(Get-McastPeer -Session $session -ExcludeSelf | ForEach-Object {
            @{ Name = $_.Name; KeyFingerprint = $_.KeyFingerprint; EndPoint = [string]$_.EndPoint }
        })
    Write-Event Ready @{ AllPeers = $ready; Peers = $roster }

    $texts = if ($SendPath) { @(Get-Content -LiteralPath $SendPath -Raw | ConvertFrom-Json) } else { @() }
    foreach ($text in $texts) {
        # Not waiting for each acknowledgement: the session's send window paces what it sends.
        Send-McastMessage -Session $session -Message $text -NoWait
    }

    $got = [Collections.Generic.List[object]]::new()
    while ([DateTime]::UtcNow -lt $deadline -and @($got | Where-Object Kind -eq 'Message').Count -lt $ExpectCount) {
        foreach ($m in @(Receive-McastMessage -Session $session -Timeout 0.2)) { $got.Add($m) }
    }
    # Every message sent is acknowledged by the relay (or the deadline passes).
    $null = Wait-Until { $session.MessagesAcknowledged + $session.MessagesFailed -ge $texts.Count }

    $report = Get-Counters $session 'MessagesSent', 'MessagesAcknowledged', 'MessagesFailed', 'Gaps', 'LostFragments', 'DatagramsIn', 'DatagramsOut', 'KernelDrops'
    $reliability = $session.Reliability
    foreach ($n in 'NacksSent', 'RepairsReceived', 'RepairsGivenUp', 'Retransmissions', 'FastRetransmissions') {
        $report[$n] = if ($reliability) { $reliability.$n } else { $null }
    }
    $report.Messages = @($got | ForEach-Object {
            @{
                Kind              = [string]$_.Kind
                SenderName        = $_.SenderName
                SenderFingerprint = $_.SenderFingerprint
                SenderAddress     = [string]$_.SenderAddress
                Verified          = $_.Verified
                Text              = $_.Text
                Reason            = $_.Reason
                LostMessages      = $_.LostMessages
                LostFragments     = $_.LostFragments
            }
        })
    $report.Peers = @(Get-McastPeer -Session $session -ExcludeSelf | ForEach-Object {
            @{ Name = $_.Name; KeyFingerprint = $_.KeyFingerprint; EndPoint = [string]$_.EndPoint }
        })
    if ($wire) {
        # Who was heard on this group, by source address:port.
        $report.Heard = @($wire.Datagrams() | Group-Object { [string]$_.Source } | ForEach-Object { @{ Source = $_.Name; Count = $_.Count } })
        $report.CaptureMissed = $wire.Missed
    }
    Write-Event Received $report

    # Stays in the group until the test has every member's report, so that nobody leaves mid-exchange.
    Wait-Stop
    $session | Remove-McastSession
    $session = $null
    Write-Event Closed
}
catch {
    Write-Event Error @{ Message = ($_ | Out-String).Trim() }
    exit 1
}
finally {
    if ($wire) { $wire.Dispose() }
    if ($session) { $session | Remove-McastSession }
    if ($relay) { $relay | Stop-McastRelay }
}
