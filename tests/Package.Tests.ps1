<#
    The package build.ps1 -Task Package writes, made here by the same script (build/New-ModulePackage.ps1)
    from the staged module under test: it holds the module, PSResourceGet installs it from a file
    repository, and the installed copy imports in a new PowerShell and exports the manifest's cmdlets.

    Everything goes into $TestDrive: the package, a file repository registered under a name of its own
    (unregistered in AfterAll), and the module saved with Save-PSResource -Path. Nothing is installed
    into the user's module folders.
#>

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:moduleDir = Split-Path -Parent (Get-McastTestModulePath)
    $script:manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $moduleDir 'McastCrypto.psd1')
    $script:version = [version]$manifest.ModuleVersion
    $script:hasPSResourceGet = $null -ne (Get-Module -ListAvailable -Name Microsoft.PowerShell.PSResourceGet)
    $script:noPSResourceGet = 'Microsoft.PowerShell.PSResourceGet is not installed (PowerShell 7.4 and later ship it)'
    if (-not $hasPSResourceGet) { return }

    Import-Module Microsoft.PowerShell.PSResourceGet
    $script:repositoriesBefore = @(Get-PSResourceRepository | ForEach-Object { "$($_.Name) $($_.Uri)" } | Sort-Object)
    $script:feed = Join-Path $TestDrive 'feed'
    $script:package = & (Join-Path $PSScriptRoot '../build/New-ModulePackage.ps1') -ModulePath $moduleDir -OutputPath $feed
    $script:repositoriesAfterPacking = @(Get-PSResourceRepository | ForEach-Object { "$($_.Name) $($_.Uri)" } | Sort-Object)

    $script:repository = "McastCryptoTest-$([guid]::NewGuid().ToString('N'))"
    Register-PSResourceRepository -Name $repository -Uri $feed -Trusted
    $script:saved = Join-Path $TestDrive 'saved'
    $null = New-Item -ItemType Directory -Path $saved
    Save-PSResource -Name McastCrypto -Repository $repository -Path $saved -TrustRepository -Quiet
    $script:installed = Join-Path $saved 'McastCrypto'
}

AfterAll {
    if ($hasPSResourceGet -and (Get-PSResourceRepository -Name $repository -ErrorAction SilentlyContinue)) {
        Unregister-PSResourceRepository -Name $repository
    }
}

Describe 'The McastCrypto package' {
    It 'is McastCrypto.<version>.nupkg, with the manifest''s id, version, licence note and release notes' {
        if (-not $hasPSResourceGet) { Set-ItResult -Skipped -Because $noPSResourceGet; return }
        $package.Name | Should -Be "McastCrypto.$($version.ToString(3)).nupkg"
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($package.FullName)
        try {
            $entries = @($zip.Entries | ForEach-Object FullName)
            $reader = [IO.StreamReader]::new($zip.GetEntry('McastCrypto.nuspec').Open())
            try { [xml] $nuspec = $reader.ReadToEnd() } finally { $reader.Dispose() }
        }
        finally {
            $zip.Dispose()
        }
        foreach ($file in 'McastCrypto.psd1', 'McastCrypto.psm1', 'McastCrypto.Format.ps1xml', 'LICENSE',
            'en-US/McastCrypto.dll-Help.xml', 'lib/net8.0/McastCrypto.dll', 'lib/netstandard2.0/McastCrypto.dll',
            'lib/net8.0/BouncyCastle.Cryptography.dll', 'lib/netstandard2.0/BouncyCastle.Cryptography.dll',
            'lib/net8.0/federation/McastCrypto.Federation.dll', 'lib/net8.0/federation/NATS.Client.Core.dll',
            'lib/netstandard2.0/federation/McastCrypto.Federation.dll', 'lib/netstandard2.0/federation/NATS.Client.Core.dll') {
            $entries | Should -Contain $file
        }
        # The federation folder holds what the module's own folder does not: McastCrypto.dll is loaded once.
        foreach ($tfm in 'net8.0', 'netstandard2.0') {
            $entries | Should -Not -Contain "lib/$tfm/federation/McastCrypto.dll"
            $entries | Should -Not -Contain "lib/$tfm/federation/BouncyCastle.Cryptography.dll"
        }
        $nuspec.package.metadata.id | Should -Be 'McastCrypto'
        [version]$nuspec.package.metadata.version | Should -Be $version
        $nuspec.package.metadata.copyright | Should -Be $manifest.Copyright
        $nuspec.package.metadata.releaseNotes | Should -Be $manifest.PrivateData.PSData.ReleaseNotes
    }

    It 'leaves the repositories as they were: the one it published to is gone' {
        if (-not $hasPSResourceGet) { Set-ItResult -Skipped -Because $noPSResourceGet; return }
        $repositoriesAfterPacking | Should -Be $repositoriesBefore
    }

    It 'installs from a file repository with Save-PSResource, licence included' {
        if (-not $hasPSResourceGet) { Set-ItResult -Skipped -Because $noPSResourceGet; return }
        $found = @(Find-PSResource -Name McastCrypto -Repository $repository)
        $found.Count | Should -Be 1
        $found[0].Version | Should -Be $version
        $versionDir = Join-Path $installed $version.ToString(3)
        Join-Path $versionDir 'McastCrypto.psd1' | Should -Exist
        Get-Content -LiteralPath (Join-Path $versionDir 'LICENSE') -Raw | Should -BeExactly (Get-Content -LiteralPath (Join-Path $moduleDir 'LICENSE') -Raw)
    }

    It 'imports from where it was saved in a new PowerShell, exports the manifest''s cmdlets, and works' {
        if (-not $hasPSResourceGet) { Set-ItResult -Skipped -Because $noPSResourceGet; return }
        # Another PowerShell like this one ('dotnet pwsh.dll' when running as a .NET tool); it inherits
        # MCASTCRYPTO_TARGETFRAMEWORK, so it loads the build this pass tests.
        $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $arguments = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $arguments += [Environment]::GetCommandLineArgs()[0] }
        $script = {
            param($Installed)
            $ErrorActionPreference = 'Stop'
            $module = Import-Module $Installed -PassThru
            [pscustomobject]@{
                ModuleBase = $module.ModuleBase
                Cmdlets    = @($module.ExportedCmdlets.Keys | Sort-Object)
                Assembly   = [McastCrypto.Tlv.TlvRecord].Assembly.Location
                Decoded    = (ConvertTo-Tlv KeepAlive | ConvertFrom-Tlv).TypeName
                Synopsis   = "$((Get-Help Watch-McastGroup).Synopsis)"
            } | ConvertTo-Json -Compress
        }
        $encoded = [Convert]::ToBase64String([Text.Encoding]::Unicode.GetBytes("& { $script } '$($installed -replace "'", "''")'"))
        $arguments += '-NoProfile', '-NonInteractive', '-EncodedCommand', $encoded
        $output = & $exe @arguments 2>&1
        $LASTEXITCODE | Should -Be 0 -Because "the child said: $output"
        $result = ($output | Select-Object -Last 1) | ConvertFrom-Json

        $result.ModuleBase | Should -BeLike "$saved*"
        $result.Assembly | Should -BeLike "$saved*"
        $result.Cmdlets | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        $result.Decoded | Should -Be 'KeepAlive'
        $result.Synopsis | Should -Not -BeNullOrEmpty
        $result.Synopsis | Should -Not -Match '^Watch-McastGroup'
    }
}
