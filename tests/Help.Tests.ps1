<#
    Help for every cmdlet McastCrypto exports, checked against the built module: the markdown source
    exists, Get-Help reads real help from the MAML the build made of it, the help documents exactly
    the cmdlet's parameters, and every example in the markdown runs.

    The cmdlets come from Get-Command -Module McastCrypto at discovery, so a new cmdlet (and its
    examples) is covered as soon as the module exports it.
#>

BeforeDiscovery {
    $modulePath = $env:MCASTCRYPTO_MODULE
    if (-not $modulePath) { $modulePath = Join-Path $PSScriptRoot '../out/McastCrypto/McastCrypto.psd1' }
    Import-Module $modulePath -Force -ErrorAction Stop
    $docs = Join-Path $PSScriptRoot '../docs/en-US'

    function Get-MarkdownExample {
        # The ```powershell blocks of a PlatyPS markdown file's EXAMPLES section, one entry a block,
        # with the title of the '### Example' they belong to.
        param([string] $Path, [string] $Name)
        $lines = @((Get-Content -LiteralPath $Path -Encoding UTF8) -replace "`r$", '')
        $inExamples = $false
        $title = $null
        $fence = $null
        $code = $null
        $blockInExample = 0
        foreach ($line in $lines) {
            if ($null -ne $fence) {
                if ($line -match "^\s{0,3}$fence\s*$") {
                    if ($null -ne $code) {
                        $blockInExample++
                        $label = $title
                        if ($blockInExample -gt 1) { $label = "$title (block $blockInExample)" }
                        # An example titled '(interactive)' waits for a person at the keyboard, and one titled
                        # '(IPv6 network)' sends IPv6 multicast on real interfaces: each is shown in help, and
                        # reported as skipped here instead of run. One titled '(needs nats-server)' starts a
                        # NATS server: where none is installed (.ci/run installs one), it is skipped, saying so.
                        @{ Name = $Name; Title = $label; Code = ($code -join "`n"); Interactive = ($title -match '\(interactive\)'); IPv6Network = ($title -match '\(IPv6 network\)'); NeedsNats = ($title -match '\(needs nats-server\)') }
                    }
                    $fence = $null
                    $code = $null
                }
                elseif ($null -ne $code) {
                    $code.Add($line)
                }
                continue
            }
            if ($line -match '^\s{0,3}(`{3,}|~{3,})\s*(\S*)') {
                $fence = [regex]::Escape($Matches[1])
                if ($inExamples -and $title -and $Matches[2] -eq 'powershell') {
                    $code = New-Object 'System.Collections.Generic.List[string]'
                }
                continue
            }
            if ($line -match '^##\s+(.+?)\s*$') {
                $inExamples = $Matches[1] -eq 'EXAMPLES'
                $title = $null
            }
            elseif ($inExamples -and $line -match '^###\s+(.+?)\s*$') {
                $title = $Matches[1]
                $blockInExample = 0
            }
        }
    }

    $cmdlets = @(Get-Command -Module McastCrypto -CommandType Cmdlet, Function | Sort-Object -Property Name | ForEach-Object {
            $markdown = Join-Path $docs "$($_.Name).md"
            $examples = @()
            if (Test-Path -LiteralPath $markdown) { $examples = @(Get-MarkdownExample -Path $markdown -Name $_.Name) }
            @{ Name = $_.Name; Markdown = $markdown; Examples = $examples }
        })
    $markdownFiles = @(Get-ChildItem -LiteralPath $docs -Filter '*.md' -File | Where-Object { $_.Name -notlike 'about_*' } |
            Sort-Object -Property Name | ForEach-Object { @{ File = $_.Name; Name = $_.BaseName } })
}

BeforeAll {
    $modulePath = $env:MCASTCRYPTO_MODULE
    if (-not $modulePath) { $modulePath = Join-Path $PSScriptRoot '../out/McastCrypto/McastCrypto.psd1' }
    Import-Module $modulePath -Force -ErrorAction Stop
    $script:manifest = Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot '../McastCrypto.psd1')
    $script:commonParameters = [System.Management.Automation.Cmdlet]::CommonParameters
}

Describe 'The cmdlets whose help is checked' {
    It 'are every cmdlet the manifest exports, so that no cmdlet escapes these tests' {
        $exported = @(Get-Command -Module McastCrypto -CommandType Cmdlet | ForEach-Object { $_.Name } | Sort-Object)
        $exported | Should -Be @($script:manifest.CmdletsToExport | Sort-Object) -Because 'the help tests check the cmdlets Get-Command -Module McastCrypto finds'
    }
}

Describe 'Markdown help of <Name>' -ForEach $cmdlets -AllowNullOrEmptyForEach {
    It 'exists as docs/en-US/<Name>.md' {
        $Markdown | Should -Exist
    }

    It 'has at least one ```powershell example' {
        $Examples.Count | Should -BeGreaterThan 0
    }
}

Describe 'Markdown help file <File>' -ForEach $markdownFiles -AllowNullOrEmptyForEach {
    It 'documents a cmdlet the module exports' {
        Get-Command -Module McastCrypto -Name $Name -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty
    }
}

Describe 'Get-Help <Name>' -ForEach $cmdlets -AllowNullOrEmptyForEach {
    BeforeAll {
        $help = Get-Help -Name $Name -Full
        $command = Get-Command -Name $Name -Module McastCrypto
    }

    It 'has a synopsis of its own, not the syntax PowerShell shows when there is no help' {
        $synopsis = "$($help.Synopsis)".Trim()
        $synopsis | Should -Not -BeNullOrEmpty
        $synopsis | Should -Not -Match ('^' + [regex]::Escape($Name) + '(\s|$)')
    }

    It 'has a description' {
        ($help.description | ForEach-Object { $_.Text }) -join '' | Should -Not -BeNullOrEmpty
    }

    It 'shows at least one example with -Examples' {
        $examples = @((Get-Help -Name $Name -Examples).examples.example)
        $examples.Count | Should -BeGreaterThan 0
        $examples[0].code | Should -Not -BeNullOrEmpty
    }

    It 'documents every parameter the cmdlet has' {
        $documented = @($help.parameters.parameter | ForEach-Object { $_.name })
        $actual = @($command.Parameters.Keys | Where-Object { $script:commonParameters -notcontains $_ })
        $actual | Where-Object { $documented -notcontains $_ } | Should -BeNullOrEmpty -Because 'each parameter needs a ### -Name entry'
    }

    It 'documents no parameter the cmdlet does not have' {
        $documented = @($help.parameters.parameter | ForEach-Object { $_.name })
        $documented | Where-Object { -not $command.Parameters.ContainsKey($_) } | Should -BeNullOrEmpty
    }

    It 'shows each parameter with -Parameter' {
        foreach ($parameter in @($command.Parameters.Keys | Where-Object { $script:commonParameters -notcontains $_ })) {
            (Get-Help -Name $Name -Parameter $parameter).name | Should -Be $parameter
        }
    }

    It 'documents the aliases each parameter has' {
        foreach ($parameter in @($help.parameters.parameter)) {
            $actual = @($command.Parameters[$parameter.name].Aliases | Sort-Object)
            $documented = @("$($parameter.aliases)".Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ -and $_ -ne 'none' } | Sort-Object)
            $documented -join ', ' | Should -Be ($actual -join ', ') -Because "-$($parameter.name) declares those aliases"
        }
    }

    It 'shows one syntax per parameter set, with the parameters, required, position and pipeline input the cmdlet declares' {
        # A parameter set as 'Name required position pipeline' entries, so that help and cmdlet compare as text.
        $documented = @($help.syntax.syntaxItem | ForEach-Object {
                (@($_.parameter | Where-Object { $_ } | ForEach-Object {
                            '{0} {1} {2} {3}' -f $_.name, "$($_.required)".ToLowerInvariant(), "$($_.position)".ToLowerInvariant(), "$($_.pipelineInput)".ToLowerInvariant()
                        }) | Sort-Object) -join '; '
            } | Sort-Object)
        $actual = @($command.ParameterSets | ForEach-Object {
                (@($_.Parameters | Where-Object { $script:commonParameters -notcontains $_.Name } | ForEach-Object {
                            $position = 'named'
                            if ($_.Position -ge 0) { $position = "$($_.Position)" }
                            $kinds = @()
                            if ($_.ValueFromPipeline) { $kinds += 'ByValue' }
                            if ($_.ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
                            $pipeline = 'false'
                            if ($kinds) { $pipeline = "true ($($kinds -join ', '))".ToLowerInvariant() }
                            '{0} {1} {2} {3}' -f $_.Name, "$($_.IsMandatory)".ToLowerInvariant(), $position, $pipeline
                        }) | Sort-Object) -join '; '
            } | Sort-Object)
        $documented | Should -Be $actual
    }
}

Describe 'Examples of <Name>' -ForEach $cmdlets -AllowNullOrEmptyForEach {
    # A cmdlet without examples fails 'has at least one ```powershell example' above, not discovery.
    It '<Title> runs without error' -ForEach $Examples -AllowNullOrEmptyForEach {
        if ($Interactive) {
            Set-ItResult -Skipped -Because 'the example waits for a person typing at the keyboard'
            return
        }
        if ($IPv6Network) {
            Set-ItResult -Skipped -Because 'the example sends IPv6 multicast on real interfaces; Linux loopback carries none, and the tests send only on loopback'
            return
        }

        # Debian's package puts nats-server in /usr/sbin, which a normal user's PATH lacks; the examples look there too.
        if ($NeedsNats -and -not (Get-Command -Name nats-server, /usr/sbin/nats-server -CommandType Application -ErrorAction SilentlyContinue)) {
            if ($env:CI -eq 'true') {
                throw 'the example starts nats-server, which CI must have (.ci/run installs it): not found on PATH nor in /usr/sbin'
            }
            Set-ItResult -Skipped -Because 'the example starts nats-server, which is not installed here (.ci/run installs it; apt-get install nats-server)'
            return
        }

        # Each example in a fresh child scope, with errors stopping it, as a user pasting it would see.
        $example = [scriptblock]::Create($Code)
        $thrown = $null
        $output = @()
        try {
            $output = @(& {
                    $ErrorActionPreference = 'Stop'
                    & $example
                } 2>&1)
        }
        catch {
            $thrown = $_
        }
        $problems = @(@($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] }) + @($thrown) |
                Where-Object { $_ } | ForEach-Object { "$($_.FullyQualifiedErrorId): $($_.Exception.Message)" })
        $problems | Should -BeNullOrEmpty -Because "the example's code is:`n$Code`n"
    }
}

Describe 'about_McastCrypto' {
    BeforeAll {
        $topic = Get-Help -Name about_McastCrypto -ErrorAction SilentlyContinue | Out-String
        $lines = @($topic -split "`r?`n" | Where-Object { $_.Trim() })
    }

    It 'is shown by Get-Help from docs/en-US/about_McastCrypto.md' {
        $topic | Should -Match 'ConvertFrom-Tlv'
        $topic | Should -Match 'Get-McastRelayEvent'
    }

    It 'reads as an about topic: the topic once, then its sections as titles, not markdown' {
        $lines[0].Trim() | Should -Be 'TOPIC'
        $lines[1].Trim() | Should -Be 'about_McastCrypto'
        @($lines | Where-Object { $_ -match 'about_McastCrypto' }).Count | Should -Be 1
        $lines.Trim() | Should -Contain 'SHORT DESCRIPTION'
        $lines.Trim() | Should -Contain 'LONG DESCRIPTION'
        $topic | Should -Not -Match '(?m)^\s{0,3}#'
        $topic | Should -Not -Match '```'
    }
}
