BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:manifestPath = Get-McastTestModulePath
    $script:module = Import-Module $manifestPath -Force -PassThru
}

Describe 'The McastCrypto module' {
    It 'exports exactly the cmdlets its manifest lists' {
        $manifest = Import-PowerShellDataFile $manifestPath
        @($module.ExportedCmdlets.Keys | Sort-Object) | Should -Be @($manifest.CmdletsToExport | Sort-Object)
        @($module.ExportedFunctions.Keys).Count | Should -Be 0
    }

    It 'loads the build that fits this PowerShell' {
        $expected = if ($env:MCASTCRYPTO_TARGETFRAMEWORK) { $env:MCASTCRYPTO_TARGETFRAMEWORK } else { 'net8.0' }
        $assembly = [McastCrypto.Tlv.TlvRecord].Assembly
        Split-Path (Split-Path $assembly.Location) -Leaf | Should -Be $expected
    }

    It 'ships its licence, the repository''s LICENSE, beside the manifest' {
        $licence = Join-Path (Split-Path $manifestPath) 'LICENSE'
        $licence | Should -Exist
        Get-Content -LiteralPath $licence -Raw | Should -BeExactly (Get-Content -LiteralPath (Join-Path $PSScriptRoot '../LICENSE') -Raw)
        (Import-PowerShellDataFile $manifestPath).Copyright | Should -Match 'MIT'
    }

    It 'declares both editions and PowerShell 5.1' {
        $manifest = Import-PowerShellDataFile $manifestPath
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion | Should -Be '5.1'
        [version]$manifest.ModuleVersion | Should -BeOfType [version]
    }
}
