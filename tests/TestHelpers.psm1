# Shared by the Pester tests: where the staged module is, and random loopback endpoints.

# Secure sessions remember the relays they trust; a test must never write into the user's own
# known_relays. build.ps1 points this at out/TestResults; a file run on its own gets a temporary one.
if (-not $env:MCASTCRYPTO_KNOWN_RELAYS) {
    $env:MCASTCRYPTO_KNOWN_RELAYS = Join-Path ([IO.Path]::GetTempPath()) ("mcastcrypto-tests-$PID.known_relays")
}

function Get-McastTestModulePath {
    # build.ps1 passes the staged manifest in MCASTCRYPTO_MODULE; standalone runs use the default staging folder.
    if ($env:MCASTCRYPTO_MODULE) { return $env:MCASTCRYPTO_MODULE }
    return (Join-Path $PSScriptRoot '../out/McastCrypto/McastCrypto.psd1')
}

function Get-McastTestEndpoint {
    # A random group in 239.255.0.0/16 and a random port, so that parallel tests never hear each other.
    [pscustomobject]@{
        Group = '239.255.{0}.{1}' -f (Get-Random -Minimum 0 -Maximum 256), (Get-Random -Minimum 1 -Maximum 255)
        Port  = Get-Random -Minimum 20000 -Maximum 60000
    }
}


function New-McastTestNet {
    # The network parameters of New-McastSession and Start-McastRelay for a fresh loopback group.
    $endpoint = Get-McastTestEndpoint
    @{ Group = $endpoint.Group; Port = $endpoint.Port; Interface = 'Loopback' }
}

function Wait-McastCondition {
    # Polls a condition until it holds or the time runs out; returns whether it held.
    param([Parameter(Mandatory)] [scriptblock] $Condition, [double] $TimeoutSeconds = 10)
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    while ([DateTime]::UtcNow -lt $deadline) {
        if (& $Condition) { return $true }
        Start-Sleep -Milliseconds 50
    }
    return [bool](& $Condition)
}

function New-McastTestChannel {
    # A raw channel on the loopback interface, for sending hand-made datagrams to the group.
    param([Parameter(Mandatory)] $Endpoint)
    $options = [McastCrypto.Transport.MulticastOptions]::new()
    $options.Group = [ipaddress]$Endpoint.Group
    $options.Port = $Endpoint.Port
    $options.Interface = 'Loopback'
    [McastCrypto.Transport.MulticastChannel]::new($options)
}

function Send-McastTestDatagram {
    param([Parameter(Mandatory)] $Channel, [Parameter(Mandatory)] [byte[]] $Datagram)
    $Channel.Send($Datagram)
}

function Connect-McastTestMember {
    # A member made by hand on the wire: registers a key, sends CONNECT encrypted for the relay, and
    # then says nothing more (no keep-alives), as a member whose process died would.
    param([Parameter(Mandatory)] $Channel)
    $key = [McastCrypto.Crypto.RsaOaep]::Generate(2048)
    $pem = [Text.Encoding]::ASCII.GetBytes($key.PublicKey.ToPem())
    $Channel.Send((ConvertTo-Tlv -Type RegisterPublicKey -Value $pem))
    # The relay's key, asked for on the wire as a member does (TLV 7, answered with TLV 5).
    $relayKey = $null
    $Channel.Send((ConvertTo-Tlv -Type RequestServerKey))
    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (-not $relayKey -and [DateTime]::UtcNow -lt $deadline) {
        $cancel = [Threading.CancellationTokenSource]::new(500)
        try {
            $datagram = $Channel.ReceiveAsync($cancel.Token).GetAwaiter().GetResult()
        }
        catch [OperationCanceledException] {
            continue
        }
        $record = ConvertFrom-Tlv -InputObject $datagram.Payload -ErrorAction SilentlyContinue
        if ($record.Type -eq 'ServerPublicKey') {
            $relayKey = [McastCrypto.Crypto.RsaOaep]::ImportPublicKeyPem([Text.Encoding]::ASCII.GetString($record.Value))
        }
    }
    if (-not $relayKey) { throw 'The relay did not answer the key request within 10 s.' }
    foreach ($d in [McastCrypto.Protocol.Classic.ClassicMessages]::Encode([Text.Encoding]::UTF8.GetBytes('CONNECT'), $relayKey, 7, 256)) {
        $Channel.Send($d)
    }
    return $key
}

Export-ModuleMember -Function Get-McastTestModulePath, Get-McastTestEndpoint, New-McastTestNet, Wait-McastCondition, New-McastTestChannel, Send-McastTestDatagram, Connect-McastTestMember
