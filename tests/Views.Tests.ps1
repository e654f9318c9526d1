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

Describe 'Gap and state records in the message view' {
    # Records shaped as the message stream gives them, by type name: the view is chosen by it.
    It 'says what a Gap record lost and why' {
        $gap = [pscustomobject]@{
            PSTypeName = 'McastCrypto.Session.McastMessage'; ReceivedAt = [DateTimeOffset]::Now; SessionName = 'bob'
            Kind = 'Gap'; SenderName = 'alice'; SenderId = '0997f098'; LostMessages = 2; LostFragments = 5; Reason = 'RetransmitExpired'
        }
        ($gap | Show -Width 200) -join "`n" | Should -Match 'Gap\s+alice\s+lost 2 message\(s\), 5 fragment\(s\): RetransmitExpired'
        # On a narrower console it wraps onto the next lines rather than losing the end.
        $narrow = ($gap | Show -Width 100) -join ''
        $narrow | Should -Not -Match '…'
        $narrow -replace '\s', '' | Should -Match ([regex]::Escape('lost2message(s),5fragment(s):RetransmitExpired'))
    }

    It 'shows a Gap record that carries only some of those properties' {
        $gap = [pscustomobject]@{ PSTypeName = 'McastCrypto.Session.McastMessage'; ReceivedAt = [DateTimeOffset]::Now; SessionName = 'bob'; Kind = 'Gap'; SenderId = '0997f098'; LostMessages = 1 }
        ($gap | Show -Width 120) -join "`n" | Should -Match 'Gap\s+0997f098\s+lost 1 message\(s\)\s*$'
    }

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
