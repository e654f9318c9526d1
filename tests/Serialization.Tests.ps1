# Messages, peers and send results hold their live session (for $message | Remove-McastSession and
# the like): ConvertTo-Json must not write the whole session into each of them, and the pipeline
# must still find the session.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    # The net8.0 build marks Session [JsonIgnore] (PowerShell 7 ships the attribute's assembly); the
    # netstandard2.0 build cannot, since Windows PowerShell 5.1 has no Newtonsoft.Json to resolve it.
    $script:build = Split-Path -Leaf (Split-Path ([McastCrypto.Session.McastSession].Assembly.Location))
}

Describe 'Objects that hold a session, as JSON and in listings' {
    BeforeAll {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $alice = New-McastSession 'alice' @net @pin
        $bob = New-McastSession 'bob' @net @pin
        $null = Wait-McastCondition { @(Get-McastPeer -Session $bob -ExcludeSelf).Count -eq 1 } 5
        $null = Receive-McastMessage -Session $bob
        $sent = Send-McastMessage -Session $alice -Message 'hello json' -PassThru
        $message = Receive-McastMessage -Session $bob -Count 1 -Timeout 10
        $peer = Get-McastPeer -Session $bob -ExcludeSelf

        function Test-NoSession([string] $Json) {
            # What a whole session would bring: its own properties, none of which a message, peer or result has.
            foreach ($internal in 'LocalEndPoint', 'CreatedAt', 'RelayKeyFingerprint', 'MessagesOutstanding', 'Drops') {
                if ($Json -match "`"$internal`"") { "the JSON holds the session's $internal" }
            }
        }
    }

    AfterAll {
        Get-McastSession | Remove-McastSession
        $relay | Stop-McastRelay
    }

    It 'writes a message as its own properties, naming its session, not the session itself' {
        if ($script:build -ne 'net8.0') {
            Set-ItResult -Skipped -Because "the $script:build build has no [JsonIgnore] (Windows PowerShell 5.1 could not resolve it): ConvertTo-Json still writes Session there"
            return
        }
        $message.Text | Should -Be 'hello json'
        $json = $message | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
        Test-NoSession $json | Should -BeNullOrEmpty
        $back = $json | ConvertFrom-Json
        $back.PSObject.Properties.Name | Should -Not -Contain 'Session'
        $back.SessionName | Should -Be 'bob'
        $back.Text | Should -Be 'hello json'
        $back.SenderName | Should -Be 'alice'
        $json.Length | Should -BeLessThan 2500 -Because 'a short text and its sender, not a session'

        # The same inside an array and inside another object.
        $many = @($message, $message) | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
        Test-NoSession $many | Should -BeNullOrEmpty
        @($many | ConvertFrom-Json).SessionName | Should -Be @('bob', 'bob')
        $nested = [pscustomobject]@{ Got = $message } | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
        Test-NoSession $nested | Should -BeNullOrEmpty
        ($nested | ConvertFrom-Json).Got.SessionName | Should -Be 'bob'
    }

    It 'writes peers and send results without their session too' {
        if ($script:build -ne 'net8.0') {
            Set-ItResult -Skipped -Because "the $script:build build has no [JsonIgnore] (Windows PowerShell 5.1 could not resolve it): ConvertTo-Json still writes Session there"
            return
        }
        $peerJson = $peer | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
        Test-NoSession $peerJson | Should -BeNullOrEmpty
        ($peerJson | ConvertFrom-Json).SessionName | Should -Be 'bob'
        ($peerJson | ConvertFrom-Json).Name | Should -Be 'alice'
        $sentJson = $sent | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
        Test-NoSession $sentJson | Should -BeNullOrEmpty
        ($sentJson | ConvertFrom-Json).SessionName | Should -Be 'alice'
        ($sentJson | ConvertFrom-Json).MessageId | Should -Be $sent.MessageId
    }

    It 'keeps Session out of listings, and within reach: $message.Session and pipeline binding' {
        ($message | Format-List | Out-String) | Should -Not -Match '(?m)^Session\s*:'
        ($message | Format-List | Out-String) | Should -Match '(?m)^SessionName\s*: bob'
        ($message | Get-Member -MemberType Property).Name | Should -Not -Contain 'Session'
        $message.Session | Should -Be $bob
        $peer.Session | Should -Be $bob
        $sent.Session | Should -Be $alice

        # By property name: -Session of Get-McastPeer and Receive-McastMessage.
        (@($message | Get-McastPeer -ExcludeSelf)).Name | Should -Be 'alice'
        Send-McastMessage -Session $alice -Message 'second'
        (@($message | Receive-McastMessage -Count 1 -Timeout 10)).Text | Should -Be 'second'
        @($peer | Get-McastPeer).Count | Should -Be 2
    }

    It 'closes the session a message came from when piped to Remove-McastSession' {
        $message | Remove-McastSession
        $bob.State | Should -Be 'Closed'
        $alice.State | Should -Be 'Connected'
    }
}
