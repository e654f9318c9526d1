# Shared by the Pester tests: where the staged module is, and random loopback endpoints.

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

Export-ModuleMember -Function Get-McastTestModulePath, Get-McastTestEndpoint
