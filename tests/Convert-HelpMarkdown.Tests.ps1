<#
    The build's own help converters, as Get-Help shows what they make: build/Convert-HelpMarkdown.ps1
    (cmdlet help, markdown to MAML; the build uses it where PlatyPS is not installed) and
    build/Convert-AboutMarkdown.ps1 (about topics). The cmdlet help is read by Get-Help through a
    function of a module made here, whose comment names the MAML file (.ExternalHelp).
#>

BeforeAll {
    $script:helpConverter = Join-Path $PSScriptRoot '../build/Convert-HelpMarkdown.ps1'
    $script:aboutConverter = Join-Path $PSScriptRoot '../build/Convert-AboutMarkdown.ps1'
}

Describe 'Convert-HelpMarkdown as Get-Help shows it' {
    BeforeAll {
        $docs = Join-Path $TestDrive 'docs'
        $moduleDir = Join-Path $TestDrive 'HelpRender'
        $null = New-Item -ItemType Directory -Path $docs, $moduleDir
        $fence = '```'
        Set-Content -LiteralPath (Join-Path $docs 'Test-HelpRender.md') -Encoding utf8 -Value @"
---
external help file: HelpRender-Help.xml
Module Name: HelpRender
online version:
schema: 2.0.0
---

# Test-HelpRender

## SYNOPSIS
Renders help.

## SYNTAX

### __AllParameterSets
${fence}
Test-HelpRender [-Seconds <Double>] [<CommonParameters>]
${fence}

## DESCRIPTION
Waits for a member from 0.1 to
86400. Members send a keep-alive every 5 seconds.

1. The first step.
2. The second step.

## EXAMPLES

### Example 1: Show a table
${fence}powershell
Get-Something
${fence}

${fence}output
   Kind Member
   ---- ------
 Joined Alice
${fence}

Some remark text.

${fence}output
  indented under the remark
${fence}

## PARAMETERS

### -Seconds
Seconds of silence, from 0.1 to
86400. The default is 15.

${fence}yaml
Type: Double
Parameter Sets: (All)
Aliases:

Required: False
Position: Named
Default value: 15
Accept pipeline input: False
Accept wildcard characters: False
${fence}

### CommonParameters
This cmdlet supports the common parameters.

## INPUTS

### None

## OUTPUTS

### None

## NOTES

## RELATED LINKS
"@
        Set-Content -LiteralPath (Join-Path $moduleDir 'HelpRender.psm1') -Value @'
function Test-HelpRender {
    # .ExternalHelp HelpRender-Help.xml
    [CmdletBinding()]
    param([double] $Seconds)
}
'@
        # Beside the module and in the culture's folder: Get-Help looks in both.
        $maml = Join-Path $moduleDir 'HelpRender-Help.xml'
        & $helpConverter -Path $docs -OutputPath $maml
        $culture = [Globalization.CultureInfo]::CurrentUICulture.Name
        if ($culture) { Copy-Item $maml -Destination (New-Item -ItemType Directory -Path (Join-Path $moduleDir $culture) -Force) }
        Import-Module (Join-Path $moduleDir 'HelpRender.psm1') -Force
    }

    AfterAll {
        Remove-Module HelpRender -ErrorAction SilentlyContinue
    }

    It 'reads the help the converter made' {
        (Get-Help Test-HelpRender).Synopsis | Should -Be 'Renders help.'
    }

    It 'keeps a number that starts a wrapped line in its sentence' {
        $description = @((Get-Help Test-HelpRender -Full).description | ForEach-Object { $_.Text.Trim() })
        $description[0] | Should -Be 'Waits for a member from 0.1 to 86400. Members send a keep-alive every 5 seconds.'
        $parameter = (Get-Help Test-HelpRender -Parameter Seconds).description[0].Text.Trim()
        $parameter | Should -Be 'Seconds of silence, from 0.1 to 86400. The default is 15.'
    }

    It 'still makes a paragraph of each numbered item' {
        $description = @((Get-Help Test-HelpRender -Full).description | ForEach-Object { $_.Text.Trim() })
        $description[1] | Should -Be '1. The first step.'
        $description[2] | Should -Be '2. The second step.'
    }

    It 'keeps the indentation of example output, its first line included' {
        $lines = @((Get-Help Test-HelpRender -Examples | Out-String -Width 120) -split "`r?`n")
        $header = @($lines | Where-Object { $_ -match 'Kind Member' })[0]
        $row = @($lines | Where-Object { $_ -match 'Joined Alice' })[0]
        # Right-aligned as written: 'Kind' three columns in, 'Joined' one.
        $header.IndexOf('Kind') - $row.IndexOf('Joined') | Should -Be 2
        $remark = @($lines | Where-Object { $_ -match 'Some remark text' })[0]
        $indented = @($lines | Where-Object { $_ -match 'indented under the remark' })[0]
        $indented.IndexOf('indented') - $remark.IndexOf('Some') | Should -Be 2
    }
}

Describe 'Convert-AboutMarkdown' {
    BeforeAll {
        $md = Join-Path $TestDrive 'about_Render.md'
        Set-Content -LiteralPath $md -Encoding utf8 -Value @'
# about_Render

## about_Render

# SHORT DESCRIPTION
Renders an about topic.

# LONG DESCRIPTION
A paragraph that a writer wrapped by hand, with a number that starts a line: the wait is
5. seconds are not an item. It goes on **boldly** to the end.

## A subtopic

    $code = 'kept'
      # and its indentation

- A bullet whose text
  goes on.
1. First.
2. Second.
'@
        $txt = Join-Path $TestDrive 'about_Render.help.txt'
        & $aboutConverter -Path $md -OutputPath $txt -Width 60
        $lines = @(Get-Content -LiteralPath $txt)
        $text = Get-Content -LiteralPath $txt -Raw
    }

    It 'starts with the topic, once, and its sections as titles' {
        $lines[0] | Should -Be 'TOPIC'
        $lines[1] | Should -Be '    about_Render'
        @($lines | Where-Object { $_ -match 'about_Render' }).Count | Should -Be 1
        $lines | Should -Contain 'SHORT DESCRIPTION'
        $lines | Should -Contain 'LONG DESCRIPTION'
        $lines | Should -Contain '  A subtopic'
        # No markdown heading marks (the code's own '#' lines are indented as code).
        $text | Should -Not -Match '(?m)^\s{0,3}#'
    }

    It 'wraps paragraphs to the width, indented, and keeps a wrapped number in its sentence' {
        $lines | Where-Object { $_.Length -gt 60 } | Should -BeNullOrEmpty
        ($text -replace '\s+', ' ') | Should -Match ([regex]::Escape('the wait is 5. seconds are not an item. It goes on boldly to the end.'))
        $lines | Where-Object { $_ -match '^\s*5\. seconds' } | Should -BeNullOrEmpty
        $lines | Should -Contain '    Renders an about topic.'
    }

    It 'keeps code as written, indented under the text' {
        $lines | Should -Contain "        `$code = 'kept'"
        $lines | Should -Contain '          # and its indentation'
    }

    It 'lists items on lines of their own, continuation under the text' {
        $lines | Should -Contain '    - A bullet whose text goes on.'
        $lines | Should -Contain '    1. First.'
        $lines | Should -Contain '    2. Second.'
    }
}
