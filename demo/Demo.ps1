<#
.SYNOPSIS
    The McastCrypto demo: a relay and two members on loopback, with the Secure protocol (the
    default) or the article's Classic protocol (-Protocol Classic).
.DESCRIPTION
    Starts a relay and two sessions (alice and bob) on the loopback interface, exchanges messages
    both ways (one longer than 1000 bytes, with non-ASCII text), shows the peers and the received
    messages, removes the sessions and stops the relay. Meanwhile Watch-McastGroup, in a thread job,
    hears every datagram on the group, and at the end what it heard is shown and decoded with
    ConvertFrom-Tlv -Recurse.

    Secure: the relay keeps its identity key in a file (a temporary one here), and alice and bob pin
    its fingerprint, as a user who was told the fingerprint would; every message arrives whole and
    verified, and the group key's epoch changes when bob leaves. Classic: the relay has a new key,
    nothing is verified, and the long text arrives as 190-byte blocks.

    Run it with `dotnet pwsh ./build.ps1 -Task Demo`, which builds and stages the module first.
    Everything stays on loopback: a random group in 239.255.0.0/16 and a random port. Its output
    reads the same in a terminal and redirected to a file (a log, a CI job): there the tables are
    laid out 200 columns wide, without colour codes, instead of squeezed into 80.
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/McastCrypto/McastCrypto.psd1'),

    [ValidateSet('Secure', 'Classic')]
    [string] $Protocol = 'Secure',

    # Where the capture is written (one datagram per line, as hex); a temporary file by default.
    [string] $CapturePath = (Join-Path ([IO.Path]::GetTempPath()) "mcastcrypto-demo-$PID.hex")
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force
$clock = [Diagnostics.Stopwatch]::StartNew()
function Write-Step([string] $Text) { Write-Host "`n== $Text" -ForegroundColor Green }

# Redirected, the host reports 80 columns: tables would squeeze their last columns to a few
# characters and wrap them over many lines, and colour codes would land in the file.
$redirected = [Console]::IsOutputRedirected
if ($redirected -and (Get-Variable -Name PSStyle -ErrorAction Ignore)) { $PSStyle.OutputRendering = 'PlainText' }
function Show {
    # Out-Host for formatted objects: the window's width in a terminal, 200 columns when redirected.
    if ($redirected) { $input | Out-String -Stream -Width 200 | Out-Host } else { $input | Out-Host }
}
function Limit([string] $Text, [int] $Length = 40) {
    # The start of a long text, enough to recognise it in a table row.
    if ($Text.Length -gt $Length) { $Text.Substring(0, $Length) + '...' } else { $Text }
}
# A send result as a table row: the text cut short (the default view wraps it whole).
$sentColumns = @('MessageId', 'Kind', 'Bytes', 'Fragments', 'Status',
    @{ Name = 'AckMs'; Expression = { if ($null -ne $_.AcknowledgedAfter) { [int][Math]::Round($_.AcknowledgedAfter.TotalMilliseconds) } } },
    @{ Name = 'Text'; Expression = { if ($_.FileName) { $_.FileName } else { Limit $_.Text } } })

$group = '239.255.{0}.{1}' -f (Get-Random -Maximum 256), (Get-Random -Minimum 1 -Maximum 255)
$port = Get-Random -Minimum 20000 -Maximum 60000
$net = @{ Group = $group; Port = $port; Interface = 'Loopback'; Protocol = $Protocol }
$identity = Join-Path ([IO.Path]::GetTempPath()) "mcastcrypto-demo-relay-$PID.key"

# The capture: Watch-McastGroup, in a thread job of this process, hears everything anyone sends to
# the group until it is stopped. It says on its verbose stream when it has joined, and the demo
# starts only then, so that nothing is missed.
$manifest = Join-Path (Get-Module McastCrypto).ModuleBase 'McastCrypto.psd1'
$watcher = Start-ThreadJob -Name demo-watch -ScriptBlock {
    Import-Module $using:manifest
    Watch-McastGroup -Group $using:group -Port $using:port -Interface Loopback -Verbose
}
while (-not $watcher.Verbose.Count -and $watcher.State -in 'NotStarted', 'Running') { Start-Sleep -Milliseconds 50 }
if ($watcher.State -ne 'Running') {
    $watcher | Receive-Job -Wait -AutoRemoveJob
    throw "Watch-McastGroup did not start: the job is $($watcher.State)."
}

try {
    if ($Protocol -eq 'Secure') {
        Write-Step "A Secure relay on $group port $port (loopback), its identity key in $identity"
        $relay = Start-McastRelay @net -Name demo-relay -IdentityPath $identity
        $relay | Format-Table -AutoSize | Show
        Write-Host "The relay's fingerprint, which its users compare or pin: $($relay.KeyFingerprint)"

        Write-Step 'alice and bob join through the relay, pinning its fingerprint'
        $alice = New-McastSession alice @net -RelayFingerprint $relay.KeyFingerprint
        $bob = New-McastSession bob @net -RelayFingerprint $relay.KeyFingerprint
        Get-McastSession | Format-Table -Property Id, Name, State, Protocol, Epoch, RelayKeyFingerprint -AutoSize | Show
    }
    else {
        Write-Step "A Classic relay on $group port $port (loopback)"
        $relay = Start-McastRelay @net -Name demo-relay
        $relay | Format-Table -AutoSize | Show

        Write-Step 'alice and bob join through the relay'
        $alice = New-McastSession alice @net
        $bob = New-McastSession bob @net
        Get-McastSession | Format-Table -AutoSize | Show
    }

    Write-Step 'Messages both ways; the second one is long and not ASCII'
    $long = -join (1..60 | ForEach-Object { "Perché il multicast è efficiente ($_) — " })
    @(
        Send-McastMessage -Session $alice -Message 'Ciao bob!' -PassThru
        Send-McastMessage -Session $alice -Message $long -PassThru
        Send-McastMessage -Session $bob -Message 'Ciao alice, tutto bene?' -PassThru
    ) | Format-Table -Property (@('SessionName') + $sentColumns) -AutoSize | Show

    if ($Protocol -eq 'Secure') {
        # bob's own join, then two whole messages.
        $atBob = @(Receive-McastMessage -Session $bob -Count 3 -Timeout 10)
        Write-Step 'What bob received: each message whole, and verified as the relay relayed it from alice'
        $atBob | Format-Table -Property Kind, SenderName, SenderId, Verified, @{ Name = 'Text'; Expression = { Limit $_.Text 36 } } -AutoSize | Show
        $whole = ($atBob | Where-Object Kind -eq Message | Select-Object -Last 1).Text
        Write-Host ("The long text arrived whole: {0} ({1} UTF-8 bytes)" -f ($whole -eq $long), [Text.Encoding]::UTF8.GetByteCount($long))
    }
    else {
        $blocks = 1 + [Math]::Ceiling([Text.Encoding]::UTF8.GetByteCount($long) / 190)
        $atBob = @(Receive-McastMessage -Session $bob -Count ($blocks + 1) -Timeout 10)
        Write-Step 'What bob received (the long text arrives as consecutive blocks, in order)'
        # One row a block, cut short: the whole text is there, the joined blocks below show it.
        $atBob | Format-Table -Property Kind, @{ Name = 'From'; Expression = { if ($_.SenderName) { $_.SenderName } else { $_.SenderId } } },
            @{ Name = 'Bytes'; Expression = { [Text.Encoding]::UTF8.GetByteCount([string]$_.Text) } }, @{ Name = 'Text'; Expression = { Limit $_.Text 50 } } -AutoSize | Show
        $joined = -join ($atBob | Where-Object { $_.Kind -eq 'Message' } | Select-Object -Skip 1).Text
        Write-Host ("The blocks joined equal the long text: {0} ({1} UTF-8 bytes)" -f ($joined -eq $long), [Text.Encoding]::UTF8.GetByteCount($long))
    }
    if ($Protocol -eq 'Secure') {
        Write-Step 'A file: the relay acknowledges it, bob saves it under its own name, its SHA-256 checked'
        $files = Join-Path ([IO.Path]::GetTempPath()) "mcastcrypto-demo-$PID"
        $null = New-Item -ItemType Directory -Force -Path $files
        try {
            $notes = Join-Path $files 'appunti.txt'
            Set-Content -Path $notes -Value (1..3000 | ForEach-Object { "riga $_ degli appunti" })
            Send-McastMessage -Session $alice -Path $notes -PassThru | Format-Table -Property $sentColumns -AutoSize | Show
            $file = Receive-McastMessage -Session $bob -Count 1 -Timeout 10 -OutputDirectory (Join-Path $files 'bob')
            $file | Format-List -Property Kind, SenderName, Verified, FileName, Length, Sha256, SavedPath | Show
            $sent = (Get-FileHash -LiteralPath $notes -Algorithm SHA256).Hash
            $saved = if ($file.SavedPath) { (Get-FileHash -LiteralPath $file.SavedPath -Algorithm SHA256).Hash }
            Write-Host ("The saved file's SHA-256 is the sent file's: {0}" -f ($sent -eq $saved -and $sent -eq $file.Sha256))
        }
        finally {
            Remove-Item -Recurse -Force -Path $files
        }
    }

    $atAlice = @(Receive-McastMessage -Session $alice -Count 3 -Timeout 10)

    Write-Step 'What alice received'
    $atAlice | Format-Table -AutoSize | Show

    Write-Step "alice's peers"
    Get-McastPeer -Session $alice | Format-Table -AutoSize | Show

    Write-Step 'The relay: members, counters, drops'
    $relay.Members | Format-Table -AutoSize | Show
    [pscustomobject]@{
        DatagramsIn     = $relay.DatagramsIn
        DatagramsOut    = $relay.DatagramsOut
        MessagesRelayed = $relay.MessagesRelayed
        Drops           = ($relay.Drops.GetEnumerator() | ForEach-Object { "$($_.Key)=$($_.Value)" }) -join ', '
    } | Format-List | Show

    $epoch = $alice.Epoch
    Write-Step 'bob leaves; alice hears it'
    $bob | Remove-McastSession
    Receive-McastMessage -Session $alice -Count 1 -Timeout 5 | Format-Table -AutoSize | Show
    if ($Protocol -eq 'Secure') {
        $clock2 = [Diagnostics.Stopwatch]::StartNew()
        while ($alice.Epoch -eq $epoch -and $clock2.Elapsed.TotalSeconds -lt 5) { Start-Sleep -Milliseconds 50 }
        if ($alice.Epoch -ne $epoch) {
            Write-Host "The group key changed when bob left: epoch $epoch -> $($alice.Epoch) (bob cannot read what follows)."
        }
        else {
            Write-Warning "The group key did not change within 5 s of bob leaving: still epoch $epoch."
        }
    }

    Write-Step 'alice leaves, the relay stops'
    $alice | Remove-McastSession
    $relay | Stop-McastRelay
    Get-McastSession
    Get-McastRelay
}
finally {
    Get-McastSession | Remove-McastSession
    Get-McastRelay | Stop-McastRelay
    # The last datagrams (the farewells) reach the watcher; then it is stopped, as Ctrl+C would.
    Start-Sleep -Milliseconds 200
    Stop-Job -Job $watcher
    Remove-Item -LiteralPath $identity -ErrorAction SilentlyContinue
}

$heard = @(Receive-Job -Job $watcher -Wait -AutoRemoveJob)
Write-Step "What Watch-McastGroup heard: $($heard.Count) datagrams (the first 12 here), written as hex to $CapturePath"
$heard | Select-Object -First 12 | Format-Table -AutoSize | Show
$heard | ForEach-Object Hex | Set-Content -LiteralPath $CapturePath

Write-Step 'The datagrams decoded: Watch-McastGroup output piped into ConvertFrom-Tlv -Recurse'
$decoded = $heard | ConvertFrom-Tlv -Recurse
$decoded | Group-Object TypeName -NoElement | Sort-Object Name | Format-Table Count, Name -AutoSize | Show
Write-Host 'The first datagram of each type:'
$decoded | Group-Object TypeName | ForEach-Object { $_.Group[0] } | Sort-Object { [int]$_.Type } | Format-Table -AutoSize | Show
Write-Host 'Inside the first relayed message and the first notices:'
$decoded | Where-Object Decoded | Group-Object TypeName | ForEach-Object { $_.Group[0].Decoded } | Format-List | Show

Write-Host ("Demo finished in {0:N1} s." -f $clock.Elapsed.TotalSeconds) -ForegroundColor Green
