<#
.SYNOPSIS
    Runs the Pester tests against one build of the staged module, in this process, and writes the
    counts as JSON for build.ps1 to add up. build.ps1 starts it in a process of its own per build,
    because one process can load only one McastCrypto.dll.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [ValidateSet('net8.0', 'netstandard2.0')] [string] $TargetFramework,
    [Parameter(Mandatory)] [string] $SummaryPath,
    # Test files or folders; several may come as one string, separated by the path separator
    # (build.ps1 starts this script with -File, which cannot pass an array).
    [Parameter(Mandatory)] [string[]] $Path
)

$ErrorActionPreference = 'Stop'
$env:MCASTCRYPTO_TARGETFRAMEWORK = $TargetFramework
$env:MCASTCRYPTO_MODULE = $ModulePath

Import-Module $PesterPath -Force
$config = New-PesterConfiguration
$config.Run.Path = @($Path | ForEach-Object { $_ -split [regex]::Escape([IO.Path]::PathSeparator) } | Where-Object { $_ })
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Normal'
$config.Should.ErrorAction = 'Stop'
$result = Invoke-Pester -Configuration $config

# A container that failed to run (a syntax error) is a failure too; a block whose BeforeAll failed
# marks its tests failed already, so it counts only when no test carries its failure.
$failed = $result.FailedCount + $result.FailedContainersCount
if ($result.FailedCount -eq 0) { $failed += $result.FailedBlocksCount }
# No result at all (Invoke-Pester stopped early, a path it could not find): a run that ran nothing
# must not pass.
if ($null -eq $result) { $failed = 1 }
[pscustomobject]@{
    TargetFramework = $TargetFramework
    Passed          = $result.PassedCount
    Failed          = $failed
    Skipped         = $result.SkippedCount
} | ConvertTo-Json | Set-Content -LiteralPath $SummaryPath -Encoding utf8
