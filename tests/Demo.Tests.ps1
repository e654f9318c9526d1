# demo/Demo.ps1, as `build.ps1 -Task Demo` runs it, in a PowerShell of its own with its output
# redirected (as in a CI log): it must finish, and show what issue 8 asks the demo to show.
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:modulePath = Get-McastTestModulePath
    $script:demo = Join-Path $PSScriptRoot '../demo/Demo.ps1'

    function Invoke-Demo {
        # Runs the demo in a child PowerShell ('dotnet pwsh.dll' when this one runs as a .NET tool)
        # with its temporary files and known-relays file in $Folder, for at most 60 s (then it is
        # killed, by its id). Returns the exit code and the lines it wrote.
        param([Parameter(Mandatory)] [string] $Folder, [string[]] $Arguments = @())
        $null = New-Item -ItemType Directory -Force -Path $Folder
        $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
        $argumentList = @()
        if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { $argumentList += [Environment]::GetCommandLineArgs()[0] }
        $argumentList += '-NoProfile', '-NonInteractive', '-File', $demo, '-ModulePath', $modulePath
        $argumentList += $Arguments
        $stdout = Join-Path $Folder 'stdout.txt'
        $stderr = Join-Path $Folder 'stderr.txt'

        # The child inherits these: nothing it writes lands outside $Folder, the user's known relays
        # included (MCASTCRYPTO_TARGETFRAMEWORK, inherited too, keeps it on the build under test).
        $saved = @{}
        $environment = @{
            MCASTCRYPTO_KNOWN_RELAYS = Join-Path $Folder 'known_relays'
            TMPDIR                   = $Folder
            TMP                      = $Folder
            TEMP                     = $Folder
        }
        foreach ($name in $environment.Keys) {
            $saved[$name] = [Environment]::GetEnvironmentVariable($name)
            [Environment]::SetEnvironmentVariable($name, $environment[$name])
        }
        try {
            $child = Start-Process -FilePath $exe -ArgumentList $argumentList -PassThru -NoNewWindow `
                -RedirectStandardOutput $stdout -RedirectStandardError $stderr
        }
        finally {
            foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) }
        }
        # Held now, so that the exit code can still be read once the process is gone.
        $null = $child.Handle
        $finished = $child.WaitForExit(60000)
        if (-not $finished) {
            Stop-Process -Id $child.Id -Force -ErrorAction SilentlyContinue
            $null = $child.WaitForExit(10000)
        }
        $child.WaitForExit()
        [pscustomobject]@{
            Finished = $finished
            ExitCode = $child.ExitCode
            Lines    = @(Get-Content -LiteralPath $stdout -Encoding utf8)
            Errors   = (Get-Content -LiteralPath $stderr -Raw -Encoding utf8)
            Folder   = $Folder
        }
    }

    function Find-Line {
        # The first line of $Lines matching $Pattern, as its match; $null when none does.
        param([string[]] $Lines, [string] $Pattern)
        foreach ($line in $Lines) {
            $m = [regex]::Match($line, $Pattern)
            if ($m.Success) { return $m }
        }
        $null
    }
}

Describe 'The demo' {
    Context 'Secure, the default' {
        BeforeAll {
            $run = Invoke-Demo -Folder (Join-Path $TestDrive 'secure')
            $lines = $run.Lines
        }

        It 'finishes within 60 s with exit code 0 and nothing on standard error' {
            $run.Finished | Should -BeTrue -Because "the demo was killed after 60 s; it wrote:`n$($lines -join "`n")"
            $run.ExitCode | Should -Be 0 -Because "standard error said:`n$($run.Errors)"
            "$($run.Errors)".Trim() | Should -BeNullOrEmpty
            Find-Line $lines '^Demo finished in [\d.,]+ s\.$' | Should -Not -BeNullOrEmpty
        }

        It 'starts a relay whose identity key is in a file, and shows its fingerprint' {
            $started = Find-Line $lines '^== A Secure relay on 239\.255\.\d{1,3}\.\d{1,3} port \d+ \(loopback\), its identity key in (?<path>.+)$'
            $started | Should -Not -BeNullOrEmpty
            # In the child's temporary folder, and removed when the demo ends.
            $started.Groups['path'].Value | Should -BeLike "$($run.Folder)*"
            $started.Groups['path'].Value | Should -Not -Exist
            Find-Line $lines '^The relay''s fingerprint, which its users compare or pin: SHA256:[A-Za-z0-9+/]{43}$' | Should -Not -BeNullOrEmpty
        }

        It 'joins alice and bob pinned to that fingerprint, so nothing is written to the known relays' {
            $fingerprint = (Find-Line $lines 'compare or pin: (?<fp>SHA256:\S+)$').Groups['fp'].Value
            Find-Line $lines '^== alice and bob join through the relay, pinning its fingerprint$' | Should -Not -BeNullOrEmpty
            foreach ($name in 'alice', 'bob') {
                Find-Line $lines ('^\s*\d+\s+{0}\s+Connected\s+Secure\s+\d+\s+{1}\s*$' -f $name, [regex]::Escape($fingerprint)) |
                    Should -Not -BeNullOrEmpty -Because "$name's row shows it Connected under Secure with the relay's whole fingerprint"
            }
            Join-Path $run.Folder 'known_relays' | Should -Not -Exist
        }

        It 'delivers the messages whole and verified' {
            Find-Line $lines '^\s*Message\s+alice\s+[0-9a-f]{8}\s+True\s+Ciao bob!\s*$' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^\s*Message\s+alice\s+[0-9a-f]{8}\s+True\s+Perch\S* il multicast' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^The long text arrived whole: True \(\d+ UTF-8 bytes\)$' | Should -Not -BeNullOrEmpty
        }

        It 'saves the file bob received, with its SHA-256 checked against the sent file' {
            Find-Line $lines '^FileName\s*:\s*appunti\.txt$' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^Sha256\s*:\s*[0-9a-f]{64}$' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^SavedPath\s*:\s*\S+appunti\.txt$' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^The saved file''s SHA-256 is the sent file''s: True$' | Should -Not -BeNullOrEmpty
        }

        It 'changes the epoch when bob leaves' {
            $changed = Find-Line $lines '^The group key changed when bob left: epoch (?<from>\d+) -> (?<to>\d+) '
            $changed | Should -Not -BeNullOrEmpty
            [long]$changed.Groups['to'].Value | Should -BeGreaterThan ([long]$changed.Groups['from'].Value)
        }

        It 'reads well redirected: no colour codes, and a long text is one cut-short row, not hundreds of wrapped lines' {
            $lines | Where-Object { $_ -match "`e" } | Should -BeNullOrEmpty
            # The send of the long text: one row, whole to its Text column.
            Find-Line $lines '^alice\s+[0-9a-f]{16}\s+Text\s+\d+\s+\d+\s+Acknowledged\s+\d+\s+Perch\S* il multicast \S+ efficiente \(1\)' | Should -Not -BeNullOrEmpty
            $lines.Count | Should -BeLessThan 300
        }
    }

    Context 'Classic (-Protocol Classic)' {
        BeforeAll {
            $run = Invoke-Demo -Folder (Join-Path $TestDrive 'classic') -Arguments '-Protocol', 'Classic'
            $lines = $run.Lines
        }

        It 'finishes within 60 s with exit code 0, the long text arriving as blocks that join into it' {
            $run.Finished | Should -BeTrue -Because "the demo was killed after 60 s; it wrote:`n$($lines -join "`n")"
            $run.ExitCode | Should -Be 0 -Because "standard error said:`n$($run.Errors)"
            Find-Line $lines '^== A Classic relay on 239\.255\.\d{1,3}\.\d{1,3} port \d+ \(loopback\)$' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^The blocks joined equal the long text: True \(\d+ UTF-8 bytes\)$' | Should -Not -BeNullOrEmpty
            Find-Line $lines '^Demo finished in [\d.,]+ s\.$' | Should -Not -BeNullOrEmpty
            $lines | Where-Object { $_ -match "`e" } | Should -BeNullOrEmpty
            Join-Path $run.Folder 'known_relays' | Should -Not -Exist
        }
    }
}
