<#
    Relays federated over NATS (issue 12): the NATS part loads only when -Federation is used, the bus
    speaks to a real nats-server, and relays of two sites carry their members' messages to each other.

    NETWORK SAFETY: every nats-server here listens on 127.0.0.1 only, on a random port, is started per
    Describe block and killed by its PID; every relay and member uses a random 239.255.x.y group on the
    loopback interface. Nothing is sent to another host.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:modulePath = Get-McastTestModulePath
    # Debian's package puts nats-server in /usr/sbin, which a normal user's PATH lacks: look there too.
    $script:natsServer = Get-Command -Name nats-server, /usr/sbin/nats-server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $script:noNats = 'nats-server is not installed (.ci/run installs it with apt-get; here: apt-get install -y nats-server)'
    # In CI these tests must run: a missing nats-server fails them there instead of skipping them.
    $script:noNatsInCI = 'CI=true, but nats-server is not on PATH nor in /usr/sbin: .ci/run should have installed it (apt-get install nats-server), so the federation tests cannot run and must not pass as skipped'

    function Start-TestNatsServer {
        # A nats-server on 127.0.0.1 and a random free port; returns its process and URL once it listens.
        # -ConfigPath: a configuration file of its own (an authorization block); -a and -p still apply.
        param([int] $Port = 0, [string] $ConfigPath)
        if ($Port -eq 0) {
            $probe = [Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
            $probe.Start()
            $Port = $probe.LocalEndpoint.Port
            $probe.Stop()
        }
        $natsArguments = @('-a', '127.0.0.1', '-p', "$Port")
        if ($ConfigPath) { $natsArguments = @('-c', $ConfigPath) + $natsArguments }
        $process = Start-Process -FilePath $natsServer.Source -ArgumentList $natsArguments -PassThru -RedirectStandardError (Join-Path $TestDrive "nats-$Port-$([guid]::NewGuid().ToString('N')).log")
        $listening = Wait-McastCondition -TimeoutSeconds 10 -Condition {
            $client = [Net.Sockets.TcpClient]::new()
            try { $client.Connect([ipaddress]::Loopback, $Port); $true } catch { $false } finally { $client.Dispose() }
        }
        if (-not $listening) {
            Stop-TestNatsServer $process
            throw "nats-server did not listen on 127.0.0.1:$Port within 10 s."
        }
        [pscustomobject]@{ Process = $process; Port = $Port; Url = "nats://127.0.0.1:$Port" }
    }

    function Stop-TestNatsServer {
        # Kills the server this test started, by its PID, and waits (bounded) for it to be gone.
        param($Process)
        if ($null -eq $Process) { return }
        if ($Process -isnot [Diagnostics.Process]) { $Process = $Process.Process }
        if (-not $Process.HasExited) {
            Stop-Process -Id $Process.Id -Force -ErrorAction SilentlyContinue
            $null = $Process.WaitForExit(5000)
        }
    }

    function Receive-TestMessage {
        # The next message (Kind Message) a session receives within the time, skipping the roster's
        # records (Joined, Left) on the way; null when none came.
        param([Parameter(Mandatory)] $Session, [double] $TimeoutSeconds = 15)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $m = @(Receive-McastMessage -Session $Session -Count 1 -Timeout 0.5 | Where-Object Kind -eq Message)
            if ($m.Count -gt 0) { return $m[0] }
        }
        $null
    }

    function Invoke-ChildPwsh {
        # Runs a script block in a new PowerShell like this one (same build: MCASTCRYPTO_TARGETFRAMEWORK
        # is inherited) and returns its last output line, parsed from JSON.
        param([Parameter(Mandatory)] [scriptblock] $Script, [object[]] $ArgumentList = @())
        $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $arguments = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments += [Environment]::GetCommandLineArgs()[0] }
        $quoted = @($ArgumentList | ForEach-Object { "'" + ("$_" -replace "'", "''") + "'" }) -join ' '
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("& { $Script } $quoted"))
        $arguments += '-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded
        $output = & $exe @arguments 2>&1
        if ($LASTEXITCODE -ne 0) { throw "The child PowerShell failed ($LASTEXITCODE): $output" }
        ($output | Select-Object -Last 1) | ConvertFrom-Json
    }
}

Describe 'Loading the federation part' {
    It 'Import-Module loads no NATS assembly; opening a bus loads them in the federation''s own context' {
        $result = Invoke-ChildPwsh -ArgumentList $modulePath -Script {
            param($ModulePath)
            $ErrorActionPreference = 'Stop'
            Import-Module $ModulePath
            $names = { @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { $_.GetName().Name } | Where-Object { $_ -like 'NATS*' -or $_ -eq 'McastCrypto.Federation' }) }
            $before = & $names
            # Port 1 on loopback: nothing listens, so the bus only loads and tries in the background.
            $bus = [McastCrypto.Relay.FederationBusLoader]::Open('nats://127.0.0.1:1')
            $after = & $names
            $nats = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'NATS.Client.Core' } | Select-Object -First 1
            $context = $null
            $mcastContext = $null
            if ($PSVersionTable.PSEdition -eq 'Core') {
                $context = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($nats).Name
                $mcastContext = [Runtime.Loader.AssemblyLoadContext]::GetLoadContext([McastCrypto.Transport.IFederationBus].Assembly).Name
            }
            $isBus = $bus -is [McastCrypto.Transport.IFederationBus]
            $connected = $bus.IsConnected
            $bus.Dispose()
            [pscustomobject]@{
                Before       = @($before)
                After        = @($after)
                NatsPath     = $nats.Location
                Context      = $context
                McastContext = $mcastContext
                IsBus        = $isBus
                Connected    = $connected
                Framework    = "$env:MCASTCRYPTO_TARGETFRAMEWORK"
            } | ConvertTo-Json -Compress
        }
        $result.Before | Should -BeNullOrEmpty
        $result.After | Should -Contain 'NATS.Client.Core'
        $result.After | Should -Contain 'McastCrypto.Federation'
        $result.IsBus | Should -BeTrue
        $result.Connected | Should -BeFalse
        $folder = Join-Path (Split-Path -Parent $modulePath) 'lib'
        $result.NatsPath | Should -BeLike "$folder*federation*NATS.Client.Core.dll"
        if ($result.Framework -ne 'netstandard2.0') {
            # net8.0: NATS in a context of its own; McastCrypto (and so IFederationBus) stays in the module's.
            $result.Context | Should -Be 'McastCrypto.Federation'
            $result.McastContext | Should -Not -Be 'McastCrypto.Federation'
        }
    }

    It 'refuses an address that is not nats:// or carries credentials, without showing them, before loading anything' {
        Import-Module $modulePath -Force
        { [McastCrypto.Relay.FederationBusLoader]::Open('http://127.0.0.1:4222') } | Should -Throw '*not a nats:// address*'
        $err = { [McastCrypto.Relay.FederationBusLoader]::Open('nats://alice:s3cret@127.0.0.1:4222') } | Should -Throw -PassThru
        $err.Exception.InnerException.Message | Should -Match 'credentials'
        $err.Exception.InnerException.Message | Should -Not -Match 's3cret|alice'
        $err.Exception.InnerException.Message | Should -Match ([regex]::Escape('nats://***@127.0.0.1:4222'))
    }
}

Describe 'The NATS bus' {
    BeforeAll {
        if (-not $natsServer) { return }
        Import-Module $modulePath -Force
        $script:server = Start-TestNatsServer
        # Handlers the bus calls on its own threads: C#, since a script block would need this runspace.
        if (-not ('FederationTestRecorder' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Text;
public sealed class FederationTestRecorder
{
    public readonly ConcurrentQueue<string> Received = new ConcurrentQueue<string>();
    public readonly ConcurrentQueue<bool> Changes = new ConcurrentQueue<bool>();
    public Action<string, byte[]> Handler { get { return (subject, payload) => Received.Enqueue(subject + "=" + Encoding.UTF8.GetString(payload)); } }
    public EventHandler<bool> OnChange { get { return (sender, up) => Changes.Enqueue(up); } }
}
'@
        }
    }

    AfterAll {
        if ($natsServer) { Stop-TestNatsServer $server }
    }

    It 'carries bytes between two buses, reconnects by itself after the server is stopped and started, and refuses to queue while disconnected' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $a = [McastCrypto.Relay.FederationBusLoader]::Open($server.Url)
        $b = [McastCrypto.Relay.FederationBusLoader]::Open($server.Url)
        try {
            $recorder = [FederationTestRecorder]::new()
            $received = $recorder.Received
            $changes = $recorder.Changes
            $b.Subscribe('fedtest.relay.*', $recorder.Handler)
            $a.add_ConnectionChanged($recorder.OnChange)
            Wait-McastCondition -TimeoutSeconds 10 -Condition { $a.IsConnected -and $b.IsConnected } | Should -BeTrue
            $a.Url | Should -Be $server.Url
            # The subscription is made in the background: publish until the first one arrives.
            Wait-McastCondition -TimeoutSeconds 10 -Condition { $null = $a.TryPublish('fedtest.relay.a', [Text.Encoding]::UTF8.GetBytes('probe')); $received.Count -gt 0 } | Should -BeTrue
            $received.Clear()
            foreach ($i in 1..20) { $a.TryPublish('fedtest.relay.a', [Text.Encoding]::UTF8.GetBytes("m$i")) | Should -BeTrue }
            # Probes still on their way may come first: only the numbered ones are counted, in order.
            Wait-McastCondition -TimeoutSeconds 10 -Condition { @($received.ToArray() -match '=m\d+$').Count -ge 20 } | Should -BeTrue
            @($received.ToArray() -match '=m\d+$') | Should -Be @(1..20 | ForEach-Object { "fedtest.relay.a=m$_" })

            Stop-TestNatsServer $server
            Wait-McastCondition -TimeoutSeconds 10 -Condition { -not $a.IsConnected } | Should -BeTrue
            $a.TryPublish('fedtest.relay.a', [byte[]]@(1)) | Should -BeFalse -Because 'a disconnected bus does not queue: the relay''s own buffer covers it'

            $script:server = Start-TestNatsServer -Port $server.Port
            Wait-McastCondition -TimeoutSeconds 20 -Condition { $a.IsConnected -and $b.IsConnected } | Should -BeTrue
            $received.Clear()
            Wait-McastCondition -TimeoutSeconds 10 -Condition { $null = $a.TryPublish('fedtest.relay.a', [Text.Encoding]::UTF8.GetBytes('again')); $received.Count -gt 0 } | Should -BeTrue
            @($received.ToArray()) | Should -Contain 'fedtest.relay.a=again'
            @($changes.ToArray()) | Should -Be @($true, $false, $true)
        }
        finally {
            $watch = [Diagnostics.Stopwatch]::StartNew()
            $a.Dispose()
            $b.Dispose()
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 10 -Because 'Dispose is bounded in time'
        }
        $a.IsConnected | Should -BeFalse
        $a.TryPublish('fedtest.relay.a', [byte[]]@(1)) | Should -BeFalse
    }

    It 'refuses at once, without waiting, what would take its publication queue past its bounds' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $small = [McastCrypto.Relay.FederationBusLoader]::Open($server.Url, 4, 1024)
        try {
            Wait-McastCondition -TimeoutSeconds 10 -Condition { $small.IsConnected } | Should -BeTrue
            $small.TryPublish('fedtest.bounds', [byte[]]::new(2048)) | Should -BeFalse -Because 'more bytes than the queue may hold'
            $small.TryPublish('fedtest.bounds', [byte[]]::new(100)) | Should -BeTrue
            Wait-McastCondition -TimeoutSeconds 10 -Condition { $small.Published -ge 1 } | Should -BeTrue
            $small.PendingCount | Should -Be 0
        }
        finally {
            $small.Dispose()
        }
    }
}

Describe 'Start-McastRelay -Federation: its settings' {
    BeforeAll {
        Import-Module $modulePath -Force
        $script:authorized = Join-Path $TestDrive 'authorized_relays'
        Set-Content -LiteralPath $authorized -Value '# no relay yet'
    }

    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'is for the Secure protocol: a Classic relay refuses it, clearly' {
        $net = New-McastTestNet
        $err = { Start-McastRelay @net -Protocol Classic -Federation nats://127.0.0.1:4222 -Site paris -AuthorizedRelaysPath $authorized } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match '^-Federation .*Secure protocol'
        @(Get-McastRelay).Count | Should -Be 0
    }

    It 'needs -Site, and -AuthorizedRelaysPath (an open federation would let anyone on the NATS server in)' {
        $net = New-McastTestNet
        $err = { Start-McastRelay @net -Federation nats://127.0.0.1:4222 -AuthorizedRelaysPath $authorized } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match '-Federation needs -Site'
        $err = { Start-McastRelay @net -Federation nats://127.0.0.1:4222 -Site paris } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match '-Federation needs -AuthorizedRelaysPath'
        $err = { Start-McastRelay @net -Site paris } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match '^-Site is for a federated relay'
        @(Get-McastRelay).Count | Should -Be 0
    }

    It 'refuses an address with credentials without showing them, and a missing authorized-relays file naming it' {
        $net = New-McastTestNet
        $err = { Start-McastRelay @net -Federation 'nats://bob:hunter2@127.0.0.1:4222' -Site paris -AuthorizedRelaysPath $authorized } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match 'credentials'
        $err.Exception.Message | Should -Not -Match 'hunter2'
        $missing = Join-Path $TestDrive 'no-such-file'
        $err = { Start-McastRelay @net -Federation nats://127.0.0.1:4222 -Site paris -AuthorizedRelaysPath $missing } | Should -Throw -PassThru -ErrorId 'InvalidAuthorizedRelaysFile,McastCrypto.Commands.StartMcastRelayCommand'
        $err.TargetObject | Should -Be $missing
        @(Get-McastRelay).Count | Should -Be 0
    }

    It 'starts and serves its LAN when the NATS server is unreachable, warns, and connects by itself once it is there' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $probe = [Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
        $probe.Start(); $port = $probe.LocalEndpoint.Port; $probe.Stop()
        $net = New-McastTestNet
        $out = Start-McastRelay @net -Federation "nats://127.0.0.1:$port" -Site paris -AuthorizedRelaysPath $authorized 3>&1
        $warning = @($out | Where-Object { $_ -is [Management.Automation.WarningRecord] })
        $relay = @($out | Where-Object { $_ -is [McastCrypto.Relay.McastRelay] })[0]
        $warning.Count | Should -Be 1
        $warning[0].Message | Should -Match "nats://127.0.0.1:$port.*serves its own LAN"
        $relay.State | Should -Be 'Running'
        $relay.Site | Should -Be 'paris'
        $relay.FederationUrl | Should -Be "nats://127.0.0.1:$port"
        $relay.FederationConnected | Should -BeFalse

        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $a = New-McastSession 'anna' @net @pin
        $b = New-McastSession 'bruno' @net @pin
        Send-McastMessage -Session $a -Message 'local still works'
        (Receive-TestMessage -Session $b).Text | Should -Be 'local still works'
        (Get-McastPeer -Session $b -ExcludeSelf).Site | Should -Be 'paris'

        $server = Start-TestNatsServer -Port $port
        try {
            Wait-McastCondition -TimeoutSeconds 20 -Condition { $relay.FederationConnected } | Should -BeTrue
        }
        finally {
            $relay | Stop-McastRelay
            Stop-TestNatsServer $server
        }
    }
}

Describe 'A federated relay in the foreground' {
    It 'logs when its link to the NATS server is made, lost and made again' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        Import-Module $modulePath -Force
        $server = Start-TestNatsServer
        $authorized = Join-Path $TestDrive 'relays'
        Set-Content -LiteralPath $authorized -Value '# none'
        $net = New-McastTestNet
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; Start-McastRelay -Name fedlog -Group $($net.Group) -Port $($net.Port) -Interface Loopback -Federation $($server.Url) -Site lab -AuthorizedRelaysPath '$authorized' -Wait")
            $async = $ps.BeginInvoke()
            $log = $ps.Streams.Information
            $lines = { @($log | Where-Object { $_.Tags -contains 'FederationConnected' -or $_.Tags -contains 'FederationDisconnected' } | ForEach-Object { "$($_.MessageData)" }) }
            Wait-McastCondition -TimeoutSeconds 15 -Condition { @(& $lines).Count -ge 1 } | Should -BeTrue
            @(& $lines)[0] | Should -Match ([regex]::Escape("Relay fedlog (site lab) is connected to $($server.Url)"))
            Stop-TestNatsServer $server
            Wait-McastCondition -TimeoutSeconds 15 -Condition { @(& $lines).Count -ge 2 } | Should -BeTrue
            @(& $lines)[1] | Should -Match 'is not connected to .*serves its own LAN and keeps trying'
            $server = Start-TestNatsServer -Port $server.Port
            Wait-McastCondition -TimeoutSeconds 20 -Condition { @(& $lines).Count -ge 3 } | Should -BeTrue
            @(& $lines)[2] | Should -Match 'is connected to'
            $ps.Stop()
            $async.IsCompleted | Should -BeTrue
        }
        finally {
            $ps.Dispose()
            Get-McastRelay | Stop-McastRelay
            Stop-TestNatsServer $server
        }
    }
}

Describe 'Two sites federated through nats-server' {
    BeforeAll {
        if (-not $natsServer) { return }
        Import-Module $modulePath -Force
        $script:server = Start-TestNatsServer
        # A subject prefix of this run's own, so that nothing else on the server is heard.
        $script:subject = 'fedtest{0}' -f (Get-Random -Minimum 100000 -Maximum 999999)
        $script:ids = @{}
        foreach ($name in 'paris', 'berlin', 'rogue') {
            $ids[$name] = New-McastIdentity -Path (Join-Path $TestDrive "$name.key")
        }
        # Paris and Berlin trust each other; the rogue relay trusts both, but neither trusts it.
        Set-Content -LiteralPath (Join-Path $TestDrive 'paris.relays') -Value "$($ids.berlin.Fingerprint) berlin"
        Set-Content -LiteralPath (Join-Path $TestDrive 'berlin.relays') -Value "$($ids.paris.Fingerprint) paris"
        Set-Content -LiteralPath (Join-Path $TestDrive 'rogue.relays') -Value @($ids.paris.Fingerprint, $ids.berlin.Fingerprint)

        function Start-TestSite([string] $Site) {
            $net = New-McastTestNet
            $relay = Start-McastRelay "relay-$Site" @net -IdentityPath $ids[$Site].Path -Federation $server.Url -Site $Site `
                -AuthorizedRelaysPath (Join-Path $TestDrive "$Site.relays") -FederationSubject $subject
            [pscustomobject]@{ Net = $net; Relay = $relay; Pin = @{ RelayFingerprint = $relay.KeyFingerprint } }
        }

        $script:paris = Start-TestSite paris
        $script:berlin = Start-TestSite berlin
        $pinParis = $paris.Pin; $netParis = $paris.Net; $pinBerlin = $berlin.Pin; $netBerlin = $berlin.Net
        $script:anna = New-McastSession 'anna' @netParis @pinParis
        $script:bruno = New-McastSession 'bruno' @netBerlin @pinBerlin
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
        if ($natsServer) { Stop-TestNatsServer $server }
    }

    It 'shows each site''s member to the other, with its site, and carries messages both ways' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $paris.Relay.FederationConnected | Should -BeTrue
        Wait-McastCondition -TimeoutSeconds 20 -Condition {
            (@(Get-McastPeer -Session $anna -ExcludeSelf) | Where-Object Name -eq 'bruno') -and (@(Get-McastPeer -Session $bruno -ExcludeSelf) | Where-Object Name -eq 'anna')
        } | Should -BeTrue
        $seenByAnna = @(Get-McastPeer -Session $anna -ExcludeSelf) | Where-Object Name -eq 'bruno'
        $seenByAnna.Site | Should -Be 'berlin'
        $seenByAnna.KeyFingerprint | Should -Be $bruno.KeyFingerprint
        (@(Get-McastPeer -Session $bruno -ExcludeSelf) | Where-Object Name -eq 'anna').Site | Should -Be 'paris'
        (@(Get-McastPeer -Session $anna) | Where-Object IsSelf).Site | Should -Be 'paris'
        # The views: the relay's site beside its whole fingerprint at 120 columns, and each peer's site.
        ($paris.Relay | Out-String -Width 120) | Should -Match ('\bparis\b.*' + [regex]::Escape($paris.Relay.KeyFingerprint))
        (Get-McastPeer -Session $anna -ExcludeSelf | Out-String -Width 160) | Should -Match '\bbruno\s+berlin\b'
        ($paris.Relay.Members | Where-Object IsRemote | Out-String -Width 160) | Should -Match ('\bbruno\s+berlin\b.*' + [regex]::Escape($bruno.KeyFingerprint))
        @($paris.Relay.FederationPeers | Where-Object HasKey).Site | Should -Be 'berlin'
        $null = Receive-McastMessage -Session $anna, $bruno

        Send-McastMessage -Session $anna -Message 'bonjour Berlin'
        Send-McastMessage -Session $bruno -Message 'hallo Paris'
        $atBerlin = Receive-TestMessage -Session $bruno
        $atParis = Receive-TestMessage -Session $anna
        $atBerlin.Text | Should -Be 'bonjour Berlin'
        $atBerlin.SenderName | Should -Be 'anna'
        $atBerlin.SenderFingerprint | Should -Be $anna.KeyFingerprint
        $atBerlin.Verified | Should -BeTrue
        $atParis.Text | Should -Be 'hallo Paris'
        $atParis.SenderName | Should -Be 'bruno'
    }

    It 'ignores and counts a relay that is not on the authorized list; its member never appears' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $rogue = Start-TestSite rogue
        $netRogue = $rogue.Net; $pinRogue = $rogue.Pin
        $mallory = New-McastSession 'mallory' @netRogue @pinRogue
        try {
            Wait-McastCondition -TimeoutSeconds 15 -Condition {
                $paris.Relay.FederationDrops['UnauthorizedRelay'] -gt 0 -and $berlin.Relay.FederationDrops['UnauthorizedRelay'] -gt 0
            } | Should -BeTrue
            Send-McastMessage -Session $mallory -Message 'let me in'
            Start-Sleep -Seconds 2
            @(Get-McastPeer -Session $anna, $bruno) | Where-Object Name -eq 'mallory' | Should -BeNullOrEmpty
            @(Receive-McastMessage -Session $anna, $bruno -Timeout 1 | Where-Object Text -eq 'let me in') | Should -BeNullOrEmpty
            @($paris.Relay.FederationPeers | Where-Object HasKey).Site | Should -Be 'berlin'
            $paris.Relay.Drops['FederationUnauthorizedRelay'] | Should -BeGreaterThan 0
        }
        finally {
            $mallory | Remove-McastSession
            $rogue.Relay | Stop-McastRelay
        }
    }

    It 'refuses and counts a relay that claims another''s identity without its key' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        if (-not ('FederationTestCapture' -as [type])) {
            Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
public sealed class FederationTestCapture
{
    public readonly ConcurrentQueue<Tuple<string, byte[]>> Messages = new ConcurrentQueue<Tuple<string, byte[]>>();
    public Action<string, byte[]> Handler { get { return (subject, payload) => Messages.Enqueue(Tuple.Create(subject, payload)); } }
}
'@
        }
        $forger = [McastCrypto.Relay.FederationBusLoader]::Open($server.Url)
        try {
            $capture = [FederationTestCapture]::new()
            $forger.Subscribe("$subject.relay.*", $capture.Handler)
            # Berlin's announce (version, kind 01, its public key, boot, ...), as anyone on the server sees it.
            $announce = $null
            $found = Wait-McastCondition -TimeoutSeconds 10 -Condition {
                foreach ($m in $capture.Messages.ToArray()) {
                    if ($m.Item2.Length -gt 70 -and $m.Item2[1] -eq 1 -and $m.Item2[2] -eq 4) {
                        $id = [McastCrypto.Crypto.EcdsaP256PublicKey]::Import([byte[]]$m.Item2[2..66])
                        if ($id.Fingerprint -eq $ids.berlin.Fingerprint) { $script:forgedFrom = $m; return $true }
                    }
                }
                $false
            }
            $found | Should -BeTrue
            $before = [long]$paris.Relay.FederationDrops['BadSignature']
            # The same public key with another boot id and a later time (past the replay check): a new
            # start of Berlin, if only it were signed by Berlin's key. Layout: version, kind, key (65),
            # boot (16), ephemeral key (65), time (8), next F (8), signature.
            $forged = $forgedFrom.Item2.Clone()
            $forged[70] = $forged[70] -bxor 0xFF
            $forged[148] = 0x7F
            $forger.TryPublish($forgedFrom.Item1, $forged) | Should -BeTrue
            Wait-McastCondition -TimeoutSeconds 10 -Condition { [long]$paris.Relay.FederationDrops['BadSignature'] -gt $before } | Should -BeTrue -Because "Paris's federation drops: $($paris.Relay.FederationDrops | Out-String)"
            # Berlin's member is still there: the forged "restart" changed nothing.
            Start-Sleep -Milliseconds 500
            (@(Get-McastPeer -Session $anna -ExcludeSelf) | Where-Object Name -eq 'bruno').State | Should -Be 'Joined'
        }
        finally {
            $forger.Dispose()
        }
    }

    It 'loses nothing while nats-server is stopped for a few seconds: every message arrives once, in order, and the relays reconnect by themselves' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $null = Receive-McastMessage -Session $anna, $bruno
        Send-McastMessage -Session $anna -Message 'p0'
        Send-McastMessage -Session $bruno -Message 'b0'
        Stop-TestNatsServer $server
        Wait-McastCondition -TimeoutSeconds 10 -Condition { -not $paris.Relay.FederationConnected -and -not $berlin.Relay.FederationConnected } | Should -BeTrue
        foreach ($i in 1..10) {
            Send-McastMessage -Session $anna -Message "p$i"
            Send-McastMessage -Session $bruno -Message "b$i"
            Start-Sleep -Milliseconds 200
        }
        $script:server = Start-TestNatsServer -Port $server.Port
        Wait-McastCondition -TimeoutSeconds 20 -Condition { $paris.Relay.FederationConnected -and $berlin.Relay.FederationConnected } | Should -BeTrue
        foreach ($i in 11..15) {
            Send-McastMessage -Session $anna -Message "p$i"
            Send-McastMessage -Session $bruno -Message "b$i"
        }
        $atBerlin = [Collections.Generic.List[string]]::new()
        $atParis = [Collections.Generic.List[string]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (($atBerlin.Count -lt 16 -or $atParis.Count -lt 16) -and [DateTime]::UtcNow -lt $deadline) {
            foreach ($m in @(Receive-McastMessage -Session $bruno -Timeout 0.5)) { if ($m.Kind -eq 'Message') { $atBerlin.Add($m.Text) } elseif ($m.Kind -eq 'Gap') { $atBerlin.Add("gap:$($m.Reason)") } }
            foreach ($m in @(Receive-McastMessage -Session $anna -Timeout 0.5)) { if ($m.Kind -eq 'Message') { $atParis.Add($m.Text) } elseif ($m.Kind -eq 'Gap') { $atParis.Add("gap:$($m.Reason)") } }
        }
        Start-Sleep -Seconds 1
        foreach ($m in @(Receive-McastMessage -Session $bruno -Timeout 0.2)) { if ($m.Kind -eq 'Message') { $atBerlin.Add($m.Text) } }
        foreach ($m in @(Receive-McastMessage -Session $anna -Timeout 0.2)) { if ($m.Kind -eq 'Message') { $atParis.Add($m.Text) } }
        @($atBerlin) | Should -Be @(0..15 | ForEach-Object { "p$_" })
        @($atParis) | Should -Be @(0..15 | ForEach-Object { "b$_" })
        # What was sent during the outage never reached the NATS client (the bus refuses while
        # disconnected), so it arrived through the relays' repair from their buffers, not a client's queue.
        $paris.Relay.FederationPublishRefused | Should -BeGreaterThan 0
        $berlin.Relay.FederationPublishRefused | Should -BeGreaterThan 0
    }
}

Describe 'An outage longer than the federation buffer' {
    BeforeAll {
        if (-not $natsServer) { return }
        Import-Module $modulePath -Force
        $script:server = Start-TestNatsServer
        $script:subject = 'fedgap{0}' -f (Get-Random -Minimum 100000 -Maximum 999999)
        $script:ids = @{}
        foreach ($name in 'lyon', 'munich') { $ids[$name] = New-McastIdentity -Path (Join-Path $TestDrive "$name.key") }
        Set-Content -LiteralPath (Join-Path $TestDrive 'lyon.relays') -Value $ids.munich.Fingerprint
        Set-Content -LiteralPath (Join-Path $TestDrive 'munich.relays') -Value $ids.lyon.Fingerprint
        $script:sites = @{}
        foreach ($name in 'lyon', 'munich') {
            $net = New-McastTestNet
            # A buffer of 4 envelopes: a few seconds of sending while the server is away is more than that.
            $relay = Start-McastRelay "relay-$name" @net -IdentityPath $ids[$name].Path -Federation $server.Url -Site $name `
                -AuthorizedRelaysPath (Join-Path $TestDrive "$name.relays") -FederationSubject $subject -FederationBufferSize 4
            $sites[$name] = [pscustomobject]@{ Net = $net; Relay = $relay; Pin = @{ RelayFingerprint = $relay.KeyFingerprint } }
        }
        $netLyon = $sites.lyon.Net; $pinLyon = $sites.lyon.Pin; $netMunich = $sites.munich.Net; $pinMunich = $sites.munich.Pin
        $script:lea = New-McastSession 'lea' @netLyon @pinLyon
        $script:max = New-McastSession 'max' @netMunich @pinMunich
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
        if ($natsServer) { Stop-TestNatsServer $server }
    }

    It 'reaches the members as a Gap record (lost between sites), and what follows arrives' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        Wait-McastCondition -TimeoutSeconds 20 -Condition { @(Get-McastPeer -Session $max -ExcludeSelf) | Where-Object Name -eq 'lea' } | Should -BeTrue
        Send-McastMessage -Session $lea -Message 'before'
        (Receive-TestMessage -Session $max).Text | Should -Be 'before'

        Stop-TestNatsServer $server
        Wait-McastCondition -TimeoutSeconds 10 -Condition { -not $sites.lyon.Relay.FederationConnected } | Should -BeTrue
        foreach ($i in 1..12) {
            Send-McastMessage -Session $lea -Message "during $i"
            Start-Sleep -Milliseconds 150
        }
        $script:server = Start-TestNatsServer -Port $server.Port
        Wait-McastCondition -TimeoutSeconds 20 -Condition { $sites.lyon.Relay.FederationConnected -and $sites.munich.Relay.FederationConnected } | Should -BeTrue
        Send-McastMessage -Session $lea -Message 'after'

        $got = [Collections.Generic.List[object]]::new()
        $deadline = [DateTime]::UtcNow.AddSeconds(40)
        while (-not ($got | Where-Object Text -eq 'after') -and [DateTime]::UtcNow -lt $deadline) {
            foreach ($m in @(Receive-McastMessage -Session $max -Timeout 0.5)) { if ($m.Kind -in 'Message', 'Gap') { $got.Add($m) } }
        }
        $gaps = @($got | Where-Object Kind -eq 'Gap')
        $gaps.Count | Should -BeGreaterThan 0
        $gaps[0].SenderName | Should -Be 'lea'
        $gaps[0].Reason | Should -Match 'between sites'
        @($got | Where-Object Kind -eq 'Message')[-1].Text | Should -Be 'after'
        # What did arrive came once and in order: the 'during N' numbers increase.
        $texts = @($got | Where-Object Kind -eq 'Message' | ForEach-Object Text)
        $texts | Should -Be ($texts | Select-Object -Unique)
        $during = @($texts | Where-Object { $_ -like 'during *' } | ForEach-Object { [int]($_ -replace '^during ', '') })
        for ($i = 1; $i -lt $during.Count; $i++) { $during[$i] | Should -BeGreaterThan $during[$i - 1] }
        # Nothing lost without a trace: the Gaps' lost messages and the arrivals add up to the 12 sent.
        $lost = 0
        foreach ($gap in $gaps) {
            $gap.LostMessages | Should -Not -BeNullOrEmpty -Because 'a Gap between sites says how many messages it stands for'
            $lost += $gap.LostMessages
        }
        ($lost + $during.Count) | Should -Be 12
        $sites.munich.Relay.FederationPeers[0].Site | Should -Be 'lyon'
    }
}

Describe 'A NATS server that asks for a user name and password' {
    BeforeAll {
        if (-not $natsServer) { return }
        Import-Module $modulePath -Force
        $script:password = 'pw-{0}' -f [guid]::NewGuid().ToString('N')
        $config = Join-Path $TestDrive 'nats-auth.conf'
        Set-Content -LiteralPath $config -Value @(
            'authorization {'
            '    user: fedrelay'
            "    password: `"$password`""
            '}'
        )
        $script:server = Start-TestNatsServer -ConfigPath $config
        $script:credential = [pscredential]::new('fedrelay', (ConvertTo-SecureString -String $password -AsPlainText -Force))
        $script:subject = 'fedauth{0}' -f (Get-Random -Minimum 100000 -Maximum 999999)
        $script:ids = @{}
        foreach ($name in 'rome', 'vienna', 'nopass') { $ids[$name] = New-McastIdentity -Path (Join-Path $TestDrive "$name.key") }
        Set-Content -LiteralPath (Join-Path $TestDrive 'rome.relays') -Value $ids.vienna.Fingerprint
        Set-Content -LiteralPath (Join-Path $TestDrive 'vienna.relays') -Value $ids.rome.Fingerprint
        Set-Content -LiteralPath (Join-Path $TestDrive 'nopass.relays') -Value @($ids.rome.Fingerprint, $ids.vienna.Fingerprint)
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
        if ($natsServer) { Stop-TestNatsServer $server }
    }

    It 'keeps out a relay without the credential, visibly: a warning, FederationConnected false, failures counted' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $net = New-McastTestNet
        $relay = Start-McastRelay 'relay-nopass' @net -IdentityPath $ids.nopass.Path -Federation $server.Url -Site nopass `
            -AuthorizedRelaysPath (Join-Path $TestDrive 'nopass.relays') -FederationSubject $subject -WarningVariable warned -WarningAction SilentlyContinue
        try {
            @($warned).Count | Should -BeGreaterThan 0
            "$warned" | Should -Match 'could not reach the NATS server'
            Wait-McastCondition -TimeoutSeconds 10 -Condition { $relay.FederationConnectFailures -gt 0 -and $relay.FederationLastError } | Should -BeTrue
            $relay.FederationLastError | Should -Match 'Authorization'
            # Still out a while later: it keeps trying, and keeps being refused.
            Start-Sleep -Seconds 1
            $relay.FederationConnected | Should -BeFalse
        }
        finally {
            $relay | Stop-McastRelay
        }
    }

    It 'logs, in the foreground, that the server refused a relay without the credential' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $net = New-McastTestNet
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; Start-McastRelay -Name fedrefused -Group $($net.Group) -Port $($net.Port) -Interface Loopback -Federation $($server.Url) -Site lab -AuthorizedRelaysPath '$(Join-Path $TestDrive 'nopass.relays')' -FederationSubject $subject -WarningAction SilentlyContinue -Wait")
            $async = $ps.BeginInvoke()
            $log = $ps.Streams.Information
            $failed = { @($log | Where-Object { $_.Tags -contains 'FederationFailed' } | ForEach-Object { "$($_.MessageData)" }) }
            Wait-McastCondition -TimeoutSeconds 15 -Condition { @(& $failed).Count -ge 1 } | Should -BeTrue
            @(& $failed)[0] | Should -Match ([regex]::Escape("Relay fedrefused (site lab) failed to connect to $($server.Url)") + '.*Authorization')
            @($log | Where-Object { $_.Tags -contains 'FederationConnected' }).Count | Should -Be 0
            $ps.Stop()
            $async.IsCompleted | Should -BeTrue
        }
        finally {
            $ps.Dispose()
            Get-McastRelay -Name fedrefused -ErrorAction SilentlyContinue | Stop-McastRelay
        }
    }

    It 'lets relays with the credential in: they connect and federate, and the password shows nowhere' {
        if (-not $natsServer) { if ($env:CI -eq 'true') { throw $noNatsInCI }; Set-ItResult -Skipped -Because $noNats; return }
        $sites = @{}
        foreach ($name in 'rome', 'vienna') {
            $net = New-McastTestNet
            $relay = Start-McastRelay "relay-$name" @net -IdentityPath $ids[$name].Path -Federation $server.Url -Site $name `
                -AuthorizedRelaysPath (Join-Path $TestDrive "$name.relays") -FederationSubject $subject -FederationCredential $credential -WarningVariable warned
            @($warned).Count | Should -Be 0 -Because 'the server takes its user name and password'
            $sites[$name] = [pscustomobject]@{ Net = $net; Relay = $relay; Pin = @{ RelayFingerprint = $relay.KeyFingerprint } }
        }
        $sites.rome.Relay.FederationConnected | Should -BeTrue
        $sites.vienna.Relay.FederationConnected | Should -BeTrue
        $netRome = $sites.rome.Net; $pinRome = $sites.rome.Pin; $netVienna = $sites.vienna.Net; $pinVienna = $sites.vienna.Pin
        $rita = New-McastSession 'rita' @netRome @pinRome
        $viktor = New-McastSession 'viktor' @netVienna @pinVienna
        Wait-McastCondition -TimeoutSeconds 20 -Condition { @(Get-McastPeer -Session $viktor -ExcludeSelf) | Where-Object Name -eq 'rita' } | Should -BeTrue
        Send-McastMessage -Session $rita -Message 'ciao Wien'
        $m = Receive-TestMessage -Session $viktor
        $m.Text | Should -Be 'ciao Wien'
        $m.SenderName | Should -Be 'rita'
        $sites.rome.Relay.FederationConnectFailures | Should -Be 0
        $shown = ($sites.Values.Relay | Format-List -Property * | Out-String) + ($sites.Values.Relay | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue)
        $shown | Should -Not -Match ([regex]::Escape($password))
    }
}
