# The relay cmdlets as a user calls them, on loopback.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:modulePath = Get-McastTestModulePath
}

Describe 'Start-McastRelay' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'returns a running relay with its settings and a key fingerprint' {
        $net = New-McastTestNet
        $relay = Start-McastRelay 'settings' @net -ClientTimeout 30
        $relay | Should -BeOfType ([McastCrypto.Relay.McastRelay])
        $relay.State | Should -Be 'Running'
        $relay.Name | Should -Be 'settings'
        [string]$relay.Group | Should -Be $net.Group
        $relay.Port | Should -Be $net.Port
        $relay.Interface | Should -Be '127.0.0.1'
        $relay.KeyFingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        @($relay.Members).Count | Should -Be 0
    }

    It 'keeps its key in an identity file: made (owner-only) when missing, read when there' {
        $net = New-McastTestNet
        $identity = Join-Path $TestDrive 'relay.key'
        $first = Start-McastRelay @net -IdentityPath $identity -Verbose 4>&1
        $made = @($first | Where-Object { $_ -is [Management.Automation.VerboseRecord] })
        $relay = @($first | Where-Object { $_ -is [McastCrypto.Relay.McastRelay] })[0]
        $made.Message | Should -Match ([regex]::Escape($relay.KeyFingerprint))
        $relay.IdentityPath | Should -Be $identity
        (Get-Content -LiteralPath $identity -Raw) | Should -Match '-----BEGIN PRIVATE KEY-----'
        if (-not $IsWindows) { [IO.File]::GetUnixFileMode($identity) | Should -Be ([IO.UnixFileMode]'UserRead, UserWrite') }
        $fingerprint = $relay.KeyFingerprint
        $relay | Stop-McastRelay
        (Start-McastRelay @net -IdentityPath $identity).KeyFingerprint | Should -Be $fingerprint
    }

    It 'refuses an identity file that holds no key, saying which file' {
        $net = New-McastTestNet
        $identity = Join-Path $TestDrive 'not-a-key.txt'
        Set-Content -LiteralPath $identity -Value 'hello'
        $err = { Start-McastRelay @net -IdentityPath $identity } | Should -Throw -PassThru -ErrorId 'InvalidIdentityFile,McastCrypto.Commands.StartMcastRelayCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidData'
        $err.TargetObject | Should -Be $identity
        @(Get-McastRelay).Count | Should -Be 0
    }

    It 'names what the user gave in a setting error, without .NET''s parameter name' {
        $net = New-McastTestNet
        $err = { Start-McastRelay @net -Protocol Classic -RekeyInterval 60 } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match '^-RekeyInterval is for the Secure protocol'
        $err.Exception.Message | Should -Not -Match '\(Parameter'
        $err.TargetObject | Should -Be "$($net.Group):$($net.Port)"
        $err = { Start-McastRelay -Group 192.168.1.1 -Interface Loopback } | Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Not -Match '\(Parameter'
        $err.TargetObject | Should -Be ([ipaddress]'192.168.1.1')
    }

    It 'refuses a TTL out of range before opening anything' {
        { Start-McastRelay -Group 239.255.1.1 -Interface Loopback -Ttl 300 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,McastCrypto.Commands.StartMcastRelayCommand'
    }

    It 'counts datagrams in and out and messages relayed' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $a = New-McastSession @net
        $b = New-McastSession @net
        Send-McastMessage -Session $a -Message 'counted'
        $null = Receive-McastMessage -Session $b -Count 2 -Timeout 5
        $relay.MessagesRelayed | Should -Be 1
        $relay.DatagramsIn | Should -BeGreaterThan 0
        $relay.DatagramsOut | Should -BeGreaterThan 0
    }

    It 'logs a start-up line and each event as it happens with -Wait, without -Verbose, until Ctrl+C' {
        $net = New-McastTestNet
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; Start-McastRelay -Name waiting -Group $($net.Group) -Port $($net.Port) -Interface Loopback -Wait")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            Wait-McastCondition { @(Get-McastRelay -Name waiting -ErrorAction SilentlyContinue).Count -eq 1 } 10 | Should -BeTrue
            $relay = Get-McastRelay -Name waiting
            $log = $ps.Streams.Information
            Wait-McastCondition { $log.Count -ge 1 } 5 | Should -BeTrue
            # The first line says where the relay serves, with what protocol and which key.
            $start = "$($log[0].MessageData)"
            $start | Should -Match '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d Relay waiting started: '
            $start | Should -Match ([regex]::Escape("$($net.Group):$($net.Port) on 127.0.0.1, Secure, key $($relay.KeyFingerprint)"))
            # Tagged as Write-Host's lines are, so that a console or a service's standard output shows them.
            $log[0].Tags | Should -Contain 'PSHOST'
            $log[0].Tags | Should -Contain 'McastRelay'

            $session = New-McastSession 'logged' @net -RelayFingerprint $relay.KeyFingerprint
            Wait-McastCondition { @($log | Where-Object { $_.Tags -contains 'Rekeyed' }).Count -ge 1 } 5 | Should -BeTrue
            $joined = @($log | Where-Object { $_.Tags -contains 'Joined' })
            "$($joined[0].MessageData)" | Should -Match ([regex]::Escape("Joined: logged ($($session.MemberId)), key $($session.KeyFingerprint)"))
            Remove-McastSession -Session $session
            Wait-McastCondition { @($log | Where-Object { $_.Tags -contains 'Left' }).Count -ge 1 } 5 | Should -BeTrue
            # Objects only with -PassThru: the log is the output of a relay in the foreground.
            $output.Count | Should -Be 0
            $ps.Stop()
            $async.IsCompleted | Should -BeTrue
            @(Get-McastRelay -Name waiting -ErrorAction SilentlyContinue).Count | Should -Be 0
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'also writes each event as a RelayEvent with -Wait -PassThru, and logs its stop when stopped elsewhere' {
        $net = New-McastTestNet
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; Start-McastRelay -Name passing -Group $($net.Group) -Port $($net.Port) -Interface Loopback -Wait -PassThru")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            Wait-McastCondition { @(Get-McastRelay -Name passing -ErrorAction SilentlyContinue).Count -eq 1 } 10 | Should -BeTrue
            $session = New-McastSession @net
            Wait-McastCondition { $output.Count -ge 2 } 5 | Should -BeTrue
            # An open PSDataCollection blocks whoever enumerates it: read it by index.
            $events = foreach ($i in 0..($output.Count - 1)) { $output[$i] }
            # Secure: the join, then the new epoch it starts.
            $events[0].Kind | Should -Be 'Joined'
            $events[0].Member.Id | Should -Be $session.MemberId
            $events[0].Member.KeyFingerprint | Should -Be $session.KeyFingerprint
            $events.Kind | Should -Contain 'Rekeyed'
            Stop-McastRelay -Name passing
            $async.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
            $log = $ps.Streams.Information
            "$($log[$log.Count - 1].MessageData)" | Should -Match 'Relay passing stopped\.$'
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'Get-McastRelayEvent' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'returns what a background relay did since the last call, once, with the relay''s name' {
        $net = New-McastTestNet
        $relay = Start-McastRelay 'eventful' @net
        $session = New-McastSession @net -RelayFingerprint $relay.KeyFingerprint
        Wait-McastCondition { $relay.Epoch -ge 1 } 5 | Should -BeTrue
        $events = @(Get-McastRelayEvent -Relay $relay)
        $events[0].Kind | Should -Be 'Joined'
        $events[0].Member.Id | Should -Be $session.MemberId
        $events.Kind | Should -Contain 'Rekeyed'
        $events | ForEach-Object { $_ | Should -BeOfType ([McastCrypto.Protocol.RelayEvent]) }
        $events.RelayName | Sort-Object -Unique | Should -Be 'eventful'
        @(Get-McastRelayEvent -Relay $relay).Count | Should -Be 0
        Remove-McastSession -Session $session
        Wait-McastCondition { $relay.MemberCount -eq 0 } 5 | Should -BeTrue
        @($relay | Get-McastRelayEvent).Kind | Should -Contain 'Left'
    }

    It 'waits with -Timeout and returns nothing when nothing happens' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $watch = [Diagnostics.Stopwatch]::StartNew()
        @(Get-McastRelayEvent -Relay $relay -Timeout 0.5).Count | Should -Be 0
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.4
    }

    It 'streams events with -Wait as they happen, and returns once the relay stops' {
        $net = New-McastTestNet
        $relay = Start-McastRelay 'streamed' @net
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; Get-McastRelay -Name streamed | Get-McastRelayEvent -Wait")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]]::new(), $output)
            $session = New-McastSession @net -RelayFingerprint $relay.KeyFingerprint
            Wait-McastCondition { $output.Count -ge 1 } 5 | Should -BeTrue
            $output[0].Kind | Should -Be 'Joined'
            $async.IsCompleted | Should -BeFalse
            Remove-McastSession -Session $session
            $relay | Stop-McastRelay
            # Bounded: it ends by itself when the relay stops, with the last events.
            $async.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
            $kinds = foreach ($i in 0..($output.Count - 1)) { $output[$i].Kind }
            $kinds | Should -Contain 'Left'
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'Get-McastRelay and Stop-McastRelay' {
    BeforeAll {
        $net = New-McastTestNet
        $first = Start-McastRelay 'relay-a' @net
        $otherNet = New-McastTestNet
        $second = Start-McastRelay 'relay-b' @otherNet
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'gets all relays, by Id and by name with wildcards' {
        @(Get-McastRelay).Count | Should -Be 2
        (Get-McastRelay -Id $second.Id).Name | Should -Be 'relay-b'
        @(Get-McastRelay 'relay-*').Count | Should -Be 2
    }

    It 'reports an Id or name that matches nothing as ObjectNotFound' {
        Get-McastRelay -Id 424242 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'RelayNotFound,McastCrypto.Commands.GetMcastRelayCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'completes relay names on Tab' {
        $line = 'Stop-McastRelay -Name relay-'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('relay-a', 'relay-b')
    }

    It 'changes nothing with -WhatIf' {
        $first | Stop-McastRelay -WhatIf
        $first.State | Should -Be 'Running'
    }

    It 'tells every member it is going, then stops' {
        $a = New-McastSession @net
        $b = New-McastSession @net
        $null = Receive-McastMessage -Session $a -Count 2 -Timeout 5
        Stop-McastRelay -Name 'relay-a'
        $first.State | Should -Be 'Stopped'
        $left = @(Receive-McastMessage -Session $a -Count 2 -Timeout 5)
        $left.Kind | Should -Be @('Left', 'Left')
        ($left.SenderId | Sort-Object) | Should -Be (@($a.MemberId, $b.MemberId) | Sort-Object)
        $left.Verified | Should -Be @($true, $true)
        @(Get-McastRelay).Name | Should -Be @('relay-b')
    }

    It 'stops by Id' {
        Stop-McastRelay -Id $second.Id
        $second.State | Should -Be 'Stopped'
        @(Get-McastRelay).Count | Should -Be 0
    }
}

Describe 'A relay busy with a long fan-out' {
    It 'answers reads and stops within moments, counting what it did not send' {
        $net = New-McastTestNet
        # A relay paced at 500 datagrams a second that forgets nobody during the test.
        $options = [McastCrypto.Relay.McastRelayOptions]::new()
        $options.Network.Group = [ipaddress]$net.Group
        $options.Network.Port = $net.Port
        $options.Network.Interface = 'Loopback'
        $options.SendRate = 500
        $options.Protocol = 'Classic'
        $options.ClientTimeout = [timespan]::FromMinutes(2)
        $relay = [McastCrypto.Relay.McastRelay]::Start($options)
        $channels = @()
        try {
            # 10 members made by hand (they never read), then one real member sends 64 KiB: the relay
            # queues some 3,500 blocks, seven seconds of paced sending.
            $channels = @(1..10 | ForEach-Object { New-McastTestChannel -Endpoint $net })
            $null = $channels | ForEach-Object { Connect-McastTestMember -Channel $_ }
            $sender = New-McastSession 'sender' @net -Protocol Classic
            Wait-McastCondition { @($relay.Members | Where-Object Connected).Count -eq 11 } 20 | Should -BeTrue
            Send-McastMessage -Session $sender -Message ('x' * 65536)
            Wait-McastCondition { $relay.MessagesRelayed -eq 1 } 20 | Should -BeTrue

            # Bounds, not speeds: a read or a stop that waited behind the paced sends would take seconds.
            $read = [Diagnostics.Stopwatch]::StartNew()
            $null = $relay.MemberCount
            $read.Elapsed.TotalSeconds | Should -BeLessThan 2
            $stop = [Diagnostics.Stopwatch]::StartNew()
            $relay | Stop-McastRelay
            $stop.Elapsed.TotalSeconds | Should -BeLessThan 3
            $relay.State | Should -Be 'Stopped'
            $relay.Drops['SendQueueDiscarded'] | Should -BeGreaterThan 0
        }
        finally {
            $channels | ForEach-Object { $_.Dispose() }
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
        }
    }
}

Describe 'Relay events (Register-ObjectEvent)' {
    BeforeEach {
        $id = 'McastTest.' + [guid]::NewGuid()
    }

    AfterEach {
        foreach ($s in "$id.joined", "$id.left", "$id.refused") {
            Unregister-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
            Remove-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
        }
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'raises MemberJoined, MemberLeft and JoinRefused' {
        $net = New-McastTestNet
        $alice = New-McastIdentity -Path (Join-Path $TestDrive 'alice.key')
        $list = Join-Path $TestDrive 'authorized_keys'
        Set-Content -LiteralPath $list -Value "$($alice.Fingerprint) alice"
        $relay = Start-McastRelay @net -AuthorizedKeysPath $list
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        try {
            Register-ObjectEvent -InputObject $relay -EventName MemberJoined -SourceIdentifier "$id.joined"
            Register-ObjectEvent -InputObject $relay -EventName MemberLeft -SourceIdentifier "$id.left"
            Register-ObjectEvent -InputObject $relay -EventName JoinRefused -SourceIdentifier "$id.refused"

            $in = New-McastSession 'ev-alice' @net @pin -IdentityPath $alice.Path
            $joined = Wait-Event -SourceIdentifier "$id.joined" -Timeout 5
            $joined.SourceEventArgs.Kind | Should -Be 'Joined'
            $joined.SourceEventArgs.MemberFingerprint | Should -Be $alice.Fingerprint
            $joined.Sender.KeyFingerprint | Should -Be $relay.KeyFingerprint

            { New-McastSession 'ev-mallory' @net @pin -Timeout 10 -ErrorAction Stop } | Should -Throw -ErrorId 'AdmissionRefused,McastCrypto.Commands.NewMcastSessionCommand'
            $refused = Wait-Event -SourceIdentifier "$id.refused" -Timeout 5
            $refused.SourceEventArgs.Kind | Should -Be 'Refused'
            $refused.SourceEventArgs.MemberFingerprint | Should -Not -Be $alice.Fingerprint

            Remove-McastSession -Session $in
            $left = Wait-Event -SourceIdentifier "$id.left" -Timeout 5
            $left.SourceEventArgs.Kind | Should -Be 'Left'
            $left.SourceEventArgs.MemberFingerprint | Should -Be $alice.Fingerprint
            $relay.HandlerErrors | Should -Be 0
        }
        finally {
            foreach ($s in "$id.joined", "$id.left", "$id.refused") {
                Unregister-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
                Remove-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
            }
        }
    }
}

Describe 'Piping to Stop-McastRelay, and -PassThru' {
    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'stops piped relays and -PassThru writes them' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $stopped = @($relay | Stop-McastRelay -PassThru)
        $stopped.Count | Should -Be 1
        $stopped[0].Id | Should -Be $relay.Id
        $relay.State | Should -Be 'Stopped'
    }

    It 'refuses a piped session with NotARelay and stops nothing' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $session = New-McastSession -RelayFingerprint $relay.KeyFingerprint @net
        $session | Stop-McastRelay -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'NotARelay,McastCrypto.Commands.StopMcastRelayCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be $session
        $relay.State | Should -Be 'Running'
        Remove-McastSession -Session $session
        Stop-McastRelay -Relay $relay
    }
}
