<#
.SYNOPSIS
    Packs a staged module folder into a .nupkg that Install-PSResource and Save-PSResource install
    from a file repository, and returns the package file.
.DESCRIPTION
    Uses Microsoft.PowerShell.PSResourceGet, which PowerShell 7.4 and later ship: the module is
    published to a file repository made for the purpose, in a temporary folder and under a name of its
    own, and the .nupkg that Publish-PSResource writes there is copied to -OutputPath. The temporary
    repository is unregistered and its folder removed whatever happens, so the user's own
    repositories are never touched. Publishing to a folder needs no network.

    build.ps1 -Task Package runs it on out/McastCrypto; tests/Package.Tests.ps1 runs it too.
.OUTPUTS
    System.IO.FileInfo: the package, named <module>.<version>.nupkg (the version as NuGet writes it).
#>
[CmdletBinding()]
param(
    # The staged module folder: the manifest, the loader and everything else the module needs.
    [Parameter(Mandatory)] [string] $ModulePath,

    # The folder the package is written to (made if missing); a package of the same name is replaced.
    [Parameter(Mandatory)] [string] $OutputPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$ModulePath = (Resolve-Path -LiteralPath $ModulePath).ProviderPath
$name = Split-Path -Leaf $ModulePath
if (-not (Test-Path -LiteralPath (Join-Path $ModulePath "$name.psd1"))) {
    throw "No module manifest $name.psd1 in ${ModulePath}: stage the module first (build.ps1 -Task Build)."
}
if (-not (Get-Module -ListAvailable -Name Microsoft.PowerShell.PSResourceGet)) {
    throw 'Packaging needs the Microsoft.PowerShell.PSResourceGet module (it comes with PowerShell 7.4 and later).'
}
Import-Module Microsoft.PowerShell.PSResourceGet

$null = New-Item -ItemType Directory -Path $OutputPath -Force
$OutputPath = (Resolve-Path -LiteralPath $OutputPath).ProviderPath

# A name and a folder no one else uses: the repository exists only while this script runs.
$repository = "$name-package-$([guid]::NewGuid().ToString('N'))"
$feed = Join-Path ([IO.Path]::GetTempPath()) $repository
$null = New-Item -ItemType Directory -Path $feed
try {
    Register-PSResourceRepository -Name $repository -Uri $feed -Trusted
    try {
        Publish-PSResource -Path $ModulePath -Repository $repository
    }
    finally {
        Unregister-PSResourceRepository -Name $repository
    }

    $built = @(Get-ChildItem -LiteralPath $feed -Filter "$name.*.nupkg" -File)
    if ($built.Count -ne 1) {
        throw "Publish-PSResource left $($built.Count) packages of $name in $feed, not one."
    }
    Copy-Item -LiteralPath $built[0].FullName -Destination $OutputPath -Force
    Get-Item -LiteralPath (Join-Path $OutputPath $built[0].Name)
}
finally {
    Remove-Item -LiteralPath $feed -Recurse -Force -ErrorAction SilentlyContinue
}
