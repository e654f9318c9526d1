# Several hosts on one machine, for tests/MultiHost.Tests.ps1: Linux network namespaces joined by a
# bridge of veth pairs. Everything it makes lives in namespaces of its own, named with a random
# suffix per run (mcn-<id>-s for the switch, mcn-<id>-r, -a, -b for the hosts): nothing is created
# in, or changed on, the namespace the tests run in (its interfaces, addresses and routes are never
# touched). The addresses are a random 10.200-250.x.0/24 and a random ULA fdxx::/64, which exist
# only inside those namespaces. Needs root; Remove-McastNetNs ends the processes started in them
# (by the ids of the processes in those namespaces, which only this harness started) and deletes
# every namespace it made.

Set-StrictMode -Version 3.0

# The name of each host's interface (its end of the veth pair), in every host namespace.
$script:InterfaceName = 'mcn0'

function Invoke-McastNetNsIp {
    # Runs ip (or another program) and throws, with what it printed, when it fails.
    param([Parameter(Mandatory)] [string[]] $Arguments, [string] $FilePath = 'ip')
    $output = & $FilePath @Arguments 2>&1
    if ($LASTEXITCODE -ne 0) {
        throw ("'{0} {1}' failed (exit code {2}): {3}" -f $FilePath, ($Arguments -join ' '), $LASTEXITCODE, (($output | Out-String).Trim()))
    }
    $output
}

function Get-McastNetNsSkipReason {
    <#
    .SYNOPSIS
        Why the namespaced tests cannot run here, in a sentence; $null when they can. It tries what
        the harness needs (a namespace, a bridge and a veth pair in it) and removes it again.
    #>
    param([switch] $Loss)
    if (-not $IsLinux) { return 'network namespaces, veth pairs and bridges are Linux features' }
    $uid = & id -u
    if ($uid -ne '0') { return "creating network namespaces needs root (CI runs as root); this run is uid $uid" }
    if (-not (Get-Command ip -CommandType Application -ErrorAction Ignore)) { return "'ip' (iproute2) is not installed; .ci/run installs it" }
    if ($Loss -and -not (Get-Command nft -CommandType Application -ErrorAction Ignore)) { return "'nft' (nftables) is not installed; .ci/run installs it" }
    $probe = 'mcn-{0}-probe' -f (Get-McastNetNsId)
    try {
        $null = Invoke-McastNetNsIp @('netns', 'add', $probe)
    }
    catch {
        return "this machine does not allow a new network namespace: $($_.Exception.Message)"
    }
    try {
        $null = Invoke-McastNetNsIp @('-n', $probe, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
        $null = Invoke-McastNetNsIp @('-n', $probe, 'link', 'add', 'v0', 'type', 'veth', 'peer', 'name', 'v1')
        if ($Loss) {
            $null = Invoke-McastNetNsIp -FilePath 'ip' @('netns', 'exec', $probe, 'nft', 'add', 'table', 'inet', 'probe')
        }
    }
    catch {
        return "a bridge, veth pair or nftables table cannot be made in a network namespace: $($_.Exception.Message)"
    }
    finally {
        $null = & ip netns del $probe 2>&1
    }
    return $null
}

function Get-McastNetNsId {
    # Six random hex digits: namespaces of parallel runs never share a name.
    -join (1..6 | ForEach-Object { '{0:x}' -f (Get-Random -Minimum 0 -Maximum 16) })
}

function New-McastNetNs {
    <#
    .SYNOPSIS
        Creates the switch namespace (a bridge, br0, with multicast snooping off so that multicast
        floods to every port) and one namespace per host, each joined to the bridge by a veth pair
        whose host end is 'mcn0' with <prefix>.<n>/24 and <ula>::<n>/64 (n = 1, 2, ... in the order
        of -Hosts). Loopback is up in each. No multicast route is added: the tests name the
        interface (-Interface mcn0), as a host with several interfaces must. When a step fails,
        whatever was made is removed before the error is thrown.
    #>
    param([string[]] $Hosts = @('r', 'a', 'b'), [Parameter(Mandatory)] [string] $WorkDirectory)
    $id = Get-McastNetNsId
    $prefix4 = '10.{0}.{1}' -f (Get-Random -Minimum 200 -Maximum 251), (Get-Random -Minimum 0 -Maximum 256)
    $prefix6 = 'fd{0:x2}:{1:x4}:{2:x4}:{3:x4}' -f (Get-Random -Maximum 256), (Get-Random -Maximum 65536), (Get-Random -Maximum 65536), (Get-Random -Maximum 65536)
    $net = [pscustomobject]@{
        Id            = $id
        Switch        = "mcn-$id-s"
        Hosts         = [ordered]@{}
        Interface     = $script:InterfaceName
        IPv4Prefix    = "$prefix4.0/24"
        IPv6Prefix    = "${prefix6}::/64"
        Namespaces    = [Collections.Generic.List[string]]::new()
        Processes     = [Collections.Generic.List[object]]::new()
        WorkDirectory = $WorkDirectory
    }
    $null = New-Item -ItemType Directory -Force -Path $WorkDirectory
    try {
        $null = Invoke-McastNetNsIp @('netns', 'add', $net.Switch)
        $net.Namespaces.Add($net.Switch)
        $null = Invoke-McastNetNsIp @('-n', $net.Switch, 'link', 'set', 'lo', 'up')
        $null = Invoke-McastNetNsIp @('-n', $net.Switch, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
        $null = Invoke-McastNetNsIp @('-n', $net.Switch, 'link', 'set', 'br0', 'up')
        $n = 0
        foreach ($name in $Hosts) {
            $n++
            $ns = "mcn-$id-$name"
            $null = Invoke-McastNetNsIp @('netns', 'add', $ns)
            $net.Namespaces.Add($ns)
            # No duplicate address detection in this namespace (its link-local address is usable at
            # once); a sysctl of this namespace only.
            $null = Invoke-McastNetNsIp @('netns', 'exec', $ns, 'sh', '-c', 'echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad')
            $null = Invoke-McastNetNsIp @('-n', $ns, 'link', 'set', 'lo', 'up')
            # The pair is made in the switch namespace with its other end born in the host's: it is
            # never in the namespace the tests run in.
            $port = "v$name"
            $null = Invoke-McastNetNsIp @('-n', $net.Switch, 'link', 'add', $port, 'type', 'veth', 'peer', 'name', $script:InterfaceName, 'netns', $ns)
            $null = Invoke-McastNetNsIp @('-n', $net.Switch, 'link', 'set', $port, 'master', 'br0')
            $null = Invoke-McastNetNsIp @('-n', $net.Switch, 'link', 'set', $port, 'up')
            $ipv4 = "$prefix4.$n"
            # In the form .NET shows addresses (no leading zeros, the longest run of zeros as ::).
            $ipv6 = ([ipaddress]"${prefix6}::$n").ToString()
            $null = Invoke-McastNetNsIp @('-n', $ns, 'addr', 'add', "$ipv4/24", 'dev', $script:InterfaceName)
            $null = Invoke-McastNetNsIp @('-n', $ns, '-6', 'addr', 'add', "$ipv6/64", 'dev', $script:InterfaceName, 'nodad')
            $null = Invoke-McastNetNsIp @('-n', $ns, 'link', 'set', $script:InterfaceName, 'up')
            $net.Hosts[$name] = [pscustomobject]@{ Name = $name; Namespace = $ns; Interface = $script:InterfaceName; IPv4 = $ipv4; IPv6 = $ipv6; LinkLocal = $null; ScopeId = $null }
        }
        # Each host's link-local address (the kernel makes it when the link comes up: the source of
        # what a host sends to a link-local group such as ff02::/16) and the index of its mcn0, the
        # scope id .NET writes after it (fe80::...%<index>). Bounded wait for the address to appear.
        foreach ($h in $net.Hosts.Values) {
            $deadline = [DateTime]::UtcNow.AddSeconds(5)
            while ($true) {
                $link = @((Invoke-McastNetNsIp @('-n', $h.Namespace, '-j', 'addr', 'show', 'dev', $script:InterfaceName)) -join "`n" | ConvertFrom-Json)[0]
                $local = @($link.addr_info | Where-Object { $_.family -eq 'inet6' -and $_.scope -eq 'link' -and -not $_.PSObject.Properties['tentative'] })
                if ($local.Count -gt 0) {
                    $h.ScopeId = [int]$link.ifindex
                    $h.LinkLocal = ([ipaddress]$local[0].local).ToString()
                    break
                }
                if ([DateTime]::UtcNow -ge $deadline) { throw "Host $($h.Name) has no link-local IPv6 address on $($script:InterfaceName) after 5 s." }
                Start-Sleep -Milliseconds 100
            }
        }
    }
    catch {
        $failure = $_
        Remove-McastNetNs -Net $net
        throw $failure
    }
    $net
}

function Remove-McastNetNs {
    <#
    .SYNOPSIS
        Ends every process still running in the harness's namespaces (they were all started by it:
        nobody else knows the random names) by its id, then deletes each namespace it made. Bounded:
        a process that outlives SIGKILL for 10 s is reported, not waited for.
    #>
    param([Parameter(Mandatory)] $Net)
    Stop-McastNetNsScript -Net $Net
    $problems = [Collections.Generic.List[string]]::new()
    foreach ($ns in $Net.Namespaces) {
        $ids = @(& ip netns pids $ns 2>$null | Where-Object { $_ -match '^\d+$' })
        foreach ($processId in $ids) {
            # Only processes inside this run's own namespace.
            Stop-Process -Id ([int]$processId) -Force -ErrorAction SilentlyContinue
        }
    }
    foreach ($process in $Net.Processes) {
        if (-not $process.Process.WaitForExit(10000)) { $problems.Add("process $($process.Process.Id) ($($process.Name)) did not end") }
    }
    foreach ($ns in @($Net.Namespaces)) {
        $output = & ip netns del $ns 2>&1
        if ($LASTEXITCODE -ne 0) { $problems.Add("'ip netns del $ns' failed: $output") }
    }
    $Net.Namespaces.Clear()
    if ($problems.Count -gt 0) { Write-Warning ('Remove-McastNetNs: ' + ($problems -join '; ')) }
}

function Stop-McastNetNsScript {
    # Kills, by its id, every host script this harness started that is still running (a test that
    # failed half way leaves them waiting for a stop file), and waits for them (bounded).
    param([Parameter(Mandatory)] $Net)
    foreach ($process in $Net.Processes) {
        if (-not $process.Process.HasExited) {
            try { $process.Process.Kill() } catch { Write-Verbose "Process $($process.Process.Id): $($_.Exception.Message)" }
            $null = $process.Process.WaitForExit(10000)
        }
    }
}

function Get-McastPwshCommand {
    # The command that starts another PowerShell like this one: 'dotnet pwsh.dll' when this one runs
    # as a .NET tool, the executable itself otherwise.
    $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, [Environment]::GetCommandLineArgs()[0])
    }
    return @($exe)
}

function Start-McastNetNsScript {
    <#
    .SYNOPSIS
        Starts 'pwsh -File <Script> <Arguments>' inside a host's namespace (ip netns exec, which
        becomes the process: its id is the one kept), with its output and errors read in the
        background and MCASTCRYPTO_KNOWN_RELAYS in the run's work directory. Returns the record
        Wait-McastNetNsScript and Remove-McastNetNs use.
    #>
    param(
        [Parameter(Mandatory)] $Net,
        [Parameter(Mandatory)] [string] $HostName,
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [string] $Script,
        [string[]] $Arguments = @()
    )
    $info = [Diagnostics.ProcessStartInfo]::new('ip')
    foreach ($a in @('netns', 'exec', $Net.Hosts[$HostName].Namespace) + @(Get-McastPwshCommand) + @('-NoProfile', '-NonInteractive', '-File', $Script) + $Arguments) {
        $info.ArgumentList.Add([string]$a)
    }
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $info.Environment['MCASTCRYPTO_KNOWN_RELAYS'] = Join-Path $Net.WorkDirectory "$Name.known_relays"
    $process = [Diagnostics.Process]::Start($info)
    $record = [pscustomobject]@{
        Name    = $Name
        Host    = $HostName
        Process = $process
        Output  = $process.StandardOutput.ReadToEndAsync()
        Errors  = $process.StandardError.ReadToEndAsync()
    }
    $Net.Processes.Add($record)
    $record
}

function Wait-McastNetNsScript {
    # Waits (bounded) for a started script to end; kills it by its id when the time runs out.
    # Returns whether it ended by itself.
    param([Parameter(Mandatory)] $Record, [double] $TimeoutSeconds = 30)
    $ended = $Record.Process.WaitForExit([int]($TimeoutSeconds * 1000))
    if (-not $ended) {
        try { $Record.Process.Kill() } catch { Write-Verbose $_.Exception.Message }
        $null = $Record.Process.WaitForExit(10000)
    }
    $ended
}

function Read-McastNetNsEvent {
    # The JSON lines a host script has written so far, as objects (a line still being written is left for later).
    param([Parameter(Mandatory)] [string] $Path)
    if (-not (Test-Path -LiteralPath $Path)) { return }
    $text = [IO.File]::ReadAllText($Path)
    foreach ($line in $text.Split("`n")) {
        if ($line.Length -eq 0) { continue }
        try { $line | ConvertFrom-Json } catch { Write-Verbose "Incomplete line in ${Path}: $line" }
    }
}

function Wait-McastNetNsEvent {
    <#
    .SYNOPSIS
        Waits (bounded) until every one of the files holds an event of that kind (or an Error event)
        and returns those events, one per file, in the files' order. Throws, with what the scripts
        wrote, when the time runs out or a script reports an error.
    #>
    param(
        [Parameter(Mandatory)] [string[]] $Path,
        # One kind, or several (the first event of any of them counts).
        [Parameter(Mandatory)] [string[]] $Kind,
        [double] $TimeoutSeconds = 60,
        $Net
    )
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ($true) {
        $found = @(foreach ($p in $Path) {
                Read-McastNetNsEvent -Path $p | Where-Object { $_.Event -in (@($Kind) + 'Error') } | Select-Object -First 1
            })
        $errors = @($found | Where-Object Event -eq 'Error')
        if ($errors.Count -gt 0) {
            throw ("A host script failed: " + (($errors | ForEach-Object { "$($_.Name): $($_.Message)" }) -join "`n"))
        }
        if ($found.Count -eq $Path.Count) { return $found }
        if ([DateTime]::UtcNow -ge $deadline) {
            $detail = if ($Net) {
                ($Net.Processes | ForEach-Object {
                    $exited = if ($_.Process.HasExited) { "exited $($_.Process.ExitCode)" } else { 'running' }
                    $err = if ($_.Errors.IsCompleted) { $_.Errors.Result.Trim() } else { '' }
                    "$($_.Name) ($exited) $err"
                }) -join "`n"
            }
            throw "No '$($Kind -join "' or '")' event from $($Path.Count - $found.Count) of $($Path.Count) host scripts within $TimeoutSeconds s. $detail"
        }
        Start-Sleep -Milliseconds 100
    }
}

function Add-McastNetNsLoss {
    <#
    .SYNOPSIS
        Drops one in -Every UDP datagrams to -Port arriving at a host (nftables, input hook, in the
        host's namespace only: table inet mcnloss), counting what it drops.
    #>
    param([Parameter(Mandatory)] $Net, [Parameter(Mandatory)] [string] $HostName, [Parameter(Mandatory)] [int] $Port, [int] $Every = 10)
    $rules = Join-Path $Net.WorkDirectory "loss-$HostName.nft"
    Set-Content -LiteralPath $rules -Value @(
        'table inet mcnloss {'
        '    chain input {'
        '        type filter hook input priority 0; policy accept;'
        "        udp dport $Port numgen random mod $Every == 0 counter drop"
        '    }'
        '}'
    )
    $null = Invoke-McastNetNsIp @('netns', 'exec', $Net.Hosts[$HostName].Namespace, 'nft', '-f', $rules)
}

function Remove-McastNetNsLoss {
    # Removes the loss rule of a host (its table), if there is one.
    param([Parameter(Mandatory)] $Net, [Parameter(Mandatory)] [string] $HostName)
    $null = & ip netns exec $Net.Hosts[$HostName].Namespace nft delete table inet mcnloss 2>&1
}

function Get-McastNetNsLossCount {
    # How many datagrams the loss rule of a host has dropped so far (its counter).
    param([Parameter(Mandatory)] $Net, [Parameter(Mandatory)] [string] $HostName)
    $listing = Invoke-McastNetNsIp @('netns', 'exec', $Net.Hosts[$HostName].Namespace, 'nft', 'list', 'chain', 'inet', 'mcnloss', 'input')
    $line = $listing | Where-Object { $_ -match 'counter packets (\d+)' } | Select-Object -First 1
    if (-not $line) { throw "No counter in the loss rule of host ${HostName}: $($listing -join "`n")" }
    $null = $line -match 'counter packets (\d+)'
    [long]$Matches[1]
}

Export-ModuleMember -Function Get-McastNetNsSkipReason, New-McastNetNs, Remove-McastNetNs, Start-McastNetNsScript, Stop-McastNetNsScript, Wait-McastNetNsScript, Read-McastNetNsEvent, Wait-McastNetNsEvent, Add-McastNetNsLoss, Remove-McastNetNsLoss, Get-McastNetNsLossCount
