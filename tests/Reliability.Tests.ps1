# Reliable delivery under the Secure protocol, end to end on loopback: loss made by the
# fault-injecting channel in this process, and loss made by the kernel (nftables) in a network
# namespace the test creates. The scenario itself is tests/scripts/Invoke-McastLossScenario.ps1.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $scenario = Join-Path $PSScriptRoot 'scripts/Invoke-McastLossScenario.ps1'
    $script:build = Split-Path -Leaf (Split-Path ([McastCrypto.Session.McastSession].Assembly.Location))
    # The long loss scenarios run against the net8.0 build: the netstandard2.0 build runs the same
    # protocol code (its own crypto backend is checked by the xunit backend tests and by
    # Secure.EndToEnd), and running them twice would take the whole test run past its time budget.
    $script:heavySkip = if ($script:build -ne 'net8.0') { "the loss scenarios run against the net8.0 build; the $script:build build runs the same protocol code, and its crypto backend has its own tests" }

    function Write-McastRepairFigures {
        param($Result, [string] $Label)
        $members = $Result.Members.PSObject.Properties | ForEach-Object {
            $m = $_.Value
            '{0}: NACKs {1}, repairs {2}, retransmissions {3}' -f $_.Name, $m.NacksSent, $m.RepairsReceived, $m.Retransmissions
        }
        Write-Host ('{0}: {1} messages in {2:n1} s ({3}/s delivered); injected drops {4}; relay NACKs {5}, repairs {6}, suppressed {7}, unavailable {8}; {9}' -f
            $Label, $Result.Messages, $Result.MessagesSeconds, $Result.DeliveredPerSecond, $Result.InjectedDrops,
            $Result.Relay.NacksReceived, $Result.Relay.RepairsSent, $Result.Relay.RepairsSuppressed, $Result.Relay.RepairsUnavailable,
            ($members -join '; '))
        if ($Result.File) {
            Write-Host ('{0}: a {1} MiB file in {2} fragments, acknowledged after {3:n1} s, received by all in {4:n1} s' -f
                $Label, $Result.File.MiB, $Result.File.Fragments, $Result.File.AcknowledgedAfterSeconds, $Result.File.Seconds)
        }
    }
}

Describe 'Reliable delivery under the Secure protocol' {
    It 'delivers 2,000 messages from three senders to four members through 10% loss each way, and a 20 MiB file through 5%' {
        if ($script:heavySkip) {
            Set-ItResult -Skipped -Because $script:heavySkip
            return
        }

        $endpoint = Get-McastTestEndpoint
        $result = & $scenario -ModulePath (Get-McastTestModulePath) -Group $endpoint.Group -Port $endpoint.Port `
            -DropRate 0.1 -Messages 2000 -FileMiB 20 -FileDropRate 0.05 -WorkDirectory $TestDrive -Seed (Get-Random) -Json | ConvertFrom-Json
        Write-McastRepairFigures $result 'decorator'
        $result.Problems | Should -BeNullOrEmpty
        $result.InjectedDrops | Should -BeGreaterThan 1000
        $result.Relay.RepairsSent | Should -BeGreaterThan 0
        @($result.File.Hashes.PSObject.Properties).Count | Should -Be 3
    }

    It 'delivers 2,000 messages through 10% of UDP packets dropped by the kernel in a network namespace' {
        $why = $script:heavySkip
        if (-not $why) {
            if (-not $IsLinux) { $why = 'network namespaces and nftables are Linux features' }
            elseif ((& id -u) -ne '0') { $why = 'creating a network namespace with nftables rules needs root (CI runs as root)' }
            elseif (-not (Get-Command nft -ErrorAction Ignore)) { $why = 'nft is not installed (.ci/run installs nftables)' }
            elseif (-not (Get-Command unshare -ErrorAction Ignore)) { $why = 'unshare is not installed' }
            else {
                $null = & unshare -n true 2>&1
                if ($LASTEXITCODE -ne 0) { $why = 'this machine does not allow new network namespaces (unshare -n failed)' }
            }
        }
        if ($why) {
            Set-ItResult -Skipped -Because $why
            return
        }

        $endpoint = Get-McastTestEndpoint
        $rules = Join-Path $TestDrive 'loss.nft'
        Set-Content -Path $rules -Value @(
            'table inet mcastloss {'
            '    chain input {'
            '        type filter hook input priority 0; policy accept;'
            '        meta l4proto udp numgen random mod 10 0 counter drop'
            '    }'
            '}'
        )
        $root = Split-Path $PSScriptRoot -Parent
        $inner = "ip link set lo up && nft -f '$rules' && cd '$root' && dotnet pwsh -NoProfile -NonInteractive -File '$scenario' -ModulePath '$(Get-McastTestModulePath)' -Group $($endpoint.Group) -Port $($endpoint.Port) -Messages 2000 -Seed $(Get-Random) -WorkDirectory '$TestDrive' -Json; echo; nft list ruleset | grep counter"
        $output = & unshare -n bash -c $inner 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($output -join "`n")
        $line = $output | Where-Object { $_ -like '{*' } | Select-Object -Last 1
        $line | Should -Not -BeNullOrEmpty -Because ($output -join "`n")
        $result = $line | ConvertFrom-Json
        $counter = $output | Where-Object { $_ -match 'counter packets (\d+)' } | Select-Object -Last 1
        $dropped = if ($counter -match 'counter packets (\d+)') { [long]$Matches[1] } else { 0 }
        Write-McastRepairFigures $result "kernel (nft dropped $dropped packets)"
        $result.Problems | Should -BeNullOrEmpty
        $dropped | Should -BeGreaterThan 100
        $result.Relay.RepairsSent | Should -BeGreaterThan 0
    }

    It 'gives a member that stopped reading a Gap record for what its inbox could not hold, and stays within its bounds' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        try {
            $sender = New-McastSession @net -Name 'talker' -RelayFingerprint $relay.KeyFingerprint
            $options = [McastCrypto.Session.McastSessionOptions]::new()
            $options.Name = 'sleeper'
            $options.Network = [McastCrypto.Transport.MulticastOptions]::new()
            $options.Network.Group = [ipaddress]$net.Group
            $options.Network.Port = $net.Port
            $options.Network.Interface = 'Loopback'
            $options.RelayFingerprint = $relay.KeyFingerprint
            $options.InboxLimit = 50
            $options.InboxBytes = 64KB
            $sleeper = [McastCrypto.Session.McastSession]::Open($options, [Threading.CancellationToken]::None)
            $null = Wait-McastCondition { @(Get-McastPeer -Session $sleeper -ExcludeSelf).Count -eq 1 } 10
            $null = Receive-McastMessage -Session $sleeper

            # The sleeper reads nothing while 200 messages (some of 2 KiB) arrive.
            $texts = 1..200 | ForEach-Object { "m$_ " + ('z' * (($_ % 4) * 700)) }
            $texts | Send-McastMessage -Session $sender
            $null = Wait-McastCondition { $sleeper.MessagesReceived -ge 200 } 20
            $sleeper.MessagesReceived | Should -Be 200
            $sleeper.Pending | Should -BeLessOrEqual 51
            $sleeper.PendingBytes | Should -BeLessOrEqual 64KB

            # It wakes up: first what it missed, then the newest messages, in order.
            $got = @(Receive-McastMessage -Session $sleeper)
            $got[0].Kind | Should -Be 'Gap'
            $kept = @($got | Where-Object Kind -eq 'Message')
            $got[0].LostMessages | Should -Be (200 - $kept.Count)
            $got[0].Reason | Should -Match 'inbox was full'
            $kept.Text | Should -Be ($texts | Select-Object -Last $kept.Count)
            $sleeper.Drops['InboxOverflow'] | Should -Be (200 - $kept.Count)
        }
        finally {
            Get-McastSession | Remove-McastSession
            $relay | Stop-McastRelay
        }
    }
}
