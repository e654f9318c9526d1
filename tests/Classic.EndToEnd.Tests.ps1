# The whole Classic system in one process, on loopback: a relay and three sessions.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    # Secure is the default: everything here is about the Classic protocol.
    # A variable of this file's own (not the global one): other test files keep the default.
    $PSDefaultParameterValues = @{ 'New-McastSession:Protocol' = 'Classic'; 'Start-McastRelay:Protocol' = 'Classic' }
}

Describe 'The Classic system end to end' {
    BeforeAll {
        $endpoint = Get-McastTestEndpoint
        $net = @{ Group = $endpoint.Group; Port = $endpoint.Port; Interface = 'Loopback' }
        $relay = Start-McastRelay @net -Name 'e2e-relay' -ClientTimeout 3
        $alice = New-McastSession -Name 'alice' @net -KeepAliveInterval 1
        $bob = New-McastSession -Name 'bob' @net -KeepAliveInterval 1
        $carol = New-McastSession -Name 'carol' @net -KeepAliveInterval 1
        $everyone = $alice, $bob, $carol
        # alice hears bob's and carol's joins, bob hears carol's: let them arrive, then empty the inboxes.
        $null = Wait-McastCondition { @(Get-McastPeer -Session $alice -ExcludeSelf).Count -eq 2 -and @(Get-McastPeer -Session $bob -ExcludeSelf).Count -eq 1 } 5
        $null = Receive-McastMessage -Session $everyone
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    Context 'joining' {
        It 'connects every session and the relay knows all three' {
            $everyone.State | Should -Be @('Connected', 'Connected', 'Connected')
            @($relay.Members | Where-Object Connected).Count | Should -Be 3
            $alice.RelayKeyFingerprint | Should -Be $relay.KeyFingerprint
        }

        It 'tells every session about those who joined after it (Classic has no roster)' {
            (Get-McastPeer -Session $alice | Where-Object IsSelf).Name | Should -Be 'alice'
            (Get-McastPeer -Session $alice -ExcludeSelf).EndPoint | Should -Be @($bob.LocalEndPoint, $carol.LocalEndPoint)
            (Get-McastPeer -Session $alice -ExcludeSelf).State | Should -Be @('Joined', 'Joined')
            (Get-McastPeer -Session $bob -ExcludeSelf).EndPoint | Should -Be @($carol.LocalEndPoint)
            @(Get-McastPeer -Session $carol -ExcludeSelf).Count | Should -Be 0
        }
    }

    Context 'messages' {
        It 'delivers every message to every other member and never back to the sender' {
            Send-McastMessage -Session $alice -Message 'from alice'
            Send-McastMessage -Session $bob -Message 'from bob'
            Send-McastMessage -Session $carol -Message 'from carol'
            $got = @{}
            foreach ($session in $everyone) {
                $got[$session.Name] = @(Receive-McastMessage -Session $session -Count 2 -Timeout 10 | Where-Object Kind -eq Message)
            }
            ($got.alice.Text | Sort-Object) | Should -Be @('from bob', 'from carol')
            ($got.bob.Text | Sort-Object) | Should -Be @('from alice', 'from carol')
            ($got.carol.Text | Sort-Object) | Should -Be @('from alice', 'from bob')
            ($got.bob | Where-Object Text -eq 'from alice').SenderAddress | Should -Be $alice.LocalEndPoint
        }

        It 'delivers a 5000-byte non-ASCII text as blocks whose join in order is the text' {
            $text = -join (1..400 | ForEach-Object { "è€𝄞$_ " })
            [Text.Encoding]::UTF8.GetByteCount($text) | Should -BeGreaterThan 5000
            $sent = Send-McastMessage -Session $alice -Message $text -PassThru
            $sent.Bytes | Should -Be ([Text.Encoding]::UTF8.GetByteCount($text))
            $blocks = [Math]::Ceiling($sent.Bytes / 190)
            foreach ($session in $bob, $carol) {
                $parts = @(Receive-McastMessage -Session $session -Count $blocks -Timeout 15)
                $parts.Count | Should -BeGreaterOrEqual $blocks
                ($parts | Where-Object Kind -eq Message).Count | Should -Be $parts.Count
                -join $parts.Text | Should -BeExactly $text
            }
        }

        It 'knows every member that spoke' {
            foreach ($session in $everyone) {
                @(Get-McastPeer -Session $session).Count | Should -Be 3
            }
            (Get-McastPeer -Session $carol | Where-Object { $_.EndPoint -eq $alice.LocalEndPoint }).Messages | Should -BeGreaterThan 1
        }

        It 'sends one message per string from the pipeline' {
            'one', 'two', 'three' | Send-McastMessage -Session $carol
            $texts = @(Receive-McastMessage -Session $alice -Count 3 -Timeout 10).Text
            $texts | Should -Be @('one', 'two', 'three')
            $null = Receive-McastMessage -Session $bob -Count 3 -Timeout 10
        }
    }

    Context 'hostile datagrams on the group' {
        BeforeAll {
            $raw = New-McastTestChannel $endpoint
            $relayDropsBefore = ($relay.Drops.Values | Measure-Object -Sum).Sum
            $bobDropsBefore = ($bob.Drops.Values | Measure-Object -Sum).Sum
            # A list, not @(...): inside @() every byte[] would be unrolled into single bytes.
            $hostile = [System.Collections.Generic.List[byte[]]]::new()
            $hostile.Add([byte[]](0, 1, 0))                                    # truncated header
            $hostile.Add([byte[]](0, 10, 0, 50, 1, 2))                         # length past the end
            $hostile.Add((ConvertTo-Tlv -Type 4242 -Value 'unknown type'))
            $hostile.Add((ConvertTo-Tlv -Type FragmentedData -Value ([byte[]](1, 2, 3, 4, 0, 0, 0, 0, 9))))      # total 0
            $hostile.Add((ConvertTo-Tlv -Type FragmentedData -Value ([byte[]](1, 2, 3, 4, 0, 0, 255, 255, 9))))  # total 65535
            $hostile.Add((ConvertTo-Tlv -Type SenderInfo -Value ([byte[]](127, 0, 0, 1, 0, 80) + (ConvertTo-Tlv -Type RelayedMessage -Value ([byte[]]::new(256))))))  # garbage ciphertext
            $hostile.Add((ConvertTo-Tlv -Type RegisterPublicKey -Value 'not a key'))
            if ($hostile.Count -ne 7) { throw "expected 7 hostile datagrams, made $($hostile.Count)" }
            foreach ($datagram in $hostile) { $raw.Send($datagram) }
        }

        AfterAll { $raw.Dispose() }

        It 'counts them as drops at the relay and at the members' {
            Wait-McastCondition { (($relay.Drops.Values | Measure-Object -Sum).Sum - $relayDropsBefore) -ge 7 } 5 | Should -BeTrue
            Wait-McastCondition { (($bob.Drops.Values | Measure-Object -Sum).Sum - $bobDropsBefore) -ge 7 } 5 | Should -BeTrue
            # From an address that never registered, fragments are dropped before they are even decoded
            # (malformed fragments of registered members are covered by the xunit relay tests).
            $relay.Drops['MalformedTlv'] | Should -BeGreaterOrEqual 2
            $relay.Drops['UnregisteredSender'] | Should -BeGreaterOrEqual 2
            $relay.Drops['UnknownType'] | Should -BeGreaterOrEqual 1
            $relay.Drops['BadPublicKey'] | Should -BeGreaterOrEqual 1
            $bob.Drops['MalformedTlv'] | Should -BeGreaterOrEqual 2
            $bob.Drops['UnknownType'] | Should -BeGreaterOrEqual 1
            $bob.Drops['NotForUs'] | Should -BeGreaterOrEqual 1
        }

        It 'keeps every session working' {
            Send-McastMessage -Session $bob -Message 'still here'
            (Receive-McastMessage -Session $alice -Count 1 -Timeout 10).Text | Should -Be 'still here'
            $null = Receive-McastMessage -Session $carol -Count 1 -Timeout 10
            $everyone.State | Should -Be @('Connected', 'Connected', 'Connected')
            $alice.LastError | Should -BeNullOrEmpty
            $relay.LastError | Should -BeNullOrEmpty
        }
    }

    Context 'leaving' {
        It 'tells the others when a member leaves' {
            $carol | Remove-McastSession
            $carol.State | Should -Be 'Closed'
            $left = @(Receive-McastMessage -Session $alice -Count 1 -Timeout 10)
            $left[0].Kind | Should -Be 'Left'
            $left[0].SenderAddress | Should -Be $carol.LocalEndPoint
            (Get-McastPeer -Session $alice | Where-Object { $_.EndPoint -eq $carol.LocalEndPoint }).State | Should -Be 'Left'
            Wait-McastCondition { @($relay.Members).Count -eq 2 } 5 | Should -BeTrue
            $null = Receive-McastMessage -Session $bob -Count 1 -Timeout 10
        }

        It 'drops a member whose keep-alives stop after the client time-out, and tells the others' {
            $raw = New-McastTestChannel $endpoint
            try {
                $null = Connect-McastTestMember -Channel $raw
                Wait-McastCondition { @($relay.Members).Count -eq 3 } 10 | Should -BeTrue
                $joined = @(Receive-McastMessage -Session $alice -Count 1 -Timeout 10)
                $joined[0].Kind | Should -Be 'Joined'
                $joined[0].SenderAddress | Should -Be $raw.LocalEndPoint

                # The hand-made member never sends a keep-alive: after 3 s the relay forgets it.
                $gone = @(Receive-McastMessage -Session $alice -Count 1 -Timeout 10)
                $gone[0].Kind | Should -Be 'Left'
                $gone[0].SenderAddress | Should -Be $raw.LocalEndPoint
                @($relay.Members).Count | Should -Be 2
                # The real sessions kept sending keep-alives, so they are still there.
                $alice.State | Should -Be 'Connected'
            }
            finally {
                $raw.Dispose()
            }
        }
    }
}

Describe 'The Classic system through the fault-injecting channel' {
    It 'delivers everything when the decorator drops 0%' {
        $endpoint = Get-McastTestEndpoint
        $net = @{ Group = $endpoint.Group; Port = $endpoint.Port; Interface = 'Loopback' }
        $relay = Start-McastRelay @net
        try {
            $rules = [McastCrypto.Transport.FaultRules]::new()
            $rules.DropRate = 0
            $rules.ReorderRate = 0.3
            $decorated = [System.Collections.Generic.List[object]]::new()
            $decorate = [Func[McastCrypto.Transport.IDatagramChannel, McastCrypto.Transport.IDatagramChannel]] {
                param($inner)
                $channel = [McastCrypto.Transport.FaultInjectingChannel]::new($inner, $rules, 42)
                $decorated.Add($channel)
                $channel
            }
            $sessions = foreach ($name in 'one', 'two') {
                $options = [McastCrypto.Session.McastSessionOptions]::new()
                $options.Name = $name
                $options.Protocol = 'Classic'
                $options.Network = [McastCrypto.Transport.MulticastOptions]::new()
                $options.Network.Group = [ipaddress]$endpoint.Group
                $options.Network.Port = $endpoint.Port
                $options.Network.Interface = 'Loopback'
                $options.ChannelDecorator = $decorate
                [McastCrypto.Session.McastSession]::Open($options, [Threading.CancellationToken]::None)
            }
            $null = Receive-McastMessage -Session $sessions[1] -Count 2 -Timeout 5
            $texts = 1..20 | ForEach-Object { "message $_ " + ('x' * (17 * $_)) }
            $texts | Send-McastMessage -Session $sessions[0]
            $blocks = ($texts | ForEach-Object { [Math]::Ceiling([Text.Encoding]::UTF8.GetByteCount($_) / 190) } | Measure-Object -Sum).Sum
            $got = @(Receive-McastMessage -Session $sessions[1] -Count $blocks -Timeout 20 | Where-Object Kind -eq Message)
            ($got.Text -join '') | Should -Be ($texts -join '')
            ($decorated | Measure-Object -Property Reordered -Sum).Sum | Should -BeGreaterThan 0
            ($decorated | Measure-Object -Property Dropped -Sum).Sum | Should -Be 0
        }
        finally {
            Get-McastSession | Remove-McastSession
            $relay | Stop-McastRelay
        }
    }
}

Describe 'A capture of the group' {
    It 'decodes, datagram by datagram, with ConvertFrom-Tlv -Recurse' {
        $endpoint = Get-McastTestEndpoint
        $net = @{ Group = $endpoint.Group; Port = $endpoint.Port; Interface = 'Loopback' }
        $options = [McastCrypto.Transport.MulticastOptions]::new()
        $options.Group = [ipaddress]$endpoint.Group
        $options.Port = $endpoint.Port
        $options.Interface = 'Loopback'
        $capture = [McastCrypto.Transport.GroupCapture]::new($options)
        try {
            $relay = Start-McastRelay @net
            $a = New-McastSession @net
            $b = New-McastSession @net
            Send-McastMessage -Session $a -Message ('è' * 300)
            $null = Receive-McastMessage -Session $b -Count 5 -Timeout 10
            # The relay stops first, so that its leave notices (TLV 12) for both members are its
            # farewell, which closing always sends. Stopped after the members' DISCONNECTs, it could
            # have handled one and closed before its notice went out (counted SendQueueDiscarded).
            $relay | Stop-McastRelay
            $a, $b | Remove-McastSession
            Start-Sleep -Milliseconds 300
        }
        finally {
            Get-McastSession | Remove-McastSession
            Get-McastRelay | Stop-McastRelay
            $capture.Dispose()
        }

        $datagrams = $capture.Datagrams()
        $datagrams.Count | Should -BeGreaterThan 10
        $records = foreach ($datagram in $datagrams) {
            ConvertFrom-Tlv -InputObject $datagram.Payload -Recurse -ErrorVariable +decodeErrors
        }
        $decodeErrors | Should -BeNullOrEmpty
        @($records).Count | Should -Be $datagrams.Count
        $types = $records.TypeName | Sort-Object -Unique
        foreach ($type in 'FragmentedData', 'RegisterPublicKey', 'ServerPublicKey', 'RequestServerKey', 'SenderInfo', 'ClientConnect', 'ClientDisconnect') {
            $types | Should -Contain $type
        }
        ($records | Where-Object TypeName -eq 'SenderInfo').Decoded.Inner.TypeName | Sort-Object -Unique | Should -Be 'RelayedMessage'
        ($records | Where-Object TypeName -eq 'FragmentedData').Decoded | ForEach-Object { $_.Sequence | Should -BeLessThan $_.Total }
        ($records | Where-Object TypeName -eq 'ClientConnect').Decoded.Port | Should -Contain $a.LocalEndPoint.Port
    }
}
