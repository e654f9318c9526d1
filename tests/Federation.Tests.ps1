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
    $script:natsServer = Get-Command nats-server -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    $script:noNats = 'nats-server is not installed (.ci/run installs it with apt-get; here: apt-get install -y nats-server)'

    function Start-TestNatsServer {
        # A nats-server on 127.0.0.1 and a random free port; returns its process and URL once it listens.
        param([int] $Port = 0)
        if ($Port -eq 0) {
            $probe = [Net.Sockets.TcpListener]::new([ipaddress]::Loopback, 0)
            $probe.Start()
            $Port = $probe.LocalEndpoint.Port
            $probe.Stop()
        }
        $process = Start-Process -FilePath $natsServer.Source -ArgumentList @('-a', '127.0.0.1', '-p', "$Port") -PassThru -RedirectStandardError (Join-Path $TestDrive "nats-$Port-$([guid]::NewGuid().ToString('N')).log")
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
        if (-not $natsServer) { Set-ItResult -Skipped -Because $noNats; return }
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
}
