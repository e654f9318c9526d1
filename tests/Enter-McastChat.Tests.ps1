BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:modulePath = (Resolve-Path (Get-McastTestModulePath)).Path
}

Describe 'Enter-McastChat' {
    It 'sends what is typed, shows what arrives, and ends on /quit, closing the session with -RemoveSession' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $listener = New-McastSession 'listener' @net
        $chat = $null
        try {
            # A PowerShell like this one ('dotnet pwsh.dll' when running as a .NET tool), its input redirected.
            $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            $info = [Diagnostics.ProcessStartInfo]::new($exe)
            if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $info.ArgumentList.Add([Environment]::GetCommandLineArgs()[0]) }
            foreach ($argument in '-NoProfile', '-NonInteractive', '-Command', "Import-Module '$modulePath'; New-McastSession chatter -Group $($net.Group) -Port $($net.Port) -Interface Loopback | Enter-McastChat -RemoveSession") {
                $info.ArgumentList.Add($argument)
            }
            $info.RedirectStandardInput = $true
            $info.RedirectStandardOutput = $true
            $info.UseShellExecute = $false
            $chat = [Diagnostics.Process]::Start($info)
            $chat.StandardInput.AutoFlush = $true
            $output = $chat.StandardOutput.ReadToEndAsync()

            Wait-McastCondition { @($relay.Members | Where-Object Connected).Count -eq 2 } 30 | Should -BeTrue
            $chat.StandardInput.WriteLine('ciao dalla chat')
            # The listener's own join, the chatter's join, then the message.
            $heard = @(Receive-McastMessage -Session $listener -Count 3 -Timeout 10)
            ($heard | Where-Object Kind -eq Message).Text | Should -Be 'ciao dalla chat'

            Send-McastMessage -Session $listener -Message ('risposta ' + ('è' * 150))
            Start-Sleep -Milliseconds 1000
            $chat.StandardInput.WriteLine('/peers')
            $chat.StandardInput.WriteLine('/quit')
            $chat.WaitForExit(20000) | Should -BeTrue
            $text = $output.GetAwaiter().GetResult()

            $text | Should -Match 'Chat in .* as chatter'
            # The reply is two Classic blocks; the chat shows them as one line.
            $text | Should -Match ([regex]::Escape("listener") + '|' + [regex]::Escape($listener.LocalEndPoint.ToString()))
            $text | Should -Match ('risposta ' + ('è' * 150))
            $text | Should -Match '\(you\)'
            Wait-McastCondition { @($relay.Members).Count -eq 1 } 5 | Should -BeTrue
        }
        finally {
            if ($chat -and -not $chat.HasExited) { $chat.Kill() }
            Get-McastSession | Remove-McastSession
            $relay | Stop-McastRelay
        }
    }
}
