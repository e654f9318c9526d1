# The Secure system across several hosts on one machine: a relay in one network namespace and
# members in two others, joined by a bridge of veth pairs (tests/NetNs.psm1), each a PowerShell of
# its own running tests/scripts/Invoke-McastNetNsHost.ps1. Multicast leaves each host on a real
# interface chosen by -Interface (not on 'lo'), with TTL (hop limit) 1, over IPv4 and IPv6; and a
# second group on the same port shows that each member hears only its own. Needs root: the tests
# skip, saying why, where network namespaces cannot be created.
BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot 'NetNs.psm1') -Force
    $script:netNsSkip = Get-McastNetNsSkipReason
    $script:lossSkip = if ($script:netNsSkip) { $script:netNsSkip } else { Get-McastNetNsSkipReason -Loss }
}

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Join-Path $PSScriptRoot 'NetNs.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:hostScript = Join-Path $PSScriptRoot 'scripts/Invoke-McastNetNsHost.ps1'
    $script:modulePath = (Resolve-Path (Get-McastTestModulePath)).Path
    $script:build = Split-Path -Leaf (Split-Path ([McastCrypto.Session.McastSession].Assembly.Location))

    function Get-McastTestIPv4Group {
        '239.255.{0}.{1}' -f (Get-Random -Minimum 0 -Maximum 256), (Get-Random -Minimum 1 -Maximum 255)
    }

    function Get-McastTestIPv6Group {
        # Transient, site-local scope (ff15::/16), random.
        'ff15::{0:x}:{1:x}' -f (Get-Random -Minimum 1 -Maximum 65536), (Get-Random -Minimum 1 -Maximum 65536)
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
        $relayOut = Join-Path $dir 'relay.jsonl'
        $relayName = "relay-$Tag"
        $null = Start-McastNetNsScript -Net $Net -HostName 'r' -Name $relayName -Script $script:hostScript -Arguments (
            @('-Role', 'Relay', '-Name', $relayName, '-OutputPath', $relayOut, '-ReportPath', $report) + $common)
        $started = Wait-McastNetNsEvent -Net $Net -Path $relayOut -Kind Started -TimeoutSeconds $TimeoutSeconds
        $outputs = [ordered]@{}
        foreach ($name in $Members.Keys) {
            $sendPath = Join-Path $dir "$name.send.json"
            ConvertTo-Json -InputObject @($Send[$name]) -Depth 2 | Set-Content -LiteralPath $sendPath -Encoding utf8
            $others = @($Members.Keys | Where-Object { $_ -ne $name })
            $expect = ($others | ForEach-Object { @($Send[$_]).Count } | Measure-Object -Sum).Sum
            $outputs[$name] = Join-Path $dir "$name.jsonl"
            $arguments = @('-Role', 'Member', '-Name', $name, '-OutputPath', $outputs[$name], '-RelayFingerprint', $started.KeyFingerprint,
                '-KnownRelaysPath', (Join-Path $dir "$name.known_relays"), '-Peers', ($others -join ','), '-SendPath', $sendPath,
                '-ExpectCount', $expect) + $common
            if ($Capture) { $arguments += '-Capture' }
            $null = Start-McastNetNsScript -Net $Net -HostName $Members[$name] -Name "$name-$Tag" -Script $script:hostScript -Arguments $arguments
        }
        [pscustomobject]@{ Tag = $Tag; Stop = $stop; Report = $report; RelayOutput = $relayOut; Relay = $started; Outputs = $outputs; Send = $Send; Hosts = $Members }
    }

    function Complete-McastTestGroup {
        <#
        Waits (bounded) for every member's report, then tells the group to stop and collects the
        relay's counters. Returns per member its Joined, Ready and Received events, and the relay's
        Started and Stopped events.
        #>
        param([Parameter(Mandatory)] $Net, [Parameter(Mandatory)] $Started, [double] $TimeoutSeconds = 60)
        $paths = @($Started.Outputs.Values)
        $received = Wait-McastNetNsEvent -Net $Net -Path $paths -Kind Received -TimeoutSeconds $TimeoutSeconds
        # The relay's roster and counters while every member is still in; then everyone stops.
        $null = New-Item -ItemType File -Path $Started.Report -Force
        $report = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Report -TimeoutSeconds 20
        $null = New-Item -ItemType File -Path $Started.Stop -Force
        $null = Wait-McastNetNsEvent -Net $Net -Path $Started.RelayOutput -Kind Stopped -TimeoutSeconds 20
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
        [pscustomobject]@{ Relay = $Started.Relay; RelayReport = $report; Members = $members; Send = $Started.Send }
    }

    function Assert-McastTestExchange {
        # Every member got every other member's messages whole, verified, once and in order, from the
        # address it sends from on its host's interface, and knows every other member by name,
        # fingerprint and address; every message was acknowledged; the relay saw exactly them.
        param([Parameter(Mandatory)] $Result, [Parameter(Mandatory)] $Net, [Parameter(Mandatory)] [ValidateSet('IPv4', 'IPv6')] [string] $Family)
        $members = @($Result.Members.Values)
        foreach ($m in $members) {
            $m.Joined.Interface | Should -Be $Net.Hosts[$m.Host].$Family -Because "$($m.Name) names the interface mcn0"
            $m.Ready.AllPeers | Should -BeTrue -Because "$($m.Name) saw every other member join"
            $got = @($m.Received.Messages)
            @($got | Where-Object Kind -eq 'Gap') | Should -BeNullOrEmpty -Because "$($m.Name) lost nothing"
            $others = @($members | Where-Object Name -ne $m.Name)
            (@($m.Received.Peers | ForEach-Object Name) | Sort-Object) | Should -Be (@($others.Name) | Sort-Object)
            foreach ($o in $others) {
                $peer = @($m.Received.Peers | Where-Object Name -eq $o.Name)
                $peer.Count | Should -Be 1
                $peer[0].KeyFingerprint | Should -Be $o.Joined.KeyFingerprint
                $from = @($got | Where-Object { $_.Kind -eq 'Message' -and $_.SenderName -eq $o.Name })
                $texts = @($from | ForEach-Object Text)
                $texts.Count | Should -Be @($Result.Send[$o.Name]).Count -Because "$($m.Name) gets each message of $($o.Name) once"
                # Whole and in the order sent.
                $texts | Should -Be @($Result.Send[$o.Name])
                @($from | Where-Object { -not $_.Verified }) | Should -BeNullOrEmpty
                @($from | ForEach-Object SenderFingerprint | Sort-Object -Unique) | Should -Be $o.Joined.KeyFingerprint
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
            $entry[0].EndPoint | Should -Be $m.Joined.LocalEndPoint
            $entry[0].KeyFingerprint | Should -Be $m.Joined.KeyFingerprint
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
            '{0}: {1} messages, NACKs {2}, repairs {3}, retransmissions {4}; ready {5:n1} s and done {6:n1} s after joining' -f $_.Name,
                @($_.Received.Messages | Where-Object Kind -eq 'Message').Count, $_.Received.NacksSent, $_.Received.RepairsReceived, $_.Received.Retransmissions,
                ([DateTime]$_.Ready.At - $joined).TotalSeconds, ([DateTime]$_.Received.At - $joined).TotalSeconds
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

    AfterAll {
        if ($script:net) { Remove-McastNetNs -Net $script:net }
    }

    It 'runs a relay on one host and members on two others over IPv4: messages both ways, whole, verified, once' -Skip:([bool]$netNsSkip) {
        $group = Get-McastTestIPv4Group
        $port = Get-Random -Minimum 20000 -Maximum 60000
        $send = @{ anna = @(New-McastTestTexts 'anna'); bruno = @(New-McastTestTexts 'bruno') }
        $started = Start-McastTestGroup -Net $net -Group $group -Port $port -Tag 'v4' -Members ([ordered]@{ anna = 'a'; bruno = 'b' }) -Send $send
        $result = Complete-McastTestGroup -Net $net -Started $started
        Write-McastTestFigures $result 'IPv4'
        $result.Relay.Interface | Should -Be $net.Hosts['r'].IPv4
        Assert-McastTestExchange -Result $result -Net $net -Family IPv4
    }
}
