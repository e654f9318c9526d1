<#
.SYNOPSIS
    The PowerShell side of the benchmarks' pipeline section (src/McastCrypto.Bench/PipelineSection.cs
    starts it with 'dotnet pwsh'): joins the bench's relay, says 'ready', and times
    Receive-McastMessage -Wait | Measure-Object from the first message to the last while they are
    sent; then says 'ready-backlog', waits until the next Count messages are all in the session, and
    times the same pipeline over them.
.OUTPUTS
    A line of JSON for each: the phase, the records, messages/s (streamed: the records after the
    first, over the time from the first to the last), the seconds, the session's gaps.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $Group,
    [Parameter(Mandatory)] [int] $Port,
    [Parameter(Mandatory)] [string] $RelayFingerprint,
    [Parameter(Mandatory)] [int] $Count,
    [Parameter(Mandatory)] [double] $TimeoutSeconds
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

function Write-Result([string] $Phase, [int] $Records, [double] $PerSecond, [double] $Seconds) {
    [Console]::Out.WriteLine(([pscustomobject]@{
                phase     = $Phase
                records   = $Records
                perSecond = $PerSecond
                seconds   = $Seconds
                gaps      = $session.Gaps
                version   = "$($PSVersionTable.PSVersion)"
            } | ConvertTo-Json -Compress))
    [Console]::Out.Flush()
}

Import-Module $ModulePath
# Loopback only, pinned to the bench relay's key: nothing is written to the user's known relays.
$session = New-McastSession -Name 'bench-pipeline' -Group $Group -Port $Port -Interface Loopback -RelayFingerprint $RelayFingerprint -TrustOnFirstUse:$false -Timeout 30
try {
    # The notice of this session's own join is not part of the traffic measured.
    $null = Receive-McastMessage -Session $session
    [Console]::Out.WriteLine('ready')
    [Console]::Out.Flush()

    # 1. Streamed: the clock starts once the first message is in hand, as the C# side's does.
    $first = @(Receive-McastMessage -Session $session -Wait -Count 1 -Timeout $TimeoutSeconds)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $measured = Receive-McastMessage -Session $session -Wait -Count ($Count - 1) -Timeout $TimeoutSeconds | Measure-Object
    $watch.Stop()
    Write-Result 'stream' ($first.Count + $measured.Count) ($measured.Count / [Math]::Max($watch.Elapsed.TotalSeconds, 1e-9)) $watch.Elapsed.TotalSeconds

    # 2. Backlog: the messages are all in the session before the clock starts; the pipeline alone is timed.
    $target = $session.MessagesReceived + $Count
    [Console]::Out.WriteLine('ready-backlog')
    [Console]::Out.Flush()
    $waited = [System.Diagnostics.Stopwatch]::StartNew()
    while ($session.MessagesReceived -lt $target -and $waited.Elapsed.TotalSeconds -lt $TimeoutSeconds) {
        Start-Sleep -Milliseconds 5
    }
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $measured = Receive-McastMessage -Session $session -Wait -Count $Count -Timeout $TimeoutSeconds | Measure-Object
    $watch.Stop()
    Write-Result 'backlog' $measured.Count ($measured.Count / [Math]::Max($watch.Elapsed.TotalSeconds, 1e-9)) $watch.Elapsed.TotalSeconds
}
finally {
    $null = Remove-McastSession -Session $session
}
