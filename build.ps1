<#
.SYNOPSIS
    Builds, tests, documents and demonstrates the McastCrypto module.
.DESCRIPTION
    Build  stages an importable module in out/McastCrypto (manifest, loader, format file, LICENSE,
           help, and the net8.0 and netstandard2.0 builds under lib/, each with a federation/ folder:
           the NATS bus and client, loaded only by Start-McastRelay -Federation).
    Docs   turns docs/en-US/*.md (PlatyPS's markdown schema) into MAML help in the staged module:
           with PlatyPS where it is installed, with build/Convert-HelpMarkdown.ps1 otherwise; and
           docs/en-US/about_*.md into about topics with build/Convert-AboutMarkdown.ps1.
    Test   builds, runs the xunit tests and the Pester tests (against the net8.0 build, then against
           the netstandard2.0 build in a process of its own) and ends with one line
           'Tests: N passed, N failed, N skipped'. Exits non-zero on any failure.
    Demo   builds and runs demo/Demo.ps1.
    Package builds (Release) and writes out/McastCrypto.<version>.nupkg of the staged module, which
           Install-PSResource and Save-PSResource install from a file repository. It publishes to a
           temporary file repository of its own (build/New-ModulePackage.ps1), so it needs
           Microsoft.PowerShell.PSResourceGet (PowerShell 7.4 and later ship it) and no network.
    Bench  builds and stages the module (the pipeline section reads it from a child PowerShell), then
           runs the benchmarks (src/McastCrypto.Bench, Release): prints a markdown report and writes
           it to out/bench.md and, with every figure and the machine's description, out/bench.json.
           -Quick runs a reduced grid in under a minute.
    Clean  removes out/ and the build's bin/obj folders.
.EXAMPLE
    dotnet tool restore && dotnet pwsh ./build.ps1 -Task Test
.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Package
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Docs', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string[]] $Task = @('Build'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Pester tests to run (a file or folder under tests/); all of them by default. Several may be given
    # as one comma-separated string too: 'pwsh -File' (how bash starts this script) passes a,b as one.
    [string[]] $TestPath,

    # Skip the second Pester pass against the netstandard2.0 build.
    [switch] $SkipNetStandardTests,

    # Bench: a reduced grid that runs in under a minute.
    [switch] $Quick
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'McastCrypto'
$ResultsDir = Join-Path $Out 'TestResults'
$PackagesDir = Join-Path $Root '.packages'
$PesterVersion = '6.2.0'
$TargetFrameworks = @('net8.0', 'netstandard2.0')

# The .NET SDK that runs this script may carry only a newer runtime than net8.0: let the tests roll forward.
$env:DOTNET_ROLL_FORWARD = 'Major'
$env:DOTNET_CLI_TELEMETRY_OPTOUT = '1'
$env:DOTNET_NOLOGO = '1'
$env:DOTNET_SKIP_FIRST_TIME_EXPERIENCE = '1'

function Write-Step([string] $Message) {
    Write-Host "==> $Message" -ForegroundColor Cyan
}

function Invoke-Native {
    # Runs a program and stops the build when it fails.
    param([Parameter(Mandatory)] [string] $FilePath, [string[]] $ArgumentList = @())
    & $FilePath @ArgumentList | Out-Host
    if ($LASTEXITCODE -ne 0) {
        throw "'$FilePath $($ArgumentList -join ' ')' failed with exit code $LASTEXITCODE."
    }
}

function Get-PwshCommand {
    # The command line that starts another PowerShell like this one: 'dotnet <pwsh.dll>' when this
    # one runs as a .NET tool, the executable itself otherwise.
    $exe = [System.Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
    if ([System.IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') {
        return @($exe, [Environment]::GetCommandLineArgs()[0])
    }
    return @($exe)
}

function Invoke-Build {
    # The federation project references McastCrypto: building it builds both.
    Write-Step "Building src/McastCrypto and src/McastCrypto.Federation (${Configuration}: $($TargetFrameworks -join ', '))"
    $project = Join-Path $Root 'src/McastCrypto.Federation/McastCrypto.Federation.csproj'
    Invoke-Native dotnet @('build', $project, '-c', $Configuration, '--nologo', '-v', 'quiet')

    Write-Step "Staging $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    Copy-Item (Join-Path $Root 'McastCrypto.psd1') $ModuleOut
    Copy-Item (Join-Path $Root 'src/McastCrypto/McastCrypto.psm1') $ModuleOut
    Copy-Item (Join-Path $Root 'src/McastCrypto/McastCrypto.Format.ps1xml') $ModuleOut
    Copy-Item (Join-Path $Root 'LICENSE') $ModuleOut
    foreach ($tfm in $TargetFrameworks) {
        $built = Join-Path $Root "src/McastCrypto/bin/$Configuration/$tfm"
        $lib = Join-Path $ModuleOut "lib/$tfm"
        $null = New-Item -ItemType Directory -Path $lib -Force
        Get-ChildItem $built -File | Where-Object { $_.Extension -in '.dll', '.pdb', '.xml' } |
            Copy-Item -Destination $lib
        # The NATS federation bus and the NATS client, in a folder of their own that the module loads
        # only for Start-McastRelay -Federation (Relay/FederationBusLoader.cs), never at import.
        # What the module's own folder holds (McastCrypto.dll, BouncyCastle) is not copied twice.
        $federationBuilt = Join-Path $Root "src/McastCrypto.Federation/bin/$Configuration/$tfm"
        $federation = Join-Path $lib 'federation'
        $null = New-Item -ItemType Directory -Path $federation -Force
        Get-ChildItem $federationBuilt -File | Where-Object {
            $_.Extension -in '.dll', '.pdb' -and -not (Test-Path -LiteralPath (Join-Path $lib $_.Name))
        } | Copy-Item -Destination $federation
    }
    Invoke-Docs
}

function Invoke-Docs {
    $docs = Join-Path $Root 'docs/en-US'
    $helpFile = 'McastCrypto.dll-Help.xml'
    $staged = Join-Path $ModuleOut "en-US/$helpFile"
    $null = New-Item -ItemType Directory -Path (Split-Path $staged) -Force
    $platyPS = Get-Module -ListAvailable -Name platyPS | Sort-Object Version -Descending | Select-Object -First 1
    if ($platyPS) {
        Write-Step "Help: PlatyPS $($platyPS.Version) -> $staged"
        Import-Module $platyPS
        $null = New-ExternalHelp -Path $docs -OutputPath (Split-Path $staged) -Force
    }
    else {
        Write-Step "Help: build/Convert-HelpMarkdown.ps1 (PlatyPS is not installed) -> $staged"
        & (Join-Path $Root 'build/Convert-HelpMarkdown.ps1') -Path $docs -OutputPath $staged
    }
    # PowerShell looks for a binary module's help beside the assembly, so each build gets a copy.
    foreach ($tfm in $TargetFrameworks) {
        $dir = Join-Path $ModuleOut "lib/$tfm/en-US"
        $null = New-Item -ItemType Directory -Path $dir -Force
        Copy-Item $staged $dir
    }
    # About topics: Get-Help prints their text file as it is, so it is made to read as one (titles,
    # wrapped and indented paragraphs, no markdown marks), with or without PlatyPS.
    foreach ($about in @(Get-ChildItem -LiteralPath $docs -Filter 'about_*.md' -File)) {
        $topic = Join-Path $ModuleOut "en-US/$($about.BaseName).help.txt"
        & (Join-Path $Root 'build/Convert-AboutMarkdown.ps1') -Path $about.FullName -OutputPath $topic
    }
}

function Get-PesterModulePath {
    $manifest = Join-Path $PackagesDir "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $manifest)) {
        Write-Step "Restoring Pester $PesterVersion from NuGet into $PackagesDir"
        Invoke-Native dotnet @('restore', (Join-Path $Root 'build/BuildTools.csproj'), '--packages', $PackagesDir, '--nologo', '-v', 'quiet')
    }
    if (-not (Test-Path $manifest)) { throw "Pester $PesterVersion was restored but $manifest is missing." }
    return $manifest
}

function Read-TrxCounts([string] $Path) {
    [xml] $trx = Get-Content -LiteralPath $Path -Raw
    $counters = $trx.TestRun.ResultSummary.Counters
    return [pscustomobject]@{
        Passed  = [int]$counters.passed
        Failed  = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted
        Skipped = [int]$counters.notExecuted
    }
}

function Invoke-XunitTests {
    Write-Step 'xunit: tests/McastCrypto.Tests'
    $trxName = 'xunit.trx'
    $trxPath = Join-Path $ResultsDir $trxName
    if (Test-Path $trxPath) { Remove-Item $trxPath -Force }
    & dotnet test (Join-Path $Root 'tests/McastCrypto.Tests/McastCrypto.Tests.csproj') -c $Configuration --nologo `
        --logger "trx;LogFileName=$trxName" --logger 'console;verbosity=minimal' --results-directory $ResultsDir | Out-Host
    $exit = $LASTEXITCODE
    if (-not (Test-Path $trxPath)) {
        Write-Host "xunit produced no results (exit code $exit): counted as one failure." -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    $counts = Read-TrxCounts $trxPath
    if ($exit -ne 0 -and $counts.Failed -eq 0) { $counts.Failed = 1 }
    return $counts
}

function Invoke-PesterTests([string] $TargetFramework) {
    Write-Step "Pester against the $TargetFramework build"
    $pester = Get-PesterModulePath
    $summary = Join-Path $ResultsDir "pester-$TargetFramework.json"
    if (Test-Path $summary) { Remove-Item $summary -Force }
    $paths = if ($TestPath) { @($TestPath -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ }) } else { @(Join-Path $Root 'tests') }
    $pwsh = @(Get-PwshCommand)
    $runner = Join-Path $Root 'build/Invoke-PesterSuite.ps1'
    # -File passes each argument as one string: several paths travel as one, split by the runner.
    $arguments = @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $runner,
        '-PesterPath', $pester, '-ModulePath', (Join-Path $ModuleOut 'McastCrypto.psd1'),
        '-TargetFramework', $TargetFramework, '-SummaryPath', $summary, '-Path', ($paths -join [IO.Path]::PathSeparator))
    # To the console, not into this function's output: the caller adds up what it returns.
    & $pwsh[0] @arguments | Out-Host
    if (-not (Test-Path $summary)) {
        Write-Host "Pester ($TargetFramework) wrote no summary (exit code $LASTEXITCODE): counted as one failure." -ForegroundColor Red
        return [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 }
    }
    return Get-Content $summary -Raw | ConvertFrom-Json
}

function Invoke-Test {
    Invoke-Build
    $null = New-Item -ItemType Directory -Path $ResultsDir -Force
    # Sessions remember the relays they trust (known_relays); the tests must not write into the user's own file.
    $env:MCASTCRYPTO_KNOWN_RELAYS = Join-Path $ResultsDir 'known_relays'
    Remove-Item -LiteralPath $env:MCASTCRYPTO_KNOWN_RELAYS -ErrorAction SilentlyContinue
    $results = @(Invoke-XunitTests)
    $results += Invoke-PesterTests 'net8.0'
    if (-not $SkipNetStandardTests) {
        $results += Invoke-PesterTests 'netstandard2.0'
    }
    $passed = ($results | Measure-Object Passed -Sum).Sum
    $failed = ($results | Measure-Object Failed -Sum).Sum
    $skipped = ($results | Measure-Object Skipped -Sum).Sum
    Write-Host ''
    Write-Host "Tests: $passed passed, $failed failed, $skipped skipped"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Write-Step 'Demo'
    & (Join-Path $Root 'demo/Demo.ps1') -ModulePath (Join-Path $ModuleOut 'McastCrypto.psd1')
}

function Invoke-Package {
    if ($Configuration -ne 'Release') {
        throw "Package ships the Release build; run it without -Configuration $Configuration."
    }
    Invoke-Build
    Write-Step "Packing $ModuleOut"
    $package = & (Join-Path $Root 'build/New-ModulePackage.ps1') -ModulePath $ModuleOut -OutputPath $Out
    Write-Host "Package: $($package.FullName) ($([Math]::Round($package.Length / 1MB, 1)) MB)"
}

function Invoke-Bench {
    # The pipeline section runs Receive-McastMessage in a child 'dotnet pwsh' on the staged module.
    Invoke-Build
    Write-Step 'Benchmarks (Release; close other work for steadier numbers)'
    $project = Join-Path $Root 'src/McastCrypto.Bench/McastCrypto.Bench.csproj'
    $arguments = @('run', '--project', $project, '-c', 'Release', '--', '--output', (Join-Path $Out 'bench.json'))
    if ($Quick) { $arguments += '--quick' }
    Invoke-Native dotnet $arguments
}

function Invoke-Clean {
    Write-Step 'Clean'
    foreach ($path in @($Out, (Join-Path $Root 'src/McastCrypto/bin'), (Join-Path $Root 'src/McastCrypto/obj'),
            (Join-Path $Root 'tests/McastCrypto.Tests/bin'), (Join-Path $Root 'tests/McastCrypto.Tests/obj'),
            (Join-Path $Root 'src/McastCrypto.Federation/bin'), (Join-Path $Root 'src/McastCrypto.Federation/obj'),
            (Join-Path $Root 'src/McastCrypto.Bench/bin'), (Join-Path $Root 'src/McastCrypto.Bench/obj'))) {
        if (Test-Path $path) { Remove-Item $path -Recurse -Force }
    }
}

foreach ($t in $Task) {
    switch ($t) {
        'Build' { Invoke-Build }
        'Docs' { Invoke-Docs }
        'Test' { Invoke-Test }
        'Demo' { Invoke-Demo }
        'Bench' { Invoke-Bench }
        'Package' { Invoke-Package }
        'Clean' { Invoke-Clean }
    }
}
