# McastCrypto against a Classic client written independently from docs/protocol.md, in Python with
# the 'cryptography' package, as the seed article's author would have written it.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    # Secure is the default: everything here is about the Classic protocol.
    # A variable of this file's own (not the global one): other test files keep the default.
    $PSDefaultParameterValues = @{ 'New-McastSession:Protocol' = 'Classic'; 'Start-McastRelay:Protocol' = 'Classic' }
    $script:python = (Get-Command python3, python -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1).Source
    $script:pythonReady = $false
    if ($python) {
        & $python -c 'import cryptography' 2>$null
        $script:pythonReady = $LASTEXITCODE -eq 0
    }
    $script:client = Join-Path $PSScriptRoot 'interop/classic_client.py'
    $script:relayScript = Join-Path $PSScriptRoot 'interop/classic_relay.py'

    function Start-Python([string[]] $Arguments) {
        $info = [Diagnostics.ProcessStartInfo]::new($python)
        foreach ($argument in $Arguments) { $info.ArgumentList.Add($argument) }
        $info.RedirectStandardOutput = $true
        $info.UseShellExecute = $false
        [Diagnostics.Process]::Start($info)
    }
}

Describe 'A Python Classic client written from the page' {
    It 'joins our relay, and messages go both ways with a PowerShell session' {
        if (-not $pythonReady) {
            Set-ItResult -Skipped -Because 'python3 with the cryptography package is not installed'
            return
        }
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $session = New-McastSession 'ps' @net
        $process = $null
        try {
            $process = Start-Python $client, $net.Group, ([string]$net.Port), 'ciao da Python, è vero €', '8'
            $output = $process.StandardOutput.ReadToEndAsync()

            # The Python client joins, then sends its text; the session hears both.
            $heard = @(Receive-McastMessage -Session $session -Count 3 -Timeout 20)
            $message = $heard | Where-Object Kind -eq Message
            $message.Text | Should -Be 'ciao da Python, è vero €'
            $pythonAt = $message.SenderAddress
            ($heard | Where-Object Kind -eq Joined).SenderAddress | Should -Contain $pythonAt

            Send-McastMessage -Session $session -Message ('ciao Python! ' + ('ü' * 120))
            $process.WaitForExit(30000) | Should -BeTrue
            $lines = $output.GetAwaiter().GetResult() -split "`r?`n"
            $lines | Should -Contain 'KEY'
            $lines | Should -Contain "ME $pythonAt"
            $lines | Should -Contain "JOINED $pythonAt"
            # A text of 253 bytes reaches a member as two blocks, split on a character boundary.
            $received = $lines | Where-Object { $_ -like "MSG $($session.LocalEndPoint) *" } | ForEach-Object { $_.Substring("MSG $($session.LocalEndPoint) ".Length) }
            -join $received | Should -Be ('ciao Python! ' + ('ü' * 120))

            # Its DISCONNECT: the relay forgets it and tells the session.
            (Receive-McastMessage -Session $session -Count 1 -Timeout 10).Kind | Should -Be 'Left'
            @($relay.Members).Count | Should -Be 1
            $relay.Drops.Keys | Should -Not -Contain 'UndecryptableBlock'
            $relay.Drops.Keys | Should -Not -Contain 'MalformedFragment'
        }
        finally {
            if ($process -and -not $process.HasExited) { $process.Kill() }
            $session | Remove-McastSession
            $relay | Stop-McastRelay
        }
    }
}

Describe 'A Python Classic relay written from the page' {
    It 'serves our sessions: they join, exchange messages, and leave' {
        if (-not $pythonReady) {
            Set-ItResult -Skipped -Because 'python3 with the cryptography package is not installed'
            return
        }
        $net = New-McastTestNet
        $process = Start-Python $relayScript, $net.Group, ([string]$net.Port), '12'
        try {
            $ready = $process.StandardOutput.ReadLineAsync()
            $ready.Wait(15000) | Should -BeTrue
            $ready.Result | Should -Match '^READY '
            $output = $process.StandardOutput.ReadToEndAsync()

            $alice = New-McastSession 'alice' @net -Timeout 10
            $bob = New-McastSession 'bob' @net -Timeout 10
            $alice.State, $bob.State | Should -Be @('Connected', 'Connected')
            $null = Receive-McastMessage -Session $alice -Count 2 -Timeout 5
            $null = Receive-McastMessage -Session $bob -Count 1 -Timeout 5

            $text = 'da alice a bob: ' + ('ß' * 200)
            Send-McastMessage -Session $alice -Message $text
            $blocks = @(Receive-McastMessage -Session $bob -Count 3 -Timeout 10)
            ($blocks | Where-Object Kind -eq Message).SenderAddress | Sort-Object -Unique | Should -Be $alice.LocalEndPoint
            -join $blocks.Text | Should -Be $text

            $bob | Remove-McastSession
            $left = @(Receive-McastMessage -Session $alice -Count 1 -Timeout 10)
            $left[0].Kind | Should -Be 'Left'
            $left[0].SenderAddress | Should -Be $bob.LocalEndPoint
            $alice | Remove-McastSession
            $process.WaitForExit(30000) | Should -BeTrue
            $lines = $output.GetAwaiter().GetResult() -split "`r?`n"
            $lines | Should -Contain "JOINED $($alice.LocalEndPoint)"
            $lines | Should -Contain "RELAYED $($alice.LocalEndPoint) 1"
            $lines | Should -Contain "LEFT $($bob.LocalEndPoint)"
            $lines | Should -Contain "LEFT $($alice.LocalEndPoint)"
        }
        finally {
            if ($process -and -not $process.HasExited) { $process.Kill() }
            Get-McastSession | Remove-McastSession
        }
    }
}
