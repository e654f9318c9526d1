# The Secure system across several hosts on one machine: a relay in one network namespace and
# members in two others, joined by a bridge of veth pairs (tests/NetNs.psm1), each a PowerShell of
# its own running tests/scripts/Invoke-McastNetNsHost.ps1. Multicast leaves each host on a real
# interface chosen by -Interface (not on 'lo'), with TTL (hop limit) 1, over IPv4 and IPv6 (ff15,
# link-local ff02, and ff05 in the loss test); a second group on the same port shows that each
# member hears only its own; 10% loss is repaired over both families; and a relay with -Ttl 0 is
# not heard on the next host while one with -Ttl 1 is. Needs root: the tests skip, saying why, where network
# namespaces cannot be created.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'NetNs.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:hostScript = Join-Path $PSScriptRoot 'scripts/Invoke-McastNetNsHost.ps1'
    $script:modulePath = (Resolve-Path (Get-McastTestModulePath)).Path
    $script:build = Split-Path -Leaf (Split-Path ([McastCrypto.Session.McastSession].Assembly.Location))
    # Why the namespaced tests cannot run here (each It skips, saying so); $null when they can.
    $script:netNsSkip = Get-McastNetNsSkipReason
    $script:lossSkip = if ($script:netNsSkip) { $script:netNsSkip } else { Get-McastNetNsSkipReason -Loss }

    function Get-McastTestIPv4Group {
        '239.255.{0}.{1}' -f (Get-Random -Minimum 0 -Maximum 256), (Get-Random -Minimum 1 -Maximum 255)
    }

    function Get-McastTestIPv6Group {
        # A random group of a prefix: ff15 (transient, site-local scope) unless told, ff02
        # (link-local scope), ff05 (site-local scope).
        param([ValidateSet('ff15', 'ff02', 'ff05')] [string] $Prefix = 'ff15')
        '{0}::{1:x}:{2:x}' -f $Prefix, (Get-Random -Minimum 1 -Maximum 65536), (Get-Random -Minimum 1 -Maximum 65536)
    }

    function Start-McastTestJoin {
        <#
        Starts a relay in host r with -Ttl $RelayTtl and, in host a, a member (hop limit 1) that only
        tries to join it within -JoinTimeoutSeconds. Complete-McastTestJoin waits for the outcome.
        #>
        param(
            [Parameter(Mandatory)] $Net,
            [Parameter(Mandatory)] [string] $Group,
            [Parameter(Mandatory)] [int] $Port,
            [Parameter(Mandatory)] [string] $Tag,
            [Parameter(Mandatory)] [int] $RelayTtl,
            [double] $JoinTimeoutSeconds = 5
        )
        $dir = Join-Path $Net.WorkDirectory $Tag
        $null = New-Item -ItemType Directory -Force -Path $dir
        $stop = Join-Path $dir 'stop'
        $report = Join-Path $dir 'report'
        $common = @('-ModulePath', $script:modulePath, '-Group', $Group, '-Port', $Port, '-Interface', $Net.Interface, '-StopPath', $stop, '-TimeoutSeconds', 40)
        $relayIdentity = New-McastIdentity -Path (Join-Path $dir 'relay.key')
        $memberIdentity = New-McastIdentity -Path (Join-Path $dir 'member.key')
        $relayOut = Join-Path $dir 'relay.jsonl'
        $memberOut = Join-Path $dir 'member.jsonl'
        $processes = @(
            Start-McastNetNsScript -Net $Net -HostName 'r' -Name "relay-$Tag" -Script $script:hostScript -Arguments (@('-Role', 'Relay', '-Name', "relay-$Tag",
                    '-OutputPath', $relayOut, '-ReportPath', $report, '-IdentityPath', $relayIdentity.Path, '-Ttl', $RelayTtl) + $common)
            Start-McastNetNsScript -Net $Net -HostName 'a' -Name "member-$Tag" -Script $script:hostScript -Arguments (@('-Role', 'Member', '-Name', "member-$Tag",
                    '-OutputPath', $memberOut, '-IdentityPath', $memberIdentity.Path, '-RelayFingerprint', $relayIdentity.Fingerprint,
                    '-KnownRelaysPath', (Join-Path $dir 'member.known_relays'), '-Ttl', 1, '-JoinOnly', '-JoinTimeoutSeconds', $JoinTimeoutSeconds) + $common)
        )
        [pscustomobject]@{ RelayOutput = $relayOut; MemberOutput = $memberOut; Report = $report; Stop = $stop; Processes = $processes; MemberName = "member-$Tag" }
    }

    function Complete-McastTestJoin {
        # Returns the member's Joined or JoinFailed event and the relay's Report (its counters and
        # roster once the member has tried), after every host script has ended cleanly.
        param([Parameter(Mandatory)] $Net, [Parameter(Mandatory)] $Started)
        $null = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Started -TimeoutSeconds 40
        $member = Wait-McastNetNsEvent -Net $Net -Path $Started.MemberOutput -Kind Joined, JoinFailed -TimeoutSeconds 40
        $null = New-Item -ItemType File -Path $Started.Report -Force
        $relay = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Report -TimeoutSeconds 20
        $null = New-Item -ItemType File -Path $Started.Stop -Force
        foreach ($p in $Started.Processes) {
            $ended = Wait-McastNetNsScript -Record $p -TimeoutSeconds 20
            if (-not $ended -or $p.Process.ExitCode -ne 0) {
                throw "The host script $($p.Name) ended $(if ($ended) { "with exit code $($p.Process.ExitCode)" } else { 'only when killed after 20 s' }): $($p.Errors.Result)"
            }
        }
        [pscustomobject]@{ Member = $member[0]; Relay = $relay[0]; MemberName = $Started.MemberName }
    }

    function Start-McastTestGroup {
        <#
        Starts a relay in host r and one member per entry of -Members (name -> host) on a group, each
        member sending its texts from -Send (name -> texts) once every other member is in its
        roster, and expecting all the others' texts. Returns what Complete-McastTestGroup needs.
        #>
        param(
            [Parameter(Mandatory)] $Net,
            [Parameter(Mandatory)] [string] $Group,
            [Parameter(Mandatory)] [int] $Port,
            [Parameter(Mandatory)] [string] $Tag,
            [Parameter(Mandatory)] [Collections.Specialized.OrderedDictionary] $Members,
            [Parameter(Mandatory)] [hashtable] $Send,
            [switch] $Capture,
            [double] $TimeoutSeconds = 60
        )
        $dir = Join-Path $Net.WorkDirectory $Tag
        $null = New-Item -ItemType Directory -Force -Path $dir
        $stop = Join-Path $dir 'stop'
        $report = Join-Path $dir 'report'
        $common = @('-ModulePath', $script:modulePath, '-Group', $Group, '-Port', $Port, '-Interface', $Net.Interface,
            '-Ttl', 1, '-StopPath', $stop, '-TimeoutSeconds', $TimeoutSeconds)
        # Every key is made here first, so that everyone starts at once and the test knows who is who.
        $relayIdentity = New-McastIdentity -Path (Join-Path $dir 'relay.key')
        $relayOut = Join-Path $dir 'relay.jsonl'
        $relayName = "relay-$Tag"
        $processes = [Collections.Generic.List[object]]::new()
        $arguments = @('-Role', 'Relay', '-Name', $relayName, '-OutputPath', $relayOut, '-ReportPath', $report, '-IdentityPath', $relayIdentity.Path) + $common
        $processes.Add((Start-McastNetNsScript -Net $Net -HostName 'r' -Name $relayName -Script $script:hostScript -Arguments $arguments))
        $outputs = [ordered]@{}
        $fingerprints = @{ $relayName = $relayIdentity.Fingerprint }
        foreach ($name in $Members.Keys) {
            $identity = New-McastIdentity -Path (Join-Path $dir "$name.key")
            $fingerprints[$name] = $identity.Fingerprint
            $sendPath = Join-Path $dir "$name.send.json"
            ConvertTo-Json -InputObject @($Send[$name]) -Depth 2 | Set-Content -LiteralPath $sendPath -Encoding utf8
            $others = @($Members.Keys | Where-Object { $_ -ne $name })
            $expect = ($others | ForEach-Object { @($Send[$_]).Count } | Measure-Object -Sum).Sum
            $outputs[$name] = Join-Path $dir "$name.jsonl"
            $arguments = @('-Role', 'Member', '-Name', $name, '-OutputPath', $outputs[$name], '-RelayFingerprint', $relayIdentity.Fingerprint, '-IdentityPath', $identity.Path,
                '-KnownRelaysPath', (Join-Path $dir "$name.known_relays"), '-Peers', ($others -join ','), '-SendPath', $sendPath,
                '-ExpectCount', $expect) + $common
            if ($Capture) { $arguments += '-Capture' }
            $processes.Add((Start-McastNetNsScript -Net $Net -HostName $Members[$name] -Name "$name-$Tag" -Script $script:hostScript -Arguments $arguments))
        }
        [pscustomobject]@{ Tag = $Tag; Stop = $stop; Report = $report; RelayOutput = $relayOut; Fingerprints = $fingerprints; RelayName = $relayName; Outputs = $outputs; Send = $Send; Hosts = $Members; Processes = $processes }
    }

    function Complete-McastTestGroup {
        <#
        Waits (bounded) for every member's report, then asks the relay for its roster and counters
        (members still in), tells the group to stop and waits for every host script to end cleanly.
        Returns per member its Joined, Ready and Received events, and the relay's Started and Report
        events.
        #>
        param([Parameter(Mandatory)] $Net, [Parameter(Mandatory)] $Started, [double] $TimeoutSeconds = 60)
        $relay = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Started -TimeoutSeconds $TimeoutSeconds
        $paths = @($Started.Outputs.Values)
        $received = Wait-McastNetNsEvent -Net $Net -Path $paths -Kind Received -TimeoutSeconds $TimeoutSeconds
        # The relay's roster and counters while every member is still in; then everyone stops.
        $null = New-Item -ItemType File -Path $Started.Report -Force
        $report = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Report -TimeoutSeconds 20
        $null = New-Item -ItemType File -Path $Started.Stop -Force
        $null = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Stopped -TimeoutSeconds 20
        # Every host script ends by itself, without an error (the next test starts on a quiet network).
        foreach ($p in $Started.Processes) {
            $ended = Wait-McastNetNsScript -Record $p -TimeoutSeconds 20
            if (-not $ended -or $p.Process.ExitCode -ne 0) {
                throw "The host script $($p.Name) ended $(if ($ended) { "with exit code $($p.Process.ExitCode)" } else { 'only when killed after 20 s' }): $($p.Errors.Result)"
            }
        }
        $members = [ordered]@{}
        $i = 0
        foreach ($name in $Started.Outputs.Keys) {
            $events = @(Read-McastNetNsEvent -Path $Started.Outputs[$name])
            $members[$name] = [pscustomobject]@{
                Name     = $name
                Host     = $Started.Hosts[$name]
                Joined   = $events | Where-Object Event -eq 'Joined' | Select-Object -First 1
                Ready    = $events | Where-Object Event -eq 'Ready' | Select-Object -First 1
                Received = $received[$i]
            }
            $i++
        }
        [pscustomobject]@{ Relay = $relay; RelayReport = $report; Members = $members; Send = $Started.Send; Fingerprints = $Started.Fingerprints }
    }

    function Assert-McastTestExchange {
        # Everyone sent from its own host's interface (mcn0); every member knows every other member
        # by name and fingerprint and got its messages whole, verified, once and in order; every
        # message was acknowledged; the relay heard each member from its host's address and relayed
        # exactly these messages.
        # -LinkLocal: the group is link-local (ff02::/16), so every host sends from its fe80::
        # address, which .NET writes with the index of mcn0 in the namespace that sees it.
        param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] $Net, [Parameter(Mandatory)] [ValidateSet('IPv4', 'IPv6')] [string] $Family, [switch] $LinkLocal)
        $members = @($Result.Members.Values)
        $Result.Relay.KeyFingerprint | Should -Be $Result.Fingerprints[$Result.Relay.Name]
        # The interface as an actor shows it: its IPv4 address for an IPv4 group, its name for an IPv6 one.
        $interface = { param($HostName) if ($Family -eq 'IPv6') { $Net.Interface } else { $Net.Hosts[$HostName].IPv4 } }
        $Result.Relay.Interface | Should -Be (& $interface 'r') -Because 'the relay names the interface mcn0'
        # A host's address as a host (-Seen) shows it in an end point.
        $address = {
            param($HostName, $Seen = $HostName)
            if ($Family -eq 'IPv4') { $Net.Hosts[$HostName].IPv4 }
            elseif ($LinkLocal) { '[{0}%{1}]' -f $Net.Hosts[$HostName].LinkLocal, $Net.Hosts[$Seen].ScopeId }
            else { '[{0}]' -f $Net.Hosts[$HostName].IPv6 }
        }
        ($Result.Relay.LocalEndPoint -replace ':\d+$') | Should -Be (& $address 'r')
        foreach ($m in $members) {
            $m.Joined.KeyFingerprint | Should -Be $Result.Fingerprints[$m.Name]
            $m.Joined.Interface | Should -Be (& $interface $m.Host) -Because "$($m.Name) names the interface mcn0"
            # It sends from its own host's address on that interface.
            ($m.Joined.LocalEndPoint -replace ':\d+$') | Should -Be (& $address $m.Host)
            $m.Ready.AllPeers | Should -BeTrue -Because "$($m.Name) saw every other member join"
            $got = @($m.Received.Messages)
            @($got | Where-Object Kind -eq 'Gap') | Should -BeNullOrEmpty -Because "$($m.Name) lost nothing"
            $others = @($members | Where-Object Name -ne $m.Name)
            (@($m.Received.Peers | ForEach-Object Name) | Sort-Object) | Should -Be (@($others.Name) | Sort-Object)
            foreach ($o in $others) {
                $peer = @($m.Received.Peers | Where-Object Name -eq $o.Name)
                $peer.Count | Should -Be 1
                $peer[0].KeyFingerprint | Should -Be $Result.Fingerprints[$o.Name]
                $from = @($got | Where-Object { $_.Kind -eq 'Message' -and $_.SenderName -eq $o.Name })
                $texts = @($from | ForEach-Object Text)
                $texts.Count | Should -Be @($Result.Send[$o.Name]).Count -Because "$($m.Name) gets each message of $($o.Name) once"
                # Whole and in the order sent.
                $texts | Should -Be @($Result.Send[$o.Name])
                @($from | Where-Object { -not $_.Verified }) | Should -BeNullOrEmpty
                @($from | ForEach-Object SenderFingerprint | Sort-Object -Unique) | Should -Be $Result.Fingerprints[$o.Name]
            }
            @($got | Where-Object { $_.Kind -eq 'Message' -and $_.SenderName -notin $others.Name }) | Should -BeNullOrEmpty
            $m.Received.MessagesAcknowledged | Should -Be @($Result.Send[$m.Name]).Count
            $m.Received.MessagesFailed | Should -Be 0
        }
        $relayMembers = @($Result.RelayReport.Members)
        (@($relayMembers | ForEach-Object Name) | Sort-Object) | Should -Be (@($members.Name) | Sort-Object)
        foreach ($m in $members) {
            # The relay heard each member from its own host's address: the datagrams crossed the bridge.
            $entry = @($relayMembers | Where-Object Name -eq $m.Name)
            $entry.Count | Should -Be 1
            $entry[0].EndPoint | Should -Be ('{0}:{1}' -f (& $address $m.Host 'r'), ($m.Joined.LocalEndPoint -replace '^.*:'))
            $entry[0].KeyFingerprint | Should -Be $Result.Fingerprints[$m.Name]
            $entry[0].Connected | Should -BeTrue
        }
        $Result.RelayReport.MessagesRelayed | Should -Be (($members | ForEach-Object { @($Result.Send[$_.Name]).Count } | Measure-Object -Sum).Sum)
    }

    function New-McastTestTexts {
        # Texts from a few bytes to several fragments (the long ones far above one datagram).
        param([Parameter(Mandatory)] [string] $Prefix, [int] $Count = 6, [int] $LongEvery = 3)
        for ($i = 1; $i -le $Count; $i++) {
            $body = if ($i % $LongEvery -eq 0) { 'Perché no? ' * (600 + 37 * $i) } else { 'ciao ' * $i }
            "$Prefix $i $body"
        }
    }

    function Write-McastTestFigures {
        param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] [string] $Label)
        $r = $Result.RelayReport
        $members = $Result.Members.Values | ForEach-Object {
            $joined = [DateTime]$_.Joined.At
            $drops = @($_.Received.Drops.PSObject.Properties | Where-Object Value -gt 0 | ForEach-Object { "$($_.Name) $($_.Value)" })
            '{0}: {1} messages, NACKs {2}, repairs {3}, retransmissions {4}, drops ({5}); ready {6:n1} s and done {7:n1} s after joining' -f $_.Name,
                @($_.Received.Messages | Where-Object Kind -eq 'Message').Count, $_.Received.NacksSent, $_.Received.RepairsReceived, $_.Received.Retransmissions,
                ($drops -join ', '), ([DateTime]$_.Ready.At - $joined).TotalSeconds, ([DateTime]$_.Received.At - $joined).TotalSeconds
        }
        Write-Host ('{0}: relay relayed {1}, NACKs {2}, repairs {3}; {4}' -f $Label, $r.MessagesRelayed, $r.NacksReceived, $r.RepairsSent, ($members -join '; '))
    }
}

Describe 'Several hosts on one machine (network namespaces)' {
    BeforeAll {
        $script:net = $null
        if (-not $script:netNsSkip) {
            $script:net = New-McastNetNs -WorkDirectory (Join-Path $TestDrive 'netns')
        }
    }

    AfterEach {
        # A test that failed half way leaves its host scripts waiting: they end here, not during the next test.
        if ($script:net) { Stop-McastNetNsScript -Net $script:net }
    }

    AfterAll {
        if ($script:net) { Remove-McastNetNs -Net $script:net }
    }

    It 'runs a relay on one host and members on two others over IPv4: messages both ways, whole, verified, once' {
        if ($netNsSkip) { Set-ItResult -Skipped -Because $netNsSkip; return }

        $group = Get-McastTestIPv4Group
        $port = Get-Random -Minimum 20000 -Maximum 60000
        $send = @{ anna = @(New-McastTestTexts 'anna'); bruno = @(New-McastTestTexts 'bruno') }
        $started = Start-McastTestGroup -Net $net -Group $group -Port $port -Tag 'v4' -Members ([ordered]@{ anna = 'a'; bruno = 'b' }) -Send $send
        $result = Complete-McastTestGroup -Net $net -Started $started
        Write-McastTestFigures $result 'IPv4'
        Assert-McastTestExchange -Result $result -Net $net -Family IPv4
    }

    It 'lets each member hear only its own group when a second group shares the port, the hosts and the interfaces (<Family>)' -ForEach @(
        @{ Family = 'IPv4' }, @{ Family = 'IPv6' }
    ) {
        if ($netNsSkip) { Set-ItResult -Skipped -Because $netNsSkip; return }

        $port = Get-Random -Minimum 20000 -Maximum 60000
        $newGroup = if ($Family -eq 'IPv6') { { Get-McastTestIPv6Group } } else { { Get-McastTestIPv4Group } }
        $groups = @(& $newGroup)
        while ($groups.Count -lt 2) { $g = & $newGroup; if ($g -ne $groups[0]) { $groups += $g } }
        $first = Start-McastTestGroup -Net $net -Group $groups[0] -Port $port -Tag "g1-$Family" -Capture -Members ([ordered]@{ anna = 'a'; bruno = 'b' }) `
            -Send @{ anna = @(New-McastTestTexts 'anna' 4); bruno = @(New-McastTestTexts 'bruno' 4) }
        $second = Start-McastTestGroup -Net $net -Group $groups[1] -Port $port -Tag "g2-$Family" -Capture -Members ([ordered]@{ carla = 'a'; dario = 'b' }) `
            -Send @{ carla = @(New-McastTestTexts 'carla' 4); dario = @(New-McastTestTexts 'dario' 4) }
        $results = @((Complete-McastTestGroup -Net $net -Started $first), (Complete-McastTestGroup -Net $net -Started $second))
        Write-McastTestFigures $results[0] "first $Family group"
        Write-McastTestFigures $results[1] "second $Family group"

        # Each group on its own: its roster, its messages, its relay's members (the other group's
        # names would fail these).
        foreach ($result in $results) { Assert-McastTestExchange -Result $result -Net $net -Family $Family }

        # On the wire: what a raw socket joined to a group on mcn0 heard came from that group's
        # relay and members only (each sends from an address:port of its own, the two relays from
        # the same host), though the other group sent as much to the same port on the same hosts.
        $senders = @(foreach ($result in $results) {
                , @(@($result.Relay.LocalEndPoint) + @($result.Members.Values | ForEach-Object { $_.Joined.LocalEndPoint }))
            })
        for ($i = 0; $i -lt 2; $i++) {
            $own = $senders[$i]
            $foreign = $senders[1 - $i]
            foreach ($m in $results[$i].Members.Values) {
                $heard = @($m.Received.Heard)
                $sources = @($heard | ForEach-Object Source)
                $m.Received.CaptureMissed | Should -Be 0
                @($sources | Where-Object { $_ -notin $own }) | Should -BeNullOrEmpty -Because "$($m.Name) hears only its own group"
                @($sources | Where-Object { $_ -in $foreign }) | Should -BeNullOrEmpty
                # The capture did hear its group: the relay and the other member.
                ($heard | Where-Object Source -eq $results[$i].Relay.LocalEndPoint).Count | Should -BeGreaterThan 0
                $other = $results[$i].Members.Values | Where-Object Name -ne $m.Name
                ($heard | Where-Object Source -eq $other.Joined.LocalEndPoint).Count | Should -BeGreaterThan 0
            }
        }
    }

    It 'delivers every message whole, once and in order through 10% of UDP datagrams dropped by nftables on the hosts of the members (<Family>, a group in <Range>)' -ForEach @(
        @{ Family = 'IPv4'; Range = '239.255.0.0/16' }
        # The IPv6 case also makes a site-local (ff05::/16) group carry traffic; the exchange tests
        # below run on ff15::/16 and ff02::/16.
        @{ Family = 'IPv6'; Range = 'ff05::/16' }
    ) {
        if ($lossSkip) { Set-ItResult -Skipped -Because $lossSkip; return }
        if ($build -ne 'net8.0') {
            # As in Reliability.Tests.ps1: the loss scenarios run against the net8.0 build.
            Set-ItResult -Skipped -Because "the loss scenarios run against the net8.0 build; the $build build runs the same protocol code, and its crypto backend has its own tests"
            return
        }

        # The rule is in an inet table: it matches IPv4 and IPv6 datagrams alike.
        $group = if ($Family -eq 'IPv6') { Get-McastTestIPv6Group -Prefix ff05 } else { Get-McastTestIPv4Group }
        $port = Get-Random -Minimum 20000 -Maximum 60000
        $send = @{ anna = @(New-McastTestTexts 'anna' 80 10); bruno = @(New-McastTestTexts 'bruno' 80 10) }
        $hosts = 'a', 'b'
        try {
            foreach ($h in $hosts) { Add-McastNetNsLoss -Net $net -HostName $h -Port $port -Every 10 }
            $started = Start-McastTestGroup -Net $net -Group $group -Port $port -Tag "loss-$Family" -Members ([ordered]@{ anna = 'a'; bruno = 'b' }) -Send $send
            $result = Complete-McastTestGroup -Net $net -Started $started
            $dropped = @($hosts | ForEach-Object { Get-McastNetNsLossCount -Net $net -HostName $_ })
        }
        finally {
            foreach ($h in $hosts) { Remove-McastNetNsLoss -Net $net -HostName $h }
        }
        Write-McastTestFigures $result "$Family, 10% loss (nft dropped $($dropped[0]) datagrams on host a, $($dropped[1]) on host b)"
        Assert-McastTestExchange -Result $result -Net $net -Family $Family
        # The loss was real, and repaired.
        $dropped[0] | Should -BeGreaterThan 0
        $dropped[1] | Should -BeGreaterThan 0
        $result.RelayReport.RepairsSent | Should -BeGreaterThan 0
        @($result.Members.Values | ForEach-Object { $_.Received.NacksSent } | Where-Object { $_ -gt 0 }).Count | Should -BeGreaterThan 0
    }

    It 'runs a relay on one host and members on two others over IPv6 (<Prefix>::/16, <Scope>, on mcn0, hop limit 1): messages both ways' -ForEach @(
        @{ Prefix = 'ff15'; Scope = 'transient site-local scope' }
        # Link-local scope: every host sends from its fe80:: address (with mcn0's index as scope id).
        @{ Prefix = 'ff02'; Scope = 'link-local scope' }
    ) {
        if ($netNsSkip) { Set-ItResult -Skipped -Because $netNsSkip; return }

        $group = Get-McastTestIPv6Group -Prefix $Prefix
        $port = Get-Random -Minimum 20000 -Maximum 60000
        $send = @{ anna = @(New-McastTestTexts 'anna'); bruno = @(New-McastTestTexts 'bruno') }
        $started = Start-McastTestGroup -Net $net -Group $group -Port $port -Tag "v6-$Prefix" -Members ([ordered]@{ anna = 'a'; bruno = 'b' }) -Send $send
        $result = Complete-McastTestGroup -Net $net -Started $started
        Write-McastTestFigures $result "IPv6 $group"
        Assert-McastTestExchange -Result $result -Net $net -Family IPv6 -LinkLocal:($Prefix -eq 'ff02')
    }

    It 'applies the TTL (hop limit) to what it sends: a relay with -Ttl 0 is not heard on the next host, with -Ttl 1 it is (<Family>)' -ForEach @(
        @{ Family = 'IPv4' }, @{ Family = 'IPv6' }
    ) {
        if ($netNsSkip) { Set-ItResult -Skipped -Because $netNsSkip; return }

        # Two relays on host r at once, each on a group and port of its own, one sending with TTL
        # (hop limit) 0, the other with 1; a member on host a (hop limit 1) tries to join each for
        # at most 5 s. A datagram with TTL 0 never leaves its host (Linux still loops it back
        # locally, but nobody listens on r); without IP_MULTICAST_TTL / IPV6_MULTICAST_HOPS the
        # kernel's default, 1, would reach host a and the first member would join.
        $newGroup = if ($Family -eq 'IPv6') { { Get-McastTestIPv6Group } } else { { Get-McastTestIPv4Group } }
        $groups = @(& $newGroup)
        while ($groups.Count -lt 2) { $g = & $newGroup; if ($g -ne $groups[0]) { $groups += $g } }
        # Side by side, each on its own port too.
        $started = @(
            Start-McastTestJoin -Net $net -Group $groups[0] -Port (Get-Random -Minimum 20000 -Maximum 40000) -Tag "ttl0-$Family" -RelayTtl 0
            Start-McastTestJoin -Net $net -Group $groups[1] -Port (Get-Random -Minimum 40000 -Maximum 60000) -Tag "ttl1-$Family" -RelayTtl 1
        )
        $silent = Complete-McastTestJoin -Net $net -Started $started[0]
        $heard = Complete-McastTestJoin -Net $net -Started $started[1]
        Write-Host ("TTL 0 ($Family): member {0} ({1}), relay heard {2} datagrams and sent {3}; TTL 1: member {4}, relay heard {5} and sent {6}" -f $silent.Member.Event,
            $silent.Member.ErrorId, $silent.Relay.DatagramsIn, $silent.Relay.DatagramsOut, $heard.Member.Event, $heard.Relay.DatagramsIn, $heard.Relay.DatagramsOut)

        # TTL 0: the member's datagrams reached the relay (they leave a with hop limit 1), the
        # relay answered, but nothing it sent left host r: the join timed out.
        $silent.Member.Event | Should -Be 'JoinFailed' -Because 'what a relay sends with TTL 0 does not leave its host'
        $silent.Member.ErrorId | Should -BeLike 'RelayNotFound,*'
        $silent.Relay.DatagramsIn | Should -BeGreaterThan 0 -Because 'the member on host a was heard by the relay on host r'
        $silent.Relay.DatagramsOut | Should -BeGreaterThan 0 -Because 'the relay did send, only not beyond its host'
        # TTL 1, same hosts, same interfaces: the member joins, and the relay has it in its roster.
        $heard.Member.Event | Should -Be 'Joined' -Because 'what a relay sends with TTL 1 reaches the next host on the link'
        @($heard.Relay.Members | Where-Object Name -eq $heard.MemberName).Count | Should -Be 1
    }
}
