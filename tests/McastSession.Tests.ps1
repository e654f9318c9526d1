# The session cmdlets as a user calls them, each Describe with a relay of its own on loopback.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:modulePath = Get-McastTestModulePath
}

Describe 'New-McastSession' {
    Context 'with no relay on the group' {
        It 'writes a non-terminating RelayNotFound naming the group, port and interface, and what to check' {
            $net = New-McastTestNet
            # Non-terminating, as New-PSSession's errors are: -ErrorAction SilentlyContinue holds it,
            # where a terminating error would end this test here.
            $session = New-McastSession @net -Timeout 1 -ErrorVariable err -ErrorAction SilentlyContinue
            $session | Should -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'RelayNotFound,McastCrypto.Commands.NewMcastSessionCommand'
            $err[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
            $err[0].Exception.Message | Should -Match ([regex]::Escape($net.Group))
            $err[0].Exception.Message | Should -Match "port $($net.Port)"
            $err[0].Exception.Message | Should -Match '127\.0\.0\.1'
            # The target is what the user named, not the cmdlet's options object.
            $err[0].TargetObject | Should -Be "$($net.Group):$($net.Port)"
            $action = $err[0].ErrorDetails.RecommendedAction
            $action | Should -Match ([regex]::Escape("-Group $($net.Group)"))
            $action | Should -Match "-Port $($net.Port)"
            $action | Should -Match '-Interface Loopback'
            $action | Should -Match 'a relay runs for the group'
            $action | Should -Match "firewall lets UDP through on port $($net.Port)"
            @(Get-McastSession).Count | Should -Be 0
        }

        It 'lets a script go on after it, and stops one with -ErrorAction Stop' {
            $net = New-McastTestNet
            # As a script runs by default, whatever the test runner prefers.
            $out = & { $ErrorActionPreference = 'Continue'; New-McastSession @net -Timeout 1 2>$null; 'went on' }
            $out | Should -Be 'went on'
            { New-McastSession @net -Timeout 1 -ErrorAction Stop } | Should -Throw -ErrorId 'RelayNotFound,McastCrypto.Commands.NewMcastSessionCommand'
        }
    }

    Context 'stopped while it waits (Ctrl+C)' {
        It 'stops at once, leaving no session behind' {
            $net = New-McastTestNet
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$modulePath'; New-McastSession -Group $($net.Group) -Port $($net.Port) -Interface Loopback -Timeout 600")
                $async = $ps.BeginInvoke()
                Start-Sleep -Milliseconds 1500
                $async.IsCompleted | Should -BeFalse
                # The bound only proves that the wait stops at all; it does not measure speed.
                $ps.BeginStop($null, $null).AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
                $ps.InvocationStateInfo.State | Should -Be 'Stopped'
                @(Get-McastSession).Count | Should -Be 0
            }
            finally {
                $ps.Dispose()
            }
        }
    }

    Context 'bad settings' {
        It 'refuses a group that is not multicast' {
            $err = { New-McastSession -Group 10.1.2.3 -Interface Loopback -Timeout 1 } | Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.NewMcastSessionCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match '10\.1\.2\.3'
            # No .NET suffix for programmers, and the target is the value given.
            $err.Exception.Message | Should -Not -Match '\(Parameter'
            $err.Exception.Message | Should -Match 'not a multicast address: IPv4 groups are 224\.0\.0\.0 to 239\.255\.255\.255, IPv6 groups are in ff00::/8 \(.*\)\.$'
            $err.TargetObject | Should -Be ([ipaddress]'10.1.2.3')
        }

        It 'refuses an interface that does not exist, naming it' {
            $err = { New-McastSession -Group 239.255.1.1 -Interface 'no-such-interface-xyz' -Timeout 1 } | Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.NewMcastSessionCommand'
            $err.TargetObject | Should -Be 'no-such-interface-xyz'
            $err.Exception.Message | Should -Not -Match '\(Parameter'
        }

        It 'refuses a protocol it does not speak instead of running another one' {
            $net = New-McastTestNet
            $options = [McastCrypto.Session.McastSessionOptions]::new()
            $options.Protocol = [Enum]::ToObject([McastCrypto.Protocol.McastProtocol], 99)
            $options.Network.Group = [ipaddress]$net.Group
            $options.Network.Port = $net.Port
            $options.Network.Interface = 'Loopback'
            $err = { [McastCrypto.Session.McastSession]::Open($options, [Threading.CancellationToken]::None) } | Should -Throw -PassThru
            $err.Exception.InnerException | Should -BeOfType [ArgumentException]
            $err.Exception.InnerException.Message | Should -Match "'99' is not a protocol"
            @(Get-McastSession).Count | Should -Be 0
        }
    }

    Context 'a socket that cannot be set up' {
        It 'stops with SocketSetupFailed saying which operation failed and why' {
            if (-not $IsLinux) {
                Set-ItResult -Skipped -Because "the conflict relies on Linux's rule that every socket sharing a port sets SO_REUSEADDR"
                return
            }
            $net = New-McastTestNet
            $exclusive = [Net.Sockets.Socket]::new('InterNetwork', 'Dgram', 'Udp')
            try {
                $exclusive.Bind([Net.IPEndPoint]::new([ipaddress]$net.Group, $net.Port))
                $err = { New-McastSession @net -Timeout 1 -ErrorAction Stop } | Should -Throw -PassThru -ErrorId 'SocketSetupFailed,McastCrypto.Commands.NewMcastSessionCommand'
                $err.TargetObject | Should -Be "$($net.Group):$($net.Port)"
                $err.CategoryInfo.Category | Should -Be 'OpenError'
                $err.Exception.Operation | Should -Be 'bind'
                $err.Exception.Message | Should -Match ([regex]::Escape($net.Group))
                $err.Exception.Message | Should -Match ([regex]::Escape($err.Exception.InnerException.Message))
                @(Get-McastSession).Count | Should -Be 0
            }
            finally {
                $exclusive.Dispose()
            }
        }
    }

    Context 'with a relay' {
        BeforeAll {
            $net = New-McastTestNet
            $relay = Start-McastRelay @net
        }

        AfterAll {
            Get-McastSession | Remove-McastSession
            $relay | Stop-McastRelay
        }

        It 'returns a connected session with its settings' {
            $session = New-McastSession 'settings' @net -KeepAliveInterval 2
            $session | Should -BeOfType ([McastCrypto.Session.McastSession])
            $session.State | Should -Be 'Connected'
            $session.Name | Should -Be 'settings'
            $session.Protocol | Should -Be 'Secure'
            $session.MemberId | Should -Match '^[0-9a-f]{8}$'
            $session.KeyFingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
            $session.Epoch | Should -BeGreaterThan 0
            $session.ReceiveBufferBytes | Should -BeGreaterThan 0
            [string]$session.Group | Should -Be $net.Group
            $session.Port | Should -Be $net.Port
            $session.Interface | Should -Be '127.0.0.1'
            $session.LocalEndPoint.Address | Should -Be ([ipaddress]'127.0.0.1')
            $session.RelayKeyFingerprint | Should -Be $relay.KeyFingerprint
            $session.RelayKeyFingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        }

        It 'takes the loopback interface by IPv4 address and by name as well' {
            $where = @{ Group = $net.Group; Port = $net.Port }
            $byAddress = New-McastSession @where -Interface 127.0.0.1
            $byAddress.Interface | Should -Be '127.0.0.1'
            $byAddress.State | Should -Be 'Connected'
            $loopbackName = [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
                Where-Object NetworkInterfaceType -eq 'Loopback' | Select-Object -First 1 -ExpandProperty Name
            $loopbackName | Should -Not -Be 'Loopback'
            $byName = New-McastSession @where -Interface $loopbackName
            $byName.Interface | Should -Be '127.0.0.1'
            $byName.State | Should -Be 'Connected'
        }

        It 'refuses a Classic-only setting under Secure, and a Secure-only one under Classic' {
            $err = { New-McastSession @net -FragmentSize 512 } | Should -Throw -PassThru -ErrorId 'InvalidSessionOption,McastCrypto.Commands.NewMcastSessionCommand'
            $err.Exception.Message | Should -Match 'Classic'
            $err.Exception.Message | Should -Not -Match '\(Parameter'
            $err.TargetObject | Should -Be "$($net.Group):$($net.Port)"
            $err = { New-McastSession @net -Protocol Classic -RelayFingerprint $relay.KeyFingerprint } | Should -Throw -PassThru -ErrorId 'InvalidSessionOption,McastCrypto.Commands.NewMcastSessionCommand'
            $err.Exception.Message | Should -Match '-RelayFingerprint is for the Secure protocol'
            $err.Exception.Message | Should -Not -Match '\(Parameter'
        }

        It 'names a session Session<Id> when no name is given' {
            $session = New-McastSession @net
            $session.Name | Should -Be "Session$($session.Id)"
        }
    }
}

Describe 'Get-McastSession and Remove-McastSession' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $one = New-McastSession 'lookup-one' @net
        $two = New-McastSession 'lookup-two' @net
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        $relay | Stop-McastRelay
    }

    It 'gets all sessions, by Id, and by name with wildcards' {
        @(Get-McastSession).Count | Should -Be 2
        (Get-McastSession -Id $two.Id).Name | Should -Be 'lookup-two'
        @(Get-McastSession -Name 'lookup-*').Count | Should -Be 2
        (Get-McastSession 'LOOKUP-ONE').Id | Should -Be $one.Id
    }

    It 'reports an Id or a name that matches nothing as ObjectNotFound' {
        Get-McastSession -Id 99999 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SessionNotFound,McastCrypto.Commands.GetMcastSessionCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err[0].TargetObject | Should -Be 99999
        Get-McastSession -Name 'nobody' -ErrorVariable err2 -ErrorAction SilentlyContinue
        $err2[0].FullyQualifiedErrorId | Should -Be 'SessionNotFound,McastCrypto.Commands.GetMcastSessionCommand'
        @(Get-McastSession -Name 'nobody*').Count | Should -Be 0
    }

    It 'completes session names on Tab, and Loopback for -Interface' {
        $line = 'Remove-McastSession -Name lookup-t'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('lookup-two')
        $line = 'Get-McastSession LOOKUP'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @('lookup-one', 'lookup-two')
        $line = 'New-McastSession -Interface loop'
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Contain 'Loopback'
    }

    It 'changes nothing with -WhatIf' {
        $one | Remove-McastSession -WhatIf
        $one.State | Should -Be 'Connected'
        @(Get-McastSession).Count | Should -Be 2
    }

    It 'removes by name: DISCONNECT reaches the relay, and the session leaves the table' {
        Remove-McastSession -Name 'lookup-one'
        $one.State | Should -Be 'Closed'
        @(Get-McastSession).Name | Should -Be @('lookup-two')
        Wait-McastCondition { @($relay.Members).Count -eq 1 } 5 | Should -BeTrue
    }

    It 'refuses to send on a removed session, naming it' {
        Send-McastMessage -Session $one -Message 'too late' -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'SessionClosed,McastCrypto.Commands.SendMcastMessageCommand'
        $err[0].TargetObject | Should -Be $one
        $err[0].Exception.Message | Should -Match 'lookup-one'
        # Said for a user, without .NET's 'Object name: ...' for programmers.
        $err[0].Exception.Message | Should -Not -Match 'Object name'
    }

    It 'removes by Id, and removing twice is harmless' {
        Remove-McastSession -Id $two.Id
        $two | Remove-McastSession
        $two.State | Should -Be 'Closed'
        @(Get-McastSession).Count | Should -Be 0
    }
}

Describe 'Send-McastMessage and Receive-McastMessage' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $sender = New-McastSession 'sender' @net
        $reader = New-McastSession 'reader' @net
        $null = Wait-McastCondition { @(Get-McastPeer -Session $sender -ExcludeSelf).Count -eq 1 } 5
        $null = Receive-McastMessage -Session $sender, $reader
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        $relay | Stop-McastRelay
    }

    It 'returns what arrived and returns at once; nothing comes twice' {
        'a1', 'a2' | Send-McastMessage -Session $sender
        Wait-McastCondition { $reader.Pending -ge 2 } 5 | Should -BeTrue
        $first = @(Receive-McastMessage -Session $reader)
        $first.Text | Should -Be @('a1', 'a2')
        $first | ForEach-Object { $_ | Should -BeOfType ([McastCrypto.Session.McastMessage]) }
        @(Receive-McastMessage -Session $reader).Count | Should -Be 0
    }

    It 'leaves the messages for the next call with -Keep' {
        Send-McastMessage -Session $sender -Message 'kept'
        Wait-McastCondition { $reader.Pending -ge 1 } 5 | Should -BeTrue
        (Receive-McastMessage -Session $reader -Keep).Text | Should -Be 'kept'
        (Receive-McastMessage -Session $reader).Text | Should -Be 'kept'
        @(Receive-McastMessage -Session $reader).Count | Should -Be 0
    }

    It 'takes only -Count messages and leaves the rest for the next call' {
        'c1', 'c2', 'c3' | Send-McastMessage -Session $sender
        (Receive-McastMessage -Session $reader -Count 2 -Timeout 5).Text | Should -Be @('c1', 'c2')
        (Receive-McastMessage -Session $reader -Count 1 -Timeout 5).Text | Should -Be 'c3'
    }

    It 'returns after -Timeout when nothing comes' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        @(Receive-McastMessage -Session $reader -Timeout 0.5).Count | Should -Be 0
        $watch.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 0.4
    }

    It 'filters with Where-Object by Kind, as the docs show' {
        Send-McastMessage -Session $sender -Message 'pipeline'
        (Receive-McastMessage -Session $reader -Count 1 -Timeout 5 | Where-Object Kind -eq Message | Select-Object -ExpandProperty Text) | Should -Be 'pipeline'
    }

    It 'takes sessions from the pipeline' {
        Send-McastMessage -Session $sender -Message 'piped session'
        ($reader | Receive-McastMessage -Count 1 -Timeout 5).Text | Should -Be 'piped session'
    }

    It 'writes what was sent with -PassThru' {
        $sent = $sender | Send-McastMessage -Message ('x' * 500) -PassThru
        $sent.Bytes | Should -Be 500
        # Secure: one fragment of at most 1,271 bytes per datagram, each sealed on its own.
        $sent.Fragments | Should -Be 1
        $sent.WireBytes | Should -BeGreaterThan 500
        $sent.MessageId | Should -Match '^[0-9a-f]+$'
        $long = $sender | Send-McastMessage -Message ('y' * 5000) -PassThru
        $long.Fragments | Should -Be 4
        $texts = @(Receive-McastMessage -Session $reader -Count 2 -Timeout 5).Text
        $texts | Should -Be @(('x' * 500), ('y' * 5000))
    }

    It 'refuses an empty message with InvalidMessage and sends the others' {
        'before', '', 'after' | Send-McastMessage -Session $sender -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'InvalidMessage,McastCrypto.Commands.SendMcastMessageCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        # What .NET appends to an argument's message is not for the user.
        $err[0].Exception.Message | Should -Not -Match '\(Parameter '
        (Receive-McastMessage -Session $reader -Count 2 -Timeout 5).Text | Should -Be @('before', 'after')
    }

    It 'stops a -Wait at once when the pipeline is stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$modulePath'; Get-McastSession -Id $($reader.Id) | Receive-McastMessage -Wait")
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 800
            $async.IsCompleted | Should -BeFalse
            # Without StopProcessing a -Wait would never return, and Stop() would hang: the bound
            # only proves that it stops at all, it does not measure speed.
            $stop = $ps.BeginStop($null, $null)
            $stop.AsyncWaitHandle.WaitOne(10000) | Should -BeTrue
            $ps.InvocationStateInfo.State | Should -Be 'Stopped'
        }
        finally {
            $ps.Dispose()
        }
    }
}

Describe 'Receive-McastMessage over many sessions' {
    It 'waits over 65 sessions at once (more than one wait can watch) and returns what arrives' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        try {
            $sessions = @(1..65 | ForEach-Object { New-McastSession "many$_" @net })
            $null = Receive-McastMessage -Session $sessions
            Send-McastMessage -Session $sessions[0] -Message 'to all 64 others'
            # Joins of the last sessions may still be arriving: keep only the messages, in rounds that each wait over all 65.
            $heard = [Collections.Generic.List[object]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            while ($heard.Count -lt 64 -and [DateTime]::UtcNow -lt $deadline) {
                Receive-McastMessage -Session $sessions -Timeout 1 | Where-Object Kind -eq Message | ForEach-Object { $heard.Add($_) }
            }
            $heard.Count | Should -Be 64
            @($heard.SessionName | Sort-Object -Unique).Count | Should -Be 64
            $heard.SessionName | Should -Not -Contain 'many1'
        }
        finally {
            Get-McastSession | Remove-McastSession
            $relay | Stop-McastRelay
        }
    }
}

Describe 'Get-McastPeer' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $first = New-McastSession 'first' @net
        $second = New-McastSession 'second' @net
        $null = Wait-McastCondition { @(Get-McastPeer -Session $first -ExcludeSelf).Count -eq 1 } 5
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        $relay | Stop-McastRelay
    }

    It 'lists the session itself with its name and the members it heard join' {
        $peers = @(Get-McastPeer -Session $first)
        $peers.Count | Should -Be 2
        ($peers | Where-Object IsSelf).Name | Should -Be 'first'
        ($peers | Where-Object { -not $_.IsSelf }).Id | Should -Be $second.MemberId
        ($peers | Where-Object { -not $_.IsSelf }).Name | Should -Be 'second'
        ($peers | Where-Object { -not $_.IsSelf }).KeyFingerprint | Should -Be $second.KeyFingerprint
        ($peers | Where-Object { -not $_.IsSelf }).JoinedAt | Should -Not -BeNullOrEmpty
        ($peers | Where-Object { -not $_.IsSelf }).State | Should -Be 'Joined'
    }

    It 'marks a member that left as Left' {
        $second | Remove-McastSession
        Wait-McastCondition { (Get-McastPeer -Session $first -ExcludeSelf).State -eq 'Left' } 5 | Should -BeTrue
    }
}

Describe 'A session whose relay disappears' {
    It 'says RelayLost after three keep-alive intervals without relay traffic' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        try {
            $session = New-McastSession 'orphan' @net -KeepAliveInterval 0.3
            $relay | Stop-McastRelay
            Wait-McastCondition { $session.State -eq 'RelayLost' } 5 | Should -BeTrue
            Send-McastMessage -Session $session -Message 'anyone?' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'SessionNotConnected,McastCrypto.Commands.SendMcastMessageCommand'
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
        }
    }

    It 'fails with RelayKeyChanged, showing both fingerprints, when a relay with another key answers (Classic)' {
        $net = New-McastTestNet
        $net.Protocol = 'Classic'
        $relay = Start-McastRelay @net
        try {
            $session = New-McastSession 'pinned' @net -KeepAliveInterval 0.3
            $first = $relay.KeyFingerprint
            $relay | Stop-McastRelay
            Wait-McastCondition { $session.State -eq 'RelayLost' } 5 | Should -BeTrue
            $relay = Start-McastRelay @net
            Wait-McastCondition { $session.State -eq 'Failed' } 10 | Should -BeTrue
            $session.Failure.Reason | Should -Be 'RelayKeyChanged'
            $session.Failure.ExpectedRelayFingerprint | Should -Be $first
            $session.Failure.OfferedRelayFingerprint | Should -Be $relay.KeyFingerprint
            $session.Failure.Message | Should -Match ([regex]::Escape($first))
            $session.Failure.Message | Should -Match 'AllowRelayKeyChange'
            $session.RelayKeyFingerprint | Should -Be $first
            # Listing the session warns: another key answered for the group, which the user must judge.
            $null = Get-McastSession -Id $session.Id -WarningVariable warned -WarningAction SilentlyContinue
            $warned.Count | Should -Be 1
            "$($warned[0])" | Should -Match "Session pinned \(Id $($session.Id)\) failed with RelayKeyChanged"
            "$($warned[0])" | Should -Match ([regex]::Escape($relay.KeyFingerprint))
            @($relay.Members | Where-Object Connected).Count | Should -Be 0
            Send-McastMessage -Session $session -Message 'still there?' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'SessionNotConnected,McastCrypto.Commands.SendMcastMessageCommand'
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
        }
    }

    It 'joins a relay with another key after the first was lost when -AllowRelayKeyChange says so (Classic)' {
        $net = New-McastTestNet
        $net.Protocol = 'Classic'
        $relay = Start-McastRelay @net
        try {
            $session = New-McastSession 'trusting' @net -KeepAliveInterval 0.3 -AllowRelayKeyChange
            $relay | Stop-McastRelay
            Wait-McastCondition { $session.State -eq 'RelayLost' } 5 | Should -BeTrue
            $relay = Start-McastRelay @net
            Wait-McastCondition { $session.State -eq 'Connected' -and $session.RelayKeyFingerprint -eq $relay.KeyFingerprint } 10 | Should -BeTrue
            Wait-McastCondition { @($relay.Members | Where-Object Connected).Count -eq 1 } 5 | Should -BeTrue
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
        }
    }
}

Describe 'A relay with another key answering while a session is joined' {
    It 'is ignored and counted: the session keeps its relay (Classic)' {
        $net = New-McastTestNet
        $net.Protocol = 'Classic'
        $relay = Start-McastRelay @net
        try {
            $session = New-McastSession 'steady' @net -KeepAliveInterval 0.3
            $impostor = Start-McastRelay @net -Name 'impostor'
            Wait-McastCondition { $session.Drops['RelayKeyChanged'] -gt 0 } 5 | Should -BeTrue
            $session.State | Should -Be 'Connected'
            $session.RelayKeyFingerprint | Should -Be $relay.KeyFingerprint
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
        }
    }
}

Describe 'A session whose relay restarts with its identity file' {
    It 'joins the restarted relay, whose key is the same, within moments' {
        $net = New-McastTestNet
        $identity = Join-Path ([IO.Path]::GetTempPath()) ("relay-" + [guid]::NewGuid() + '.key')
        try {
            $relay = Start-McastRelay @net -IdentityPath $identity
            $first = $relay.KeyFingerprint
            $session = New-McastSession 'restarted' @net
            $relay | Stop-McastRelay
            $relay = Start-McastRelay @net -IdentityPath $identity
            $relay.KeyFingerprint | Should -Be $first
            Wait-McastCondition { @($relay.Members | Where-Object Connected).Count -eq 1 } 5 | Should -BeTrue
            Wait-McastCondition { $session.State -eq 'Connected' } 5 | Should -BeTrue
            $session.RelayKeyFingerprint | Should -Be $first
            $session.Drops['RelayKeyChanged'] | Should -BeNullOrEmpty
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
            Remove-Item -LiteralPath $identity -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Removing the module' {
    It 'closes the sessions still open, and the relay hears them leave' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $session = New-McastSession 'left-open' @net
        Wait-McastCondition { @($relay.Members).Count -eq 1 } 5 | Should -BeTrue
        Remove-Module McastCrypto -WarningVariable warned -WarningAction SilentlyContinue
        try {
            $session.State | Should -Be 'Closed'
            $relay.State | Should -Be 'Stopped'
            # A warning says what the removal ended: the relay's members lost their relay.
            $warned.Count | Should -Be 1
            "$($warned[0])" | Should -Match 'closed 1 session and 1 relay still open'
        }
        finally {
            Import-Module $modulePath -Force
        }
        @(Get-McastSession).Count | Should -Be 0
        @(Get-McastRelay).Count | Should -Be 0
    }
}

Describe 'Closing a session busy with a long paced send' {
    # A Classic session paced at 100 datagrams a second sends a 64 KiB message from another
    # runspace: about 350 blocks, three and a half seconds of sending. Closing must not wait for them.
    BeforeEach {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -Protocol Classic
        $options = [McastCrypto.Session.McastSessionOptions]::new()
        $options.Name = 'busy'
        $options.Protocol = 'Classic'
        $options.Network.Group = [ipaddress]$net.Group
        $options.Network.Port = $net.Port
        $options.Network.Interface = 'Loopback'
        $options.SendRate = 100
        $busy = [McastCrypto.Session.McastSession]::Open($options, [Threading.CancellationToken]::None)
        $sender = [powershell]::Create()
        $null = $sender.AddScript('param($s) $s.Send([string]::new([char]''x'', 65536))').AddArgument($busy)
        $sending = $sender.BeginInvoke()
        # Under way: the first blocks are out, and the sender is still at it.
        Wait-McastCondition { $busy.DatagramsOut -gt 20 } 10 | Should -BeTrue
        $sending.IsCompleted | Should -BeFalse
    }

    AfterEach {
        $sender.Dispose()
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'Remove-McastSession finishes within moments and counts what it did not send' {
        # A bound, not a speed: waiting behind the paced blocks would take seconds.
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $busy | Remove-McastSession
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 2.5
        $busy.State | Should -Be 'Closed'
        $busy.Drops['SendQueueDiscarded'] | Should -BeGreaterThan 0
        # The send that was under way ends too, with an error, instead of waiting on.
        $sending.AsyncWaitHandle.WaitOne(5000) | Should -BeTrue
    }

    It 'Remove-Module closes it and the relay within moments' {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        Remove-Module McastCrypto -WarningAction SilentlyContinue
        try {
            $watch.Elapsed.TotalSeconds | Should -BeLessThan 3
            $busy.State | Should -Be 'Closed'
            $relay.State | Should -Be 'Stopped'
            $busy.Drops['SendQueueDiscarded'] | Should -BeGreaterThan 0
        }
        finally {
            Import-Module $modulePath -Force
        }
    }
}

Describe 'Import-Module -Force with nothing open' {
    It 'removes the module without a warning' {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
        Import-Module $modulePath -Force -WarningVariable warned -WarningAction SilentlyContinue
        $warned.Count | Should -Be 0
    }

    It 'warns with the number of relays it closed' {
        $relays = @(1..2 | ForEach-Object { $n = New-McastTestNet; Start-McastRelay @n })
        Import-Module $modulePath -Force -WarningVariable warned -WarningAction SilentlyContinue
        $relays.State | Should -Be @('Stopped', 'Stopped')
        "$($warned[0])" | Should -Match 'closed 2 relays still open'
    }
}

Describe 'Warnings of New-McastSession and Start-McastRelay' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'gives none on the loopback interface' {
        # The default interface's warning is decided in xunit (NetworkWarningsTests): no test here
        # may open a socket anywhere but on loopback.
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -WarningVariable relayWarned
        $session = New-McastSession @net -RelayFingerprint $relay.KeyFingerprint -WarningVariable sessionWarned
        $session.State | Should -Be 'Connected'
        $relayWarned.Count | Should -Be 0
        $sessionWarned.Count | Should -Be 0
    }

    It 'warns when a relay of this process already serves the group and port, and starts it' {
        $net = New-McastTestNet
        $first = Start-McastRelay 'first-relay' @net
        $second = Start-McastRelay @net -WarningVariable warned -WarningAction SilentlyContinue
        $second.State | Should -Be 'Running'
        $warned.Count | Should -Be 1
        "$($warned[0])" | Should -Match "The relay first-relay \(Id $($first.Id)\) of this PowerShell already serves $([regex]::Escape($net.Group)):$($net.Port)"
        "$($warned[0])" | Should -Match "Stop-McastRelay -Id $($first.Id)"
    }

    It 'does not warn of a relay on another port, or of one that was stopped' {
        $net = New-McastTestNet
        $first = Start-McastRelay @net
        $other = $net.Clone()
        $other.Port = if ($net.Port -lt 60000) { $net.Port + 1 } else { $net.Port - 1 }
        $null = Start-McastRelay @other -WarningVariable warned
        $warned.Count | Should -Be 0
        $first | Stop-McastRelay
        $null = Start-McastRelay @net -WarningVariable warnedAgain
        $warnedAgain.Count | Should -Be 0
    }
}

Describe 'Exiting PowerShell' {
    It 'closes the sessions still open: the relay hears DISCONNECT, not a time-out' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -ClientTimeout 60
        try {
            # Another PowerShell like this one: 'dotnet pwsh.dll' when running as a .NET tool.
            $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            $arguments = @()
            if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments += [Environment]::GetCommandLineArgs()[0] }
            $script = "Import-Module '$modulePath'; `$s = New-McastSession -Group $($net.Group) -Port $($net.Port) -Interface Loopback; exit 0"
            $arguments += '-NoProfile', '-NonInteractive', '-Command', $script
            $child = Start-Process -FilePath $exe -ArgumentList $arguments -PassThru -NoNewWindow
            try {
                $child.WaitForExit(60000) | Should -BeTrue
                $child.ExitCode | Should -Be 0
            }
            finally {
                if (-not $child.HasExited) { $child.Kill() }
            }
            $events = @($relay.TakeEvents())
            $events.Kind | Should -Contain 'Joined'
            # Left (its DISCONNECT), within moments of the exit and long before the 60 s time-out.
            Wait-McastCondition { @($relay.Members).Count -eq 0 } 5 | Should -BeTrue
            ($events + @($relay.TakeEvents())).Kind | Should -Contain 'Left'
        }
        finally {
            $relay | Stop-McastRelay
        }
    }
}

Describe 'Session events (Register-ObjectEvent)' {
    BeforeEach {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $id = 'McastTest.' + [guid]::NewGuid()
    }

    AfterEach {
        Get-EventSubscriber -SourceIdentifier $id -ErrorAction SilentlyContinue | Unregister-Event
        Remove-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'raises MessageReceived with the message, for Wait-Event' {
        $alice = New-McastSession 'ev-alice' @net @pin
        $bob = New-McastSession 'ev-bob' @net @pin
        try {
            Register-ObjectEvent -InputObject $bob -EventName MessageReceived -SourceIdentifier $id
            $null = $alice.Send('hello by event')
            $event = Wait-Event -SourceIdentifier $id -Timeout 5
            $event | Should -Not -BeNullOrEmpty
            $event.SourceEventArgs.Message.Text | Should -Be 'hello by event'
            $event.SourceEventArgs.Message.SenderName | Should -Be 'ev-alice'
            $event.Sender.Name | Should -Be 'ev-bob'
        }
        finally {
            Unregister-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
            Remove-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
        }
    }

    It 'raises PeerJoined and PeerLeft for another member' {
        $alice = New-McastSession 'ev-alice' @net @pin
        try {
            Register-ObjectEvent -InputObject $alice -EventName PeerJoined -SourceIdentifier "$id.joined"
            Register-ObjectEvent -InputObject $alice -EventName PeerLeft -SourceIdentifier "$id.left"
            $bob = New-McastSession 'ev-bob' @net @pin
            $joined = Wait-Event -SourceIdentifier "$id.joined" -Timeout 5
            $joined.SourceEventArgs.MemberName | Should -Be 'ev-bob'
            $joined.SourceEventArgs.Notice.Kind | Should -Be 'Joined'
            Remove-McastSession -Session $bob
            $left = Wait-Event -SourceIdentifier "$id.left" -Timeout 5
            $left.SourceEventArgs.MemberName | Should -Be 'ev-bob'
            $left.SourceEventArgs.Notice.Kind | Should -Be 'Left'
        }
        finally {
            foreach ($s in "$id.joined", "$id.left") {
                Unregister-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
                Remove-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
            }
        }
    }

    It 'raises StateChanged when the relay stops, and puts RelayLost into the message stream' {
        $bob = New-McastSession 'ev-bob' @net @pin -KeepAliveInterval 0.3
        $null = Receive-McastMessage -Session $bob
        try {
            Register-ObjectEvent -InputObject $bob -EventName StateChanged -SourceIdentifier $id
            $relay | Stop-McastRelay
            $change = Wait-Event -SourceIdentifier $id -Timeout 5
            $change | Should -Not -BeNullOrEmpty
            $change.SourceEventArgs.OldState | Should -Be 'Connected'
            $change.SourceEventArgs.NewState | Should -Be 'RelayLost'
            $change.SourceEventArgs.Failure | Should -BeNullOrEmpty
            $record = @(Receive-McastMessage -Session $bob | Where-Object Kind -EQ 'StateChanged')
            $record.Count | Should -Be 1
            $record[0].State | Should -Be 'RelayLost'
        }
        finally {
            Unregister-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
            Remove-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
        }
    }

    It 'goes on delivering when a handler throws, and counts the failures' {
        $alice = New-McastSession 'ev-alice' @net @pin
        $bob = New-McastSession 'ev-bob' @net @pin
        try {
            # An -Action runs in PowerShell's event loop; a throwing one is the worst a user can write.
            Register-ObjectEvent -InputObject $bob -EventName MessageReceived -SourceIdentifier "$id.throws" -Action { throw 'handler failed' }
            Register-ObjectEvent -InputObject $bob -EventName MessageReceived -SourceIdentifier $id
            $null = $alice.Send('one')
            $first = Wait-Event -SourceIdentifier $id -Timeout 5
            $first.SourceEventArgs.Message.Text | Should -Be 'one'
            Remove-Event -EventIdentifier $first.EventIdentifier
            $null = $alice.Send('two')
            $null = $alice.Send('three')
            Wait-McastCondition { @(Get-Event -SourceIdentifier $id -ErrorAction SilentlyContinue).Count -ge 2 } -TimeoutSeconds 5 | Should -BeTrue
            # Both, in whatever order PowerShell's event queue keeps them (delivery order is an xunit test).
            @((Get-Event -SourceIdentifier $id).SourceEventArgs.Message.Text | Sort-Object) | Should -Be @('three', 'two')
            (Get-Job -Name "$id.throws").Error.Count | Should -BeGreaterThan 0
            @(Receive-McastMessage -Session $bob | Where-Object Kind -EQ 'Message').Text | Should -Be @('one', 'two', 'three')
        }
        finally {
            foreach ($s in "$id.throws", $id) {
                Unregister-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
                Remove-Event -SourceIdentifier $s -ErrorAction SilentlyContinue
            }
            Get-Job -Name "$id.throws" -ErrorAction SilentlyContinue | Remove-Job -Force
        }
    }

    It 'counts a .NET handler that throws in HandlerErrors, and the next handler still runs' {
        $alice = New-McastSession 'ev-alice' @net @pin
        $bob = New-McastSession 'ev-bob' @net @pin
        $bob.add_MessageReceived([EventHandler[McastCrypto.Session.McastMessageEventArgs]] { throw 'handler failed' })
        try {
            Register-ObjectEvent -InputObject $bob -EventName MessageReceived -SourceIdentifier $id
            $null = $alice.Send('first')
            $null = $alice.Send('second')
            Wait-McastCondition { @(Get-Event -SourceIdentifier $id -ErrorAction SilentlyContinue).Count -ge 2 } -TimeoutSeconds 5 | Should -BeTrue
            # Both arrive despite the throwing handler (their order in PowerShell's event queue is
            # PowerShell's business; the order of delivery is tested in xunit).
            @((Get-Event -SourceIdentifier $id).SourceEventArgs.Message.Text | Sort-Object) | Should -Be @('first', 'second')
            Wait-McastCondition { $bob.HandlerErrors -ge 2 } -TimeoutSeconds 5 | Should -BeTrue
        }
        finally {
            Unregister-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
            Remove-Event -SourceIdentifier $id -ErrorAction SilentlyContinue
        }
    }
}

Describe 'Sessions by name or Id, -State, and piping to Remove-McastSession' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $join = @{ RelayFingerprint = $relay.KeyFingerprint } + $net
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'sends, receives and lists peers with -Session given as a name or an Id' {
        $name = "byname-$(Get-Random)"
        $alice = New-McastSession -Name $name @join
        $bob = New-McastSession @join
        $null = Receive-McastMessage -Session $bob.Id
        Send-McastMessage -Session $name -Message 'by name'
        $got = @(Receive-McastMessage -Session $bob.Name -Timeout 5 | Where-Object Kind -eq 'Message' | Select-Object -First 1)
        $got.Text | Should -Be 'by name'
        (Get-McastPeer -Session $alice.Id -ExcludeSelf).Count | Should -BeGreaterThan 0
        Remove-McastSession -Session $alice, $bob
    }

    It 'says which name or Id matches no open session' {
        { Send-McastMessage -Session 'nobody-here' -Message x -ErrorAction Stop } | Should -Throw "*No open session is named 'nobody-here'*"
        { Get-McastPeer -Session 424242 -ErrorAction Stop } | Should -Throw '*No open session has the Id 424242*'
    }

    It 'completes -Session names on Tab' {
        $prefix = "tabsess$(Get-Random)"
        $first = New-McastSession -Name "$prefix-a" @join
        $second = New-McastSession -Name "$prefix-b" @join
        $line = "Send-McastMessage -Session $prefix-"
        (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText | Should -Be @("$prefix-a", "$prefix-b")
        Remove-McastSession -Session $first, $second
    }

    It 'filters by -State' {
        $session = New-McastSession @join
        @(Get-McastSession -Id $session.Id -State Connected).Count | Should -Be 1
        @(Get-McastSession -Id $session.Id -State Failed, Joining).Count | Should -Be 0
        Remove-McastSession -Session $session
    }

    It 'closes the session of a piped message, and -PassThru writes it' {
        $alice = New-McastSession @join
        $bob = New-McastSession @join
        Send-McastMessage -Session $alice -Message 'hello'
        $closed = @(Receive-McastMessage -Session $bob -Timeout 5 | Where-Object Kind -eq 'Message' | Select-Object -First 1 | Remove-McastSession -PassThru)
        $closed.Count | Should -Be 1
        $closed[0].Id | Should -Be $bob.Id
        $bob.State | Should -Be 'Closed'
        $alice.State | Should -Be 'Connected'
        Remove-McastSession -Session $alice
    }

    It 'refuses a piped relay with NotASession and leaves the session with the same Id number open' {
        $session = New-McastSession @join
        # Relays and sessions number their Ids apart: make a relay that has the session's Id number.
        $twin = $null
        for ($i = 0; $i -lt 300 -and -not $twin; $i++) {
            $other = New-McastTestNet
            $candidate = Start-McastRelay @other
            if ($candidate.Id -eq $session.Id) { $twin = $candidate }
            elseif ($candidate.Id -gt $session.Id) { Stop-McastRelay -Relay $candidate; $session = New-McastSession @join }
            else { Stop-McastRelay -Relay $candidate }
        }
        $twin | Should -Not -BeNullOrEmpty -Because 'the relay and session counters meet within 300 steps'
        $twin | Remove-McastSession -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'NotASession,McastCrypto.Commands.RemoveMcastSessionCommand'
        $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err[0].TargetObject | Should -Be $twin
        $session.State | Should -Be 'Connected'
        Stop-McastRelay -Relay $twin
    }

    It 'still closes a session passed through Select-Object, by its Id' {
        $session = New-McastSession @join
        $session | Select-Object -Property Id, Name | Remove-McastSession
        $session.State | Should -Be 'Closed'
    }
}
