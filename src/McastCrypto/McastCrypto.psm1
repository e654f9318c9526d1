# Loads the build of McastCrypto that fits this PowerShell: net8.0 on PowerShell 7.4 and later
# (which run on .NET 8 or newer), netstandard2.0 on Windows PowerShell 5.1 and older PowerShell 7.
# MCASTCRYPTO_TARGETFRAMEWORK (net8.0 or netstandard2.0) overrides the choice, so that the
# netstandard2.0 build can be tested on PowerShell 7 in a process of its own.
$targetFramework = $env:MCASTCRYPTO_TARGETFRAMEWORK
if (-not $targetFramework) {
    if ($PSVersionTable.PSEdition -eq 'Core' -and $PSVersionTable.PSVersion -ge [version]'7.4') {
        $targetFramework = 'net8.0'
    }
    else {
        $targetFramework = 'netstandard2.0'
    }
}

$assemblyPath = Join-Path $PSScriptRoot (Join-Path 'lib' (Join-Path $targetFramework 'McastCrypto.dll'))
if (-not (Test-Path -LiteralPath $assemblyPath)) {
    throw "McastCrypto: the $targetFramework build is missing at '$assemblyPath'. Run ./build.ps1 -Task Build."
}

$binaryModule = Import-Module -Name $assemblyPath -PassThru -ErrorAction Stop
Export-ModuleMember -Cmdlet @($binaryModule.ExportedCmdlets.Keys)

$ExecutionContext.SessionState.Module.OnRemove = {
    # Sessions and relays still open are closed as Remove-McastSession / Stop-McastRelay would, and
    # a warning says how many: Remove-Module and Import-Module -Force end them (a relay's members
    # lose their relay), which a user may not expect.
    $closer = 'McastCrypto.Hosting.ProcessCleanup' -as [type]
    if (-not $closer) { return }
    $closed = @(foreach ($kind in $closer::CloseAll()) {
            if ($kind.Value -eq 1) { "1 $($kind.Key)" }
            elseif ($kind.Value -gt 1) { "$($kind.Value) $($kind.Key)s" }
        })
    if ($closed.Count -gt 0) {
        Write-Warning "Removing the McastCrypto module closed $($closed -join ' and ') still open, as Remove-McastSession and Stop-McastRelay would. Their objects stay Closed or Stopped; open new ones after Import-Module McastCrypto."
    }
}
