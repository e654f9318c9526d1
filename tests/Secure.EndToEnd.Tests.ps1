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
