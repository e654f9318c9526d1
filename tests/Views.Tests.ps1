# The module's table views (McastCrypto.Format.ps1xml) as a console of a given width shows them.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force

    function Show([Parameter(ValueFromPipeline)] $InputObject, [int] $Width) {
        # What Out-Default writes on a console $Width columns wide, as lines.
        begin { $items = [Collections.Generic.List[object]]::new() }
        process { $items.Add($InputObject) }
        end { @(($items | Out-String -Width $Width) -split "`r?`n") }
    }
}

Describe 'The views of sessions, relays, peers and messages' {
    BeforeAll {
        $net = New-McastTestNet
        $relayName = 'relay-of-the-laboratory-group'
        $relay = Start-McastRelay $relayName @net
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $alice = New-McastSession 'alice-with-a-rather-long-name' @net @pin
        $bob = New-McastSession 'bob' @net @pin
        $null = Wait-McastCondition { @(Get-McastPeer -Session $bob -ExcludeSelf).Count -eq 1 } 5
        Send-McastMessage -Session $alice -Message 'hello'
        $null = Wait-McastCondition { $bob.Pending -ge 3 } 5
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'shows session names whole on a wide console, and how many messages wait (Pending)' {
        $lines = Get-McastSession | Show -Width 200
        $lines[1] | Should -Match '\bPending\b'
        $row = $lines | Where-Object { $_ -match '^\s*' + $bob.Id + '\s' }
        $row | Should -Match "\bbob\b.*\b$($bob.Pending)\b"
        ($lines -match 'alice-with-a-rather-long-name\s') | Should -Not -BeNullOrEmpty
        ($lines -join "`n") | Should -Not -Match '…'
    }

    It 'shows the relay''s fingerprint whole at 120 columns, and its long name whole at 200' {
        $at120 = $relay | Show -Width 120
        ($at120 -join "`n") | Should -Match ([regex]::Escape($relay.KeyFingerprint))
        $at200 = $relay | Show -Width 200
        ($at200 -join "`n") | Should -Match ([regex]::Escape($relayName))
        ($at200 -join "`n") | Should -Match ([regex]::Escape($relay.KeyFingerprint))
    }

    It 'shows the relay''s members with whole fingerprints at 120 columns, and whole names at 200' {
        ($relay.Members | Show -Width 120) -join "`n" | Should -Match ([regex]::Escape($alice.KeyFingerprint))
        ($relay.Members | Show -Width 200) -join "`n" | Should -Match 'alice-with-a-rather-long-name'
    }

    It 'shows peers'' names whole on a wide console' {
        $text = (Get-McastPeer -Session $bob | Show -Width 200) -join "`n"
        $text | Should -Match 'alice-with-a-rather-long-name'
        $text | Should -Not -Match '…'
    }

    It 'shows senders'' and sessions'' names whole in messages on a wide console' {
        $text = (Receive-McastMessage -Session $alice -Keep | Show -Width 200) -join "`n"
        $text | Should -Match 'alice-with-a-rather-long-name\s+Joined\s+alice-with-a-rather-long-name'
        $text | Should -Not -Match '…'
    }
}

Describe 'Times in the peer view' {
    It 'shows a time of today alone, and one of another day with its date' {
        $now = [DateTimeOffset]::Now
        $twoDaysAgo = $now.AddDays(-2)
        $peer = [McastCrypto.Session.McastPeer]::new($null, [McastCrypto.Protocol.MemberIdentity]::new('0997f098', 'carol'), 'carol', $false, $twoDaysAgo, $now, 'Joined', 0)
        $row = @($peer | Show -Width 160) | Where-Object { $_ -match '^0997f098' }
        $row | Should -Match ([regex]::Escape($twoDaysAgo.ToLocalTime().ToString('yyyy-MM-dd HH:mm:ss')))
        $row | Should -Match ([regex]::Escape($now.ToLocalTime().ToString('HH:mm:ss')))
        $row | Should -Not -Match ([regex]::Escape($now.ToLocalTime().ToString('yyyy-MM-dd')))
    }
}

Describe 'Bytes, files and Gap records in the message view' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $alice = New-McastSession 'alice' @net @pin
        $bob = New-McastSession 'bob' @net @pin
        $null = Wait-McastCondition { @(Get-McastPeer -Session $bob -ExcludeSelf).Count -eq 1 } 5

        function New-GapRecord($Session, $Sender, [long] $LostFragments, [long] $LostMessages, [string] $Reason) {
            # A Gap as the session makes one (its factory is internal: real losses need a lossy network).
            $factory = [McastCrypto.Session.McastMessage].GetMethod('Gap', [Reflection.BindingFlags]'NonPublic,Static')
            $factory.Invoke($null, [object[]]@($Session.PSObject.BaseObject, [long]1, $Sender, $LostFragments, $LostMessages, $null, $Reason, [DateTimeOffset]::Now))
        }
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        $relay | Stop-McastRelay
    }

    It 'shows bytes as their count, and a file as its name, its size and where it was saved' {
        $null = Receive-McastMessage -Session $bob
        $file = Join-Path $TestDrive 'report.txt'
        [IO.File]::WriteAllBytes($file, [byte[]]::new(2048))
        Send-McastMessage -Session $alice -Data ([byte[]](1..10))
        Send-McastMessage -Session $alice -Path $file
        $inbox = Join-Path $TestDrive 'inbox'
        $got = @(Receive-McastMessage -Session $bob -Count 2 -Timeout 10 -OutputDirectory $inbox)
        $got.ContentKind | Should -Be @('Data', 'File')

        $text = ($got | Show -Width 250) -join "`n"
        $text | Should -Match '(?m)Message\s+alice\s+\[10 bytes\]\s*$'
        $text | Should -Match ('(?m)Message\s+alice\s+' + [regex]::Escape("[file report.txt, 2,048 bytes] -> $($got[1].SavedPath)") + '\s*$')
        $got[1].SavedPath | Should -Be (Join-Path $inbox 'report.txt')
    }

    It 'shows a file that was not saved without an arrow, and one byte as one byte' {
        $null = Receive-McastMessage -Session $bob
        $file = Join-Path $TestDrive 'one.bin'
        [IO.File]::WriteAllBytes($file, [byte[]]@(7))
        Send-McastMessage -Session $alice -Path $file
        $got = @(Receive-McastMessage -Session $bob -Count 1 -Timeout 10)
        $got.SavedPath | Should -BeNullOrEmpty
        ($got | Show -Width 200) -join "`n" | Should -Match '(?m)Message\s+alice\s+\[file one\.bin, 1 byte\]\s*$'
    }

    It 'says how many fragments of how many messages a Gap record lost, from whom, and why' {
        $gap = New-GapRecord $bob ([McastCrypto.Protocol.MemberIdentity]::new('0997f098', 'alice')) 3 1 'not repaired in time'
        $gap.Kind | Should -Be 'Gap'
        ($gap | Show -Width 200) -join "`n" | Should -Match '(?m)Gap\s+alice\s+lost 3 fragments of 1 message: not repaired in time\s*$'
        # On a narrower console it wraps onto the next lines rather than losing the end.
        $long = New-GapRecord $bob ([McastCrypto.Protocol.MemberIdentity]::new('0997f098', 'alice')) 1200 2 'no longer in the relay''s buffer when asked for again'
        $narrow = ($long | Show -Width 100) -join ''
        $narrow | Should -Not -Match '…'
        $narrow -replace '\s', '' | Should -Match ([regex]::Escape("lost1,200fragmentsof2messages:nolongerintherelay'sbufferwhenaskedforagain"))
    }

    It 'shows only the count it knows: messages dropped by a full inbox, or fragments of unknown messages' {
        $dropped = New-GapRecord $bob $null 0 5 'dropped here: nobody took them'
        ($dropped | Show -Width 200) -join "`n" | Should -Match '(?m)Gap\s+lost 5 messages: dropped here: nobody took them\s*$'
        $fragments = New-GapRecord $bob ([McastCrypto.Protocol.MemberIdentity]::new('0997f098')) 1 0 'given up'
        ($fragments | Show -Width 200) -join "`n" | Should -Match '(?m)Gap\s+0997f098\s+lost 1 fragment: given up\s*$'
    }
}

Describe 'The views of send results and of reliability counters' {
    BeforeAll {
        $net = New-McastTestNet
        # A relay that passes on at most 100 bytes: a larger message is refused, so it fails.
        $relay = Start-McastRelay @net -MaxMessageSize 100
        $alice = New-McastSession 'alice' @net -RelayFingerprint $relay.KeyFingerprint
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        $relay | Stop-McastRelay
    }

    It 'shows each message''s id, kind, size, fragments, outcome and acknowledgement time, and its text or file name' {
        $file = Join-Path $TestDrive 'notes.txt'
        Set-Content -LiteralPath $file -Value 'a short file' -NoNewline
        $sent = @(
            Send-McastMessage -Session $alice -Data ([byte[]](1..10)) -PassThru
            Send-McastMessage -Session $alice -Path $file -PassThru
            Send-McastMessage -Session $alice -Message 'hello there' -PassThru
        )
        $sent.Status | Should -Be @('Acknowledged', 'Acknowledged', 'Acknowledged')
        $lines = $sent | Show -Width 120
        $lines[1] | Should -Match '^MessageId\s+Kind\s+Bytes\s+Fragments\s+Status\s+AckMs\s+Text\s+Reason$'
        $ms = @($sent | ForEach-Object { [Math]::Round($_.AcknowledgedAfter.TotalMilliseconds) })
        $lines -match "^$($sent[0].MessageId)\s" | Should -Match "^$($sent[0].MessageId) Data\s+10\s+1 Acknowledged\s+$($ms[0])\s*$"
        $lines -match "^$($sent[1].MessageId)\s" | Should -Match "^$($sent[1].MessageId) File\s+12\s+$($sent[1].Fragments) Acknowledged\s+$($ms[1]) notes\.txt\s*$"
        $lines -match "^$($sent[2].MessageId)\s" | Should -Match "^$($sent[2].MessageId) Text\s+11\s+1 Acknowledged\s+$($ms[2]) hello there\s*$"
    }

    It 'shows why a message failed, with no acknowledgement time' {
        $failed = Send-McastMessage -Session $alice -Data ([byte[]]::new(150)) -PassThru -ErrorAction SilentlyContinue
        $failed.Status | Should -Be 'Failed'
        $row = @($failed | Show -Width 160) -match "^$($failed.MessageId)\s"
        $row | Should -Match "^$($failed.MessageId) Data\s+150\s+$($failed.Fragments) Failed\s+$([regex]::Escape($failed.Reason))\s*$"
        $failed.Reason | Should -Match 'refused'
    }

    It 'lists a session''s reliability counters, with the round trip and the retransmission time-out in milliseconds' {
        Send-McastMessage -Session $alice -Message 'for a round trip'
        $counters = $alice.Reliability
        $counters | Should -BeOfType ([McastCrypto.Session.McastReliabilityCounters])
        $counters.RoundTripTime | Should -Not -BeNullOrEmpty
        $text = ($counters | Out-String -Width 120)
        $text | Should -Match '(?m)^NacksSent\s+: 0$'
        $text | Should -Match ('(?m)^RoundTripTime\s+: ' + [regex]::Escape($counters.RoundTripTime.TotalMilliseconds.ToString('0.###', [cultureinfo]::InvariantCulture)) + ' ms$')
        $text | Should -Match ('(?m)^RetransmitTimeout\s+: ' + [regex]::Escape($counters.RetransmitTimeout.TotalMilliseconds.ToString('0.###', [cultureinfo]::InvariantCulture)) + ' ms$')
    }
}

Describe 'State records in the message view' {
    It 'shows the new state of a StateChanged record' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        try {
            $session = New-McastSession @net -RelayFingerprint $relay.KeyFingerprint -KeepAliveInterval 0.3
            $null = Receive-McastMessage -Session $session
            $relay | Stop-McastRelay
            Wait-McastCondition { $session.State -eq 'RelayLost' } 5 | Should -BeTrue
            $lost = @(Receive-McastMessage -Session $session | Where-Object Kind -EQ 'StateChanged')
            $lost.Count | Should -Be 1
            ($lost | Show -Width 120) -join "`n" | Should -Match 'StateChanged\s+RelayLost'
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
        }
    }
}
