<#
.SYNOPSIS
    The McastCrypto demo: builds a seed-style datagram and decodes it back.
.DESCRIPTION
    Run it with `dotnet pwsh ./build.ps1 -Task Demo`, which builds and stages the module first.
#>
[CmdletBinding()]
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../out/McastCrypto/McastCrypto.psd1')
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

Write-Host "`nA relayed message as the Classic relay sends it: SenderInfo(sender 127.0.0.1:50000, RelayedMessage(ciphertext))" -ForegroundColor Green
$ciphertext = [byte[]]::new(16)
[System.Security.Cryptography.RandomNumberGenerator]::Create().GetBytes($ciphertext)
$sender = [byte[]](127, 0, 0, 1, 0xC3, 0x50)
$relayed = ConvertTo-Tlv -Type RelayedMessage -Value $ciphertext | ConvertFrom-Tlv
$datagram = ConvertTo-Tlv -Type SenderInfo -Value ($sender + $relayed.ToBytes())

Write-Host "`nThe datagram in hex:" -ForegroundColor Green
ConvertTo-Tlv -Type SenderInfo -Value ($sender + $relayed.ToBytes()) -AsHex

Write-Host "`nDecoded with ConvertFrom-Tlv -Recurse:" -ForegroundColor Green
$record = ConvertFrom-Tlv -InputObject $datagram -Recurse
$record | Format-Table | Out-Host
$record.Decoded | Format-List Address, Port, Inner | Out-Host
$record.Decoded.Inner | Format-Table | Out-Host
