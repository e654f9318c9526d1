# The Secure protocol (the default) through the cmdlets, on loopback: trust, admission, and a LAN
# that forges, replays and tampers.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force

    function Receive-McastTestDatagram {
        # The next datagram of a type (a TLV type number) heard on a raw channel, within a bound.
        param([Parameter(Mandatory)] $Channel, [Parameter(Mandatory)] [int] $Type, [double] $TimeoutSeconds = 10)
        $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
        while ([DateTime]::UtcNow -lt $deadline) {
            $cancel = [Threading.CancellationTokenSource]::new(500)
            try {
                $datagram = $Channel.ReceiveAsync($cancel.Token).GetAwaiter().GetResult()
            }
            catch [OperationCanceledException] {
                continue
            }
            $bytes = $datagram.Payload
            if ($bytes.Length -ge 4 -and ((([int]$bytes[0]) -shl 8) -bor [int]$bytes[1]) -eq $Type) { return ,$bytes }
        }
        throw "No datagram of type $Type within $TimeoutSeconds s."
    }

    function Get-McastTestStepError {
        # The protocol steps that threw (the runner counts them as StepError): hostile input must be a
        # counted drop, never an exception out of the state machine. Null when none.
        param([Parameter(Mandatory)] [object[]] $Actor)
        ($Actor | ForEach-Object { [long]$_.Drops['StepError'] } | Measure-Object -Sum).Sum
    }
}

Describe 'The Secure system end to end' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -Name 'secure-relay'
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $members = @('anna', 'bruno', 'carla', 'dario' | ForEach-Object { New-McastSession $_ @net @pin })
        $null = Wait-McastCondition { @($members | Where-Object { @(Get-McastPeer -Session $_ -ExcludeSelf).Count -eq 3 }).Count -eq 4 } 10
        $null = Receive-McastMessage -Session $members
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'joins four members who all know the whole roster, names and fingerprints included' {
        $members.State | Should -Be @('Connected', 'Connected', 'Connected', 'Connected')
        $members.RelayKeyFingerprint | Sort-Object -Unique | Should -Be $relay.KeyFingerprint
        @($relay.Members | Where-Object Connected).Count | Should -Be 4
        $peers = @(Get-McastPeer -Session $members[3] -ExcludeSelf)
        ($peers.Name | Sort-Object) | Should -Be @('anna', 'bruno', 'carla')
        ($peers | Where-Object Name -eq 'anna').KeyFingerprint | Should -Be $members[0].KeyFingerprint
        # Every member has the same epoch as the relay, which changed with every join.
        $members.Epoch | Sort-Object -Unique | Should -Be $relay.Epoch
    }

    It 'delivers every message whole and verified to every other member, never back to its sender' {
        $text = 'Perché no? ' * 300
        for ($i = 0; $i -lt 4; $i++) { Send-McastMessage -Session $members[$i] -Message "$i $text" }
        foreach ($m in $members) {
            $got = @(Receive-McastMessage -Session $m -Count 3 -Timeout 10 | Where-Object Kind -eq Message)
            $got.Count | Should -Be 3
            $got.Verified | Should -Be @($true, $true, $true)
            $got.SenderName | Should -Not -Contain $m.Name
            foreach ($message in $got) {
                $sender = $members | Where-Object MemberId -eq $message.SenderId
                $message.SenderName | Should -Be $sender.Name
                $message.SenderFingerprint | Should -Be $sender.KeyFingerprint
                $message.Text | Should -Be ("{0} $text" -f [array]::IndexOf($members, $sender))
            }
        }
        $relay.MessagesRelayed | Should -Be 4
    }

    Context 'a LAN that replays, tampers and sends garbage' {
        It 'drops and counts each, and delivery goes on' {
            $listener = New-McastTestChannel -Endpoint $net
            try {
                Send-McastMessage -Session $members[0] -Message 'original'
                $sealed = Receive-McastTestDatagram -Channel $listener -Type 0x5304
                $null = Receive-McastMessage -Session $members -Timeout 2
                $before = $members[1].Drops

                $listener.Send($sealed)                                       # replayed as it was
                $tampered = $sealed.Clone(); $tampered[20] = $tampered[20] -bxor 0x01
                $listener.Send($tampered)                                     # a bit flipped in what is sealed
                $forged = $sealed.Clone(); $forged[$forged.Length - 1] = $forged[$forged.Length - 1] -bxor 0x01
                $listener.Send($forged)                                       # a bit flipped in the signature
                $listener.Send([byte[]](1..40))                                # garbage

                Wait-McastCondition {
                    $d = $members[1].Drops
                    $d['Duplicate'] -gt $before['Duplicate'] -and $d['MalformedTlv'] -gt $before['MalformedTlv']
                } 5 | Should -BeTrue
                $after = $members[1].Drops
                # The flipped datagrams repeat a sequence number already taken: the cheap check of the
                # relay's stream refuses them as duplicates before any cryptography.
                ($after['Duplicate'] + $after['BadTag'] + $after['BadSignature']) - ($before['Duplicate'] + $before['BadTag'] + $before['BadSignature']) | Should -Be 3
                Receive-McastMessage -Session $members[1] -Timeout 1 | Where-Object Kind -eq Message | Should -BeNullOrEmpty

                Send-McastMessage -Session $members[2] -Message 'still here'
                (Receive-McastMessage -Session $members[1] -Count 1 -Timeout 5).Text | Should -Be 'still here'
                Get-McastTestStepError -Actor (@($relay) + $members) | Should -Be 0
            }
            finally {
                $listener.Dispose()
            }
        }
    }

    Context 'a member leaves' {
        It 'starts a new epoch that everyone else has, and tells them, verified' {
            $null = Receive-McastMessage -Session $members -Timeout 1
            $epoch = $relay.Epoch
            $members[3] | Remove-McastSession
            Wait-McastCondition { $relay.Epoch -gt $epoch -and @($members[0..2] | Where-Object { $_.Epoch -eq $relay.Epoch }).Count -eq 3 } 5 | Should -BeTrue
            $left = @(Receive-McastMessage -Session $members[0] -Count 1 -Timeout 5)
            $left.Kind | Should -Be 'Left'
            $left.SenderName | Should -Be 'dario'
            $left.Verified | Should -BeTrue
        }
    }

    It 'threw out of no protocol step, whatever it heard' {
        Get-McastTestStepError -Actor (@($relay) + $members[0..2]) | Should -Be 0
    }
}

Describe 'Trusting the relay' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'joins the pinned relay and ignores a second relay with another key on the same group' {
        $net = New-McastTestNet
        $real = Start-McastRelay @net -Name 'real'
        $impostor = Start-McastRelay @net -Name 'impostor'
        $sessions = @(1..3 | ForEach-Object { New-McastSession "pinned$_" @net -RelayFingerprint $real.KeyFingerprint })
        $sessions.RelayKeyFingerprint | Sort-Object -Unique | Should -Be $real.KeyFingerprint
        @($impostor.Members | Where-Object Connected).Count | Should -Be 0
        # Each session heard the impostor's answer too: refused as untrusted, or as one more answer after its own.
        foreach ($s in $sessions) { ($s.Drops['UntrustedRelay'] + $s.Drops['Replay']) | Should -BeGreaterThan 0 }
    }

    It 'refuses a relay whose key is not the pinned one, showing both fingerprints' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $other = New-McastIdentity -Path (Join-Path $TestDrive 'other.key')
        $err = { New-McastSession @net -RelayFingerprint $other.Fingerprint -Timeout 10 -ErrorAction Stop } | Should -Throw -PassThru -ErrorId 'RelayNotTrusted,McastCrypto.Commands.NewMcastSessionCommand'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        $err.Exception.Message | Should -Match ([regex]::Escape($relay.KeyFingerprint))
        $err.Exception.Message | Should -Match ([regex]::Escape($other.Fingerprint))
        $err.TargetObject | Should -Be "$($net.Group):$($net.Port)"
        # What to do: compare the offered key with the relay's own, and pin it if the change was meant.
        $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("Compare $($relay.KeyFingerprint)"))
        $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("-RelayFingerprint $($relay.KeyFingerprint)"))
        @(Get-McastSession).Count | Should -Be 0
    }

    It 'reads a pin as a careless user types it: spaces around it are fine, its case is not' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $fingerprint = $relay.KeyFingerprint
        $spaced = New-McastSession @net -RelayFingerprint "  $fingerprint`t"
        $spaced.RelayKeyFingerprint | Should -BeExactly $fingerprint
        $spaced | Remove-McastSession

        # base64 is case-sensitive: the same letters in another case are another key, never a match.
        $body = $fingerprint.Substring(7)
        $flipped = 'SHA256:' + (-join ($body.ToCharArray() | ForEach-Object { if ([char]::IsUpper($_)) { [char]::ToLowerInvariant($_) } else { [char]::ToUpperInvariant($_) } }))
        $flipped | Should -Not -BeExactly $fingerprint
        { New-McastSession @net -RelayFingerprint $flipped -Timeout 10 -ErrorAction Stop } | Should -Throw -ErrorId 'RelayNotTrusted,McastCrypto.Commands.NewMcastSessionCommand'
        { New-McastSession @net -RelayFingerprint ('sha256:' + $body) } | Should -Throw -ErrorId 'InvalidSessionOption,McastCrypto.Commands.NewMcastSessionCommand'
        { New-McastSession @net -RelayFingerprint ('SHA256: ' + $body) } | Should -Throw -ErrorId 'InvalidSessionOption,McastCrypto.Commands.NewMcastSessionCommand'
        @(Get-McastSession).Count | Should -Be 0
    }

    It 'remembers the first relay of a group and refuses another key for it later, as SSH does' {
        $net = New-McastTestNet
        $known = Join-Path $TestDrive 'known_relays'
        $first = Start-McastRelay @net
        $session = New-McastSession @net -KnownRelaysPath $known
        Get-Content -LiteralPath $known | Should -Contain ("{0}:{1} 127.0.0.1 {2}" -f $net.Group, $net.Port, $first.KeyFingerprint)
        $session | Remove-McastSession
        $first | Stop-McastRelay

        $second = Start-McastRelay @net
        $err = { New-McastSession @net -KnownRelaysPath $known -Timeout 10 -ErrorAction Stop } | Should -Throw -PassThru -ErrorId 'RelayNotTrusted,McastCrypto.Commands.NewMcastSessionCommand'
        $err.Exception.Message | Should -Match ([regex]::Escape($first.KeyFingerprint))
        $err.Exception.Message | Should -Match ([regex]::Escape($second.KeyFingerprint))
        $err.Exception.Message | Should -Match ([regex]::Escape($known))
        # The known_relays line to remove, as it is in the file (line 1 is the file's header comment).
        $line = "{0}:{1} 127.0.0.1 {2}" -f $net.Group, $net.Port, $first.KeyFingerprint
        $err.ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("remove line 2 of $known ('$line')"))
        # Pinning the new key is the way to trust it.
        (New-McastSession @net -KnownRelaysPath $known -RelayFingerprint $second.KeyFingerprint).State | Should -Be 'Connected'
    }

    It 'refuses a relay it does not know when trust on first use is off, and writes nothing' {
        $net = New-McastTestNet
        $known = Join-Path $TestDrive 'strict_relays'
        $relay = Start-McastRelay @net
        $err = { New-McastSession @net -KnownRelaysPath $known -TrustOnFirstUse:$false -Timeout 10 -ErrorAction Stop } | Should -Throw -PassThru -ErrorId 'RelayNotTrusted,McastCrypto.Commands.NewMcastSessionCommand'
        $err.Exception.Message | Should -Match ([regex]::Escape("-RelayFingerprint $($relay.KeyFingerprint)"))
        Test-Path -LiteralPath $known | Should -BeFalse
    }

    It 'ends a session whose relay came back with another key (RelayKeyChanged), showing both' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $session = New-McastSession @net -KeepAliveInterval 0.3 -KnownRelaysPath (Join-Path $TestDrive 'k2')
        $first = $relay.KeyFingerprint
        $relay | Stop-McastRelay
        $relay = Start-McastRelay @net
        Wait-McastCondition { $session.State -eq 'Failed' } 15 | Should -BeTrue
        $session.Failure.Reason | Should -BeIn @('RelayKeyChanged', 'RelayNotTrusted')
        $session.Failure.Message | Should -Match ([regex]::Escape($first))
        $session.Failure.Message | Should -Match ([regex]::Escape($relay.KeyFingerprint))
        @($relay.Members | Where-Object Connected).Count | Should -Be 0
    }
}

Describe 'Admission' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'admits a listed key and refuses any other, saying which key, and counts the refusal' {
        $net = New-McastTestNet
        $alice = New-McastIdentity -Path (Join-Path $TestDrive 'alice.key')
        $list = Join-Path $TestDrive 'authorized_keys'
        Set-Content -LiteralPath $list -Value @('# the lab', "$($alice.Fingerprint) alice's laptop")
        $relay = Start-McastRelay @net -AuthorizedKeysPath $list
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }

        $in = New-McastSession 'alice' @net @pin -IdentityPath $alice.Path
        $in.State | Should -Be 'Connected'
        $in.KeyFingerprint | Should -Be $alice.Fingerprint

        $err = { New-McastSession 'mallory' @net @pin -Timeout 10 -ErrorAction Stop } | Should -Throw -PassThru -ErrorId 'AdmissionRefused,McastCrypto.Commands.NewMcastSessionCommand'
        $err.CategoryInfo.Category | Should -Be 'SecurityError'
        # Her key was made for the session alone: she is told to make a key file and give its fingerprint.
        $err.ErrorDetails.RecommendedAction | Should -Match 'New-McastIdentity'
        $err.Exception.Message | Should -Match 'SHA256:[A-Za-z0-9+/]{43}'
        $err.Exception.Message | Should -Not -Match ([regex]::Escape($alice.Fingerprint))
        $relay.RefusedJoins | Should -BeGreaterThan 0
        @($relay.Members).Count | Should -Be 1
        $relay.TakeEvents().Kind | Should -Contain 'Refused'
    }

    It 'tells a refused member with a key file the fingerprint to have added' {
        $net = New-McastTestNet
        $list = Join-Path $TestDrive 'only_nobody'
        Set-Content -LiteralPath $list -Value '# nobody yet'
        $bob = New-McastIdentity -Path (Join-Path $TestDrive 'bob.key')
        $relay = Start-McastRelay @net -AuthorizedKeysPath $list
        New-McastSession 'bob' @net -RelayFingerprint $relay.KeyFingerprint -IdentityPath $bob.Path -Timeout 10 -ErrorVariable err -ErrorAction SilentlyContinue
        $err[0].FullyQualifiedErrorId | Should -Be 'AdmissionRefused,McastCrypto.Commands.NewMcastSessionCommand'
        $err[0].ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("add your key's fingerprint, $($bob.Fingerprint),"))
        $err[0].ErrorDetails.RecommendedAction | Should -Match ([regex]::Escape("-IdentityPath $($bob.Path)"))
    }

    It 'refuses to start with a list that has a line that is not a fingerprint' {
        $net = New-McastTestNet
        $list = Join-Path $TestDrive 'broken_keys'
        Set-Content -LiteralPath $list -Value @('alice')
        $err = { Start-McastRelay @net -AuthorizedKeysPath $list } | Should -Throw -PassThru -ErrorId 'InvalidAuthorizedKeysFile,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match 'line 1'
        @(Get-McastRelay).Count | Should -Be 0
    }

    It 'refuses a Classic relay key file for a Secure relay, and the other way round' {
        $net = New-McastTestNet
        $ec = (New-McastIdentity -Path (Join-Path $TestDrive 'ec.key')).Path
        { Start-McastRelay @net -Protocol Classic -IdentityPath $ec } | Should -Throw -ErrorId 'InvalidIdentityFile,McastCrypto.Commands.StartMcastRelayCommand'
        $rsa = Join-Path $TestDrive 'rsa.key'
        (Start-McastRelay @net -Protocol Classic -IdentityPath $rsa) | Stop-McastRelay
        { Start-McastRelay @net -IdentityPath $rsa } | Should -Throw -ErrorId 'InvalidIdentityFile,McastCrypto.Commands.StartMcastRelayCommand'
    }
}

Describe 'Datagram size (-MaxDatagramSize)' {
    BeforeAll {
        function Receive-McastTestAll {
            # Every datagram the raw channel has heard, until it is quiet for half a second (at most 10 s
            # and 10,000 datagrams): who sent it, and its size as sent.
            param([Parameter(Mandatory)] $Channel)
            $heard = [Collections.Generic.List[object]]::new()
            $deadline = [DateTime]::UtcNow.AddSeconds(10)
            while ([DateTime]::UtcNow -lt $deadline -and $heard.Count -lt 10000) {
                $cancel = [Threading.CancellationTokenSource]::new(500)
                try {
                    $datagram = $Channel.ReceiveAsync($cancel.Token).GetAwaiter().GetResult()
                    $heard.Add([pscustomobject]@{ Source = $datagram.Source.ToString(); Size = $datagram.Payload.Length })
                }
                catch [OperationCanceledException] {
                    break
                }
            }
            , $heard.ToArray()
        }
    }

    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'keeps every datagram on the group within 600 bytes when relay and sessions say so, and delivers a long text whole' {
        $net = New-McastTestNet
        # Listening before anyone speaks: it hears every datagram of the group, the handshakes too.
        $listener = New-McastTestChannel -Endpoint $net
        try {
            $relay = Start-McastRelay @net -MaxDatagramSize 600
            $pin = @{ RelayFingerprint = $relay.KeyFingerprint; MaxDatagramSize = 600 }
            $alice = New-McastSession 'alice' @net @pin
            $bob = New-McastSession 'bob' @net @pin
            $text = -join (1..5000 | ForEach-Object { 'abcdefghijklmnopqrstuvwxyzàèéìòù'[$_ % 32] })
            $text.Length | Should -Be 5000
            $bytes = [Text.Encoding]::UTF8.GetByteCount($text)

            $sent = Send-McastMessage -Session $alice -Message $text -PassThru
            $sent.Status | Should -Be 'Acknowledged'
            # 600 - 129 = 471 bytes of content a fragment (1,271 with the default 1,400).
            $sent.Fragments | Should -Be ([Math]::Ceiling($bytes / 471))
            $got = @(Receive-McastMessage -Session $bob -Timeout 10 -Count 2 | Where-Object Kind -eq Message)
            $got.Count | Should -Be 1
            $got[0].Text | Should -BeExactly $text
            $got[0].Verified | Should -BeTrue
            $got[0].SenderFingerprint | Should -Be $alice.KeyFingerprint

            $lengths = @((Receive-McastTestAll -Channel $listener).Size)
            $lengths.Count | Should -BeGreaterThan ([Math]::Ceiling($bytes / 471) * 2)
            ($lengths | Measure-Object -Maximum).Maximum | Should -BeLessOrEqual 600
            # The limit is reached, not merely respected: each forwarded full fragment fills a datagram.
            @($lengths | Where-Object { $_ -eq 600 }).Count | Should -BeGreaterOrEqual ([Math]::Floor($bytes / 471))
        }
        finally {
            $listener.Dispose()
        }
    }

    It 'cuts a session''s messages to the relay''s smaller limit, which the relay tells it when it joins' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -MaxDatagramSize 700
        $alice = New-McastSession 'alice' @net -RelayFingerprint $relay.KeyFingerprint
        $bob = New-McastSession 'bob' @net -RelayFingerprint $relay.KeyFingerprint
        $text = 'x' * 5000
        (Send-McastMessage -Session $alice -Message $text -PassThru).Fragments | Should -Be ([Math]::Ceiling(5000 / (700 - 129)))
        (@(Receive-McastMessage -Session $bob -Timeout 10 -Count 2) | Where-Object Kind -eq Message).Text | Should -BeExactly $text
    }

    It 'cuts a session''s messages to its own smaller limit, whatever the relay''s' {
        $net = New-McastTestNet
        $listener = New-McastTestChannel -Endpoint $net
        try {
            $relay = Start-McastRelay @net
            $alice = New-McastSession 'alice' @net -RelayFingerprint $relay.KeyFingerprint -MaxDatagramSize 600
            $bob = New-McastSession 'bob' @net -RelayFingerprint $relay.KeyFingerprint
            $text = 'x' * 5000
            (Send-McastMessage -Session $alice -Message $text -PassThru).Fragments | Should -Be ([Math]::Ceiling(5000 / (600 - 129)))
            (@(Receive-McastMessage -Session $bob -Timeout 10 -Count 2) | Where-Object Kind -eq Message).Text | Should -BeExactly $text
            $fromAlice = @((Receive-McastTestAll -Channel $listener) | Where-Object Source -eq $alice.LocalEndPoint.ToString())
            $fromAlice.Count | Should -BeGreaterOrEqual 11
            ($fromAlice.Size | Measure-Object -Maximum).Maximum | Should -BeLessOrEqual 600
            ($fromAlice.Size | Measure-Object -Maximum).Maximum | Should -BeGreaterThan 471
        }
        finally {
            $listener.Dispose()
        }
    }

    It 'is Secure only: under Classic, a setting error for both cmdlets' {
        $net = New-McastTestNet
        $err = { Start-McastRelay @net -Protocol Classic -MaxDatagramSize 600 } | Should -Throw -PassThru -ErrorId 'InvalidRelayOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match '^-MaxDatagramSize is for the Secure protocol'
        @(Get-McastRelay).Count | Should -Be 0
        $err = { New-McastSession @net -Protocol Classic -MaxDatagramSize 600 -Timeout 1 } | Should -Throw -PassThru -ErrorId 'InvalidSessionOption,McastCrypto.Commands.NewMcastSessionCommand'
        $err.Exception.Message | Should -Match '^-MaxDatagramSize is for the Secure protocol'
        @(Get-McastSession).Count | Should -Be 0
    }

    It 'takes 576 to 65507 bytes, and refuses a size outside before opening anything' {
        $net = New-McastTestNet
        { Start-McastRelay @net -MaxDatagramSize 575 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,McastCrypto.Commands.StartMcastRelayCommand'
        { New-McastSession @net -MaxDatagramSize 65508 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,McastCrypto.Commands.NewMcastSessionCommand'
        @(Get-McastRelay).Count | Should -Be 0
        $relay = Start-McastRelay @net -MaxDatagramSize 65507
        $session = New-McastSession @net -RelayFingerprint $relay.KeyFingerprint -MaxDatagramSize 576
        $session.State | Should -Be 'Connected'
    }
}

Describe 'Rekey interval (-RekeyInterval)' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'changes the group key every interval while nobody comes or goes, and the members follow' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -RekeyInterval 1
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $alice = New-McastSession 'alice' @net @pin
        $bob = New-McastSession 'bob' @net @pin
        Wait-McastCondition { $alice.Epoch -eq $relay.Epoch -and $bob.Epoch -eq $relay.Epoch } 5 | Should -BeTrue
        $null = Receive-McastMessage -Session $alice, $bob
        $null = $relay.TakeEvents()
        $epoch = $bob.Epoch

        # Two more epochs within 10 s with the same two members (the default interval is 10 minutes).
        Wait-McastCondition { $alice.Epoch -ge $epoch + 2 -and $bob.Epoch -ge $epoch + 2 } 10 | Should -BeTrue
        $kinds = @($relay.TakeEvents()).Kind
        $kinds | Should -Contain 'Rekeyed'
        $kinds | Where-Object { $_ -in 'Joined', 'Left', 'TimedOut', 'Refused' } | Should -BeNullOrEmpty
        @($relay.Members).Count | Should -Be 2
        $alice.State, $bob.State | Should -Be @('Connected', 'Connected')

        # Under the new key the group still talks, verified.
        Send-McastMessage -Session $alice -Message 'after the rekeys'
        $got = @(Receive-McastMessage -Session $bob -Count 1 -Timeout 5)
        $got.Text | Should -Be 'after the rekeys'
        $got.Verified | Should -BeTrue
    }
}
