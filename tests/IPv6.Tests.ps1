# IPv6 groups as a user meets them without an IPv6 network: what is refused, and how it says so.
# Nothing here sends: every case fails before a socket is opened (Linux loopback carries no IPv6
# multicast, and the tests never send on another interface). IPv6 traffic end to end is tested in
# network namespaces.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force

    function Get-LoopbackInterface {
        [Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
            Where-Object { $_.NetworkInterfaceType -eq 'Loopback' -and $_.Supports([Net.NetworkInformation.NetworkInterfaceComponent]::IPv6) } |
            Select-Object -First 1
    }
}

Describe 'The Classic protocol on an IPv6 group' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'is refused by New-McastSession with ClassicRequiresIPv4, the group as target, before the interface is looked at' -ForEach @(
        @{ Extra = @{ Interface = 'Loopback' } }
        @{ Extra = @{} }
        @{ Extra = @{ Interface = 'no-such-interface-xyz' } }
    ) {
        $err = { New-McastSession -Protocol Classic -Group ff15::4d43 -Timeout 1 @Extra } |
            Should -Throw -PassThru -ErrorId 'ClassicRequiresIPv4,McastCrypto.Commands.NewMcastSessionCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be ([ipaddress]'ff15::4d43')
        $err.Exception.Message | Should -Match 'Classic protocol works on IPv4 groups only: its records 10, 11 and 12 carry 4-byte IPv4 addresses'
        $err.Exception.Message | Should -Match 'IPv6 group ff15::4d43'
        $err.Exception.Message | Should -Not -Match '\(Parameter'
        $err.ErrorDetails.RecommendedAction | Should -Match '-Protocol Secure'
        @(Get-McastSession).Count | Should -Be 0
    }

    It 'is refused by Start-McastRelay with ClassicRequiresIPv4 and starts no relay' {
        $err = { Start-McastRelay -Protocol Classic -Group ff02::1:4d43 -Interface Loopback } |
            Should -Throw -PassThru -ErrorId 'ClassicRequiresIPv4,McastCrypto.Commands.StartMcastRelayCommand'
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.TargetObject | Should -Be ([ipaddress]'ff02::1:4d43')
        @(Get-McastRelay).Count | Should -Be 0
    }

    It 'is not what an IPv4 group gets: Classic on 239.255.x.y goes on to look for its relay' {
        $net = New-McastTestNet
        $err = { New-McastSession -Protocol Classic @net -Timeout 0.5 -ErrorAction Stop } |
            Should -Throw -PassThru
        $err.FullyQualifiedErrorId | Should -Be 'RelayNotFound,McastCrypto.Commands.NewMcastSessionCommand'
    }
}

Describe 'A Secure IPv6 group' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It '<Command> without -Interface is refused, saying an IPv6 group needs one' -ForEach @(
        @{ Command = 'New-McastSession'; Id = 'InvalidNetworkOption,McastCrypto.Commands.NewMcastSessionCommand'; Run = { New-McastSession -Group ff15::4d43 -Port 47123 -Timeout 1 } }
        @{ Command = 'Start-McastRelay'; Id = 'InvalidNetworkOption,McastCrypto.Commands.StartMcastRelayCommand'; Run = { Start-McastRelay -Group ff15::4d43 -Port 47123 } }
        @{ Command = 'Watch-McastGroup'; Id = 'InvalidNetworkOption,McastCrypto.Commands.WatchMcastGroupCommand'; Run = { Watch-McastGroup -Group ff15::4d43 -Port 47123 -Timeout 1 } }
    ) {
        $err = $Run | Should -Throw -PassThru -ErrorId $Id
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -Be 'The IPv6 group ff15::4d43 needs -Interface: IPv6 multicast is joined and sent on one interface. Name it (eth0), give its index (3) or one of its IPv6 addresses.'
        # The target is the group and port as a user writes an IPv6 end point.
        $err.TargetObject | Should -Be '[ff15::4d43]:47123'
        @(Get-McastSession).Count + @(Get-McastRelay).Count | Should -Be 0
    }

    It 'on the loopback interface is refused, by name, index or ::1, where loopback does no multicast (Linux)' {
        $lo = Get-LoopbackInterface
        if ($null -eq $lo) { Set-ItResult -Skipped -Because 'this computer lists no loopback interface with IPv6'; return }
        if ($lo.SupportsMulticast) { Set-ItResult -Skipped -Because "the loopback interface $($lo.Name) does multicast here (not Linux): the tests send only on IPv4 loopback"; return }
        $index = $lo.GetIPProperties().GetIPv6Properties().Index
        foreach ($interface in 'Loopback', $lo.Name, "$index", '::1') {
            $err = { New-McastSession -Group ff15::4d43 -Interface $interface -Timeout 1 } |
                Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.NewMcastSessionCommand'
            $err.Exception.Message | Should -Match "\($([regex]::Escape($lo.Name))\) cannot carry the IPv6 group ff15::4d43: it does not do multicast"
            $err.TargetObject | Should -Be $interface
        }
    }

    It 'on an interface index that does not exist is refused, naming the index' {
        $err = { Start-McastRelay -Group ff05::4d43 -Interface 999999 } |
            Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.StartMcastRelayCommand'
        $err.Exception.Message | Should -Match 'index 999999'
        $err.TargetObject | Should -Be '999999'
    }

    It 'with an IPv4 interface address is refused, saying the two families differ' {
        $err = { New-McastSession -Group ff15::4d43 -Interface 127.0.0.1 -Timeout 1 } |
            Should -Throw -PassThru -ErrorId 'InvalidNetworkOption,McastCrypto.Commands.NewMcastSessionCommand'
        $err.Exception.Message | Should -Match "'127\.0\.0\.1' is IPv4, and the group ff15::4d43 is IPv6"
    }
}

Describe 'Tab completion of -Interface after an IPv6 -Group' {
    It 'offers the interfaces that do IPv6 multicast, by name and index, and not Loopback' {
        $expected = @([Net.NetworkInformation.NetworkInterface]::GetAllNetworkInterfaces() |
                Where-Object { $_.SupportsMulticast -and $_.Supports([Net.NetworkInformation.NetworkInterfaceComponent]::IPv6) } |
                ForEach-Object { $_.Name; [string]$_.GetIPProperties().GetIPv6Properties().Index })
        $line = 'New-McastSession -Group ff15::4d43 -Interface '
        $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $offered | Should -Not -Contain 'Loopback'
        @($offered | Sort-Object) | Should -Be @($expected | Sort-Object)
    }

    It 'still offers Loopback and IPv4 addresses for an IPv4 group' {
        $line = 'New-McastSession -Group 239.255.1.2 -Interface '
        $offered = @((TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText)
        $offered | Should -Contain 'Loopback'
        $offered | Should -Contain '127.0.0.1'
    }
}

Describe 'Parameter help for IPv6' {
    It '<Command> -<Parameter> mentions <Words>' -ForEach @(
        @{ Command = 'New-McastSession'; Parameter = 'Group'; Words = 'ff00::/8' }
        @{ Command = 'New-McastSession'; Parameter = 'Interface'; Words = 'index' }
        @{ Command = 'New-McastSession'; Parameter = 'Ttl'; Words = 'hop limit' }
        @{ Command = 'New-McastSession'; Parameter = 'Protocol'; Words = 'IPv4 groups only' }
        @{ Command = 'Start-McastRelay'; Parameter = 'Group'; Words = 'ClassicRequiresIPv4' }
        @{ Command = 'Start-McastRelay'; Parameter = 'Interface'; Words = 'MULTICAST flag' }
        @{ Command = 'Start-McastRelay'; Parameter = 'Ttl'; Words = 'hop limit' }
        @{ Command = 'Watch-McastGroup'; Parameter = 'Group'; Words = 'IPv6' }
        @{ Command = 'Watch-McastGroup'; Parameter = 'Interface'; Words = 'IPv6 group it is required' }
    ) {
        $text = (Get-Help $Command -Parameter $Parameter | Out-String -Width 200) -replace '\s+', ' '
        $text | Should -Match ([regex]::Escape($Words))
    }
}
