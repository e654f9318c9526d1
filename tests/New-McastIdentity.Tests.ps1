# New-McastIdentity as a user calls it, and the keys sessions use without one.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
}

Describe 'New-McastIdentity' {
    AfterEach {
        Get-McastSession | Remove-McastSession
        Get-McastRelay | Stop-McastRelay
    }

    It 'makes a key file and returns its path and fingerprint, which a relay started on it has' {
        $path = Join-Path $TestDrive 'relay.key'
        $identity = New-McastIdentity -Path $path
        $identity.Path | Should -Be $path
        $identity.Fingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        $identity.Kind | Should -Be 'EcdsaP256'
        $net = New-McastTestNet
        $relay = Start-McastRelay @net -IdentityPath $path
        $relay.KeyFingerprint | Should -Be $identity.Fingerprint
    }

    It 'never replaces a file that is there: IdentityFileExists, naming the file, and the file unchanged' {
        $path = Join-Path $TestDrive 'taken.key'
        $null = New-McastIdentity -Path $path
        $before = [IO.File]::ReadAllBytes($path)

        $again = New-McastIdentity -Path $path -ErrorVariable err -ErrorAction SilentlyContinue
        $again | Should -BeNullOrEmpty
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -Be 'IdentityFileExists,McastCrypto.Commands.NewMcastIdentityCommand'
        $err[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        $err[0].TargetObject | Should -Be $path
        $err[0].Exception.Message | Should -Match ([regex]::Escape($path))
        $err[0].Exception.Message | Should -Match '-Force'
        [IO.File]::ReadAllBytes($path) | Should -Be $before

        # Any file, not only a key: what is there is never overwritten without -Force.
        $notes = Join-Path $TestDrive 'notes.txt'
        Set-Content -LiteralPath $notes -Value 'keep me'
        New-McastIdentity -Path $notes -ErrorVariable err2 -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err2[0].FullyQualifiedErrorId | Should -Be 'IdentityFileExists,McastCrypto.Commands.NewMcastIdentityCommand'
        Get-Content -LiteralPath $notes | Should -Be 'keep me'
    }

    It 'replaces the file with a new key with -Force' {
        $path = Join-Path $TestDrive 'replaced.key'
        $first = New-McastIdentity -Path $path
        $before = [IO.File]::ReadAllBytes($path)

        $second = New-McastIdentity -Path $path -Force
        $second.Path | Should -Be $path
        $second.Fingerprint | Should -Match '^SHA256:'
        $second.Fingerprint | Should -Not -Be $first.Fingerprint
        [IO.File]::ReadAllBytes($path) | Should -Not -Be $before
        # The file holds the new key: a relay started on it has the new fingerprint.
        $net = New-McastTestNet
        (Start-McastRelay @net -IdentityPath $path).KeyFingerprint | Should -Be $second.Fingerprint
    }

    It 'gives two sessions opened without -IdentityPath keys of their own' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $pin = @{ RelayFingerprint = $relay.KeyFingerprint }
        $alice = New-McastSession 'alice' @net @pin
        $bob = New-McastSession 'bob' @net @pin
        $alice.KeyFingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        $bob.KeyFingerprint | Should -Match '^SHA256:[A-Za-z0-9+/]{43}$'
        $alice.KeyFingerprint | Should -Not -Be $bob.KeyFingerprint
        $alice.KeyFingerprint | Should -Not -Be $relay.KeyFingerprint
        # And those are the keys they joined with, as the relay saw them.
        Wait-McastCondition { @($relay.Members).Count -eq 2 } 5 | Should -BeTrue
        ($relay.Members.KeyFingerprint | Sort-Object) | Should -Be (@($alice.KeyFingerprint, $bob.KeyFingerprint) | Sort-Object)
    }
}
