<#
.SYNOPSIS
    Turns cmdlet help written in PlatyPS's markdown schema (2.0.0) into one MAML file.
.DESCRIPTION
    Stands in for PlatyPS's New-ExternalHelp where PlatyPS is not installed (build.ps1 prefers PlatyPS
    when it is). Reads every <Cmdlet>.md in -Path (about_*.md are about topics and are skipped) and
    writes the helpItems/command:command MAML that PowerShell's help system reads for a binary
    module, so that Get-Help <cmdlet>, -Full, -Examples and -Parameter work.

    Stricter than PlatyPS where leniency would silently lose help: a cmdlet file without SYNOPSIS,
    SYNTAX, DESCRIPTION, EXAMPLES or PARAMETERS (or with an empty SYNOPSIS, DESCRIPTION or
    EXAMPLES), an unknown section, a parameter without its yaml metadata, an unknown yaml key, a
    parameter naming a parameter set that SYNTAX does not list, or an unclosed code fence is an
    error naming the file, the line and the section.

    Examples: the ```powershell blocks (also ps, ps1, pwsh) become the example's code. Other fenced
    blocks right after them (the commands' output, before any text) join the code, a blank line
    apart: Get-Help trims the start of every remark paragraph, which would take the indentation of
    an output's first line (a right-aligned table header), while the code keeps it. Text before
    or after them, and fenced blocks after text, become the remarks, in order.

    Paragraphs: a text paragraph's lines are joined. A list item ('- ', '* ', '+ ', '1. ') starts a
    paragraph of its own; a number that starts a wrapped line does not, unless it follows a
    numbered item or is 1 (CommonMark's rule), so that a sentence wrapped before '86400. Members'
    stays one paragraph. A fenced block keeps its lines; one whose first line is indented rides on
    the paragraph before it, for the same reason as example output.

    Runs on Windows PowerShell 5.1 and PowerShell 7.
.EXAMPLE
    ./build/Convert-HelpMarkdown.ps1 -Path docs/en-US -OutputPath out/McastCrypto/en-US/McastCrypto.dll-Help.xml
#>
[CmdletBinding()]
param(
    # The folder holding the <Cmdlet>.md files.
    [Parameter(Mandatory = $true)]
    [string] $Path,

    # The MAML file to write (its folder is created when missing).
    [Parameter(Mandatory = $true)]
    [string] $OutputPath
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$script:MamlNs = 'http://schemas.microsoft.com/maml/2004/10'
$script:CommandNs = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
$script:DevNs = 'http://schemas.microsoft.com/maml/dev/2004/10'
$script:MsHelpNs = 'http://msdn.microsoft.com/mshelp'
$script:RequiredSections = @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS')
$script:KnownSections = $script:RequiredSections + @('INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
$script:CodeLanguages = @('powershell', 'ps', 'ps1', 'pwsh', 'posh')
$script:YamlKeys = @('Type', 'Parameter Sets', 'Aliases', 'Accepted values', 'Applicable', 'Required', 'Position',
    'Default value', 'Accept pipeline input', 'Accept wildcard characters')
$script:AllSets = '(All)'

. (Join-Path $PSScriptRoot 'MarkdownText.ps1')

function New-HelpError {
    # A terminating error that names the file, the line and the section at fault.
    param([string] $File, [int] $Line, [string] $Section, [string] $Message)
    $where = Split-Path -Leaf $File
    if ($Line -gt 0) { $where += " line $Line" }
    if ($Section) { $where += " ($Section)" }
    return "Convert-HelpMarkdown: ${where}: $Message"
}

function Split-MarkdownBlocks {
    # Splits markdown lines into headings, fenced code blocks and text paragraphs (runs of non-blank
    # lines), each with the 1-based line it starts on. Headings inside code fences are code.
    param([string] $File, [string[]] $Lines, [int] $FirstLine)
    $blocks = New-Object 'System.Collections.Generic.List[object]'
    $text = $null
    $i = 0
    while ($i -lt $Lines.Count) {
        $line = $Lines[$i]
        $number = $FirstLine + $i
        $fence = [regex]::Match($line, '^\s{0,3}(`{3,}|~{3,})\s*([^\s`]*)')
        if ($fence.Success) {
            $text = $null
            $marker = $fence.Groups[1].Value
            $close = '^\s{0,3}' + [regex]::Escape($marker.Substring(0, 1)) + '{' + $marker.Length + ',}\s*$'
            $code = New-Object 'System.Collections.Generic.List[string]'
            $i++
            while ($i -lt $Lines.Count -and $Lines[$i] -notmatch $close) {
                $code.Add($Lines[$i])
                $i++
            }
            if ($i -ge $Lines.Count) {
                throw (New-HelpError $File $number '' "the code fence opened here is never closed.")
            }
            $blocks.Add(@{ Kind = 'Code'; Language = $fence.Groups[2].Value.ToLowerInvariant(); Lines = $code.ToArray(); Line = $number })
            $i++
            continue
        }
        $heading = [regex]::Match($line, '^(#{1,6})\s+(.*?)\s*#*\s*$')
        if ($heading.Success) {
            $text = $null
            $blocks.Add(@{ Kind = 'Heading'; Level = $heading.Groups[1].Value.Length; Text = $heading.Groups[2].Value.Trim(); Line = $number })
        }
        elseif ($line.Trim().Length -eq 0) {
            $text = $null
        }
        else {
            if ($null -eq $text) {
                $text = @{ Kind = 'Text'; Lines = (New-Object 'System.Collections.Generic.List[string]'); Line = $number }
                $blocks.Add($text)
            }
            $text.Lines.Add($line)
        }
        $i++
    }
    return , $blocks.ToArray()
}

function ConvertTo-Paragraphs {
    # MAML paragraphs for a run of blocks: a text paragraph's lines are joined (markdown wraps), but
    # list items, table rows, quotes and hard breaks start a paragraph of their own; a fenced block
    # is one paragraph that keeps its lines, indentation and all.
    param([object[]] $Blocks)
    $paras = New-Object 'System.Collections.Generic.List[string]'
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Code') {
            # One paragraph with the lines in it: Get-Help keeps a paragraph's line breaks and
            # indentation, but puts a blank line after every paragraph, and trims its start: a
            # block whose first line is indented goes on from the paragraph before, a blank line
            # apart, so that the trim takes nothing of it.
            $text = (@($block.Lines | ForEach-Object { $_.TrimEnd() }) -join "`n")
            if ($paras.Count -gt 0 -and $block.Lines.Count -gt 0 -and $block.Lines[0] -match '^\s') {
                $paras[$paras.Count - 1] = $paras[$paras.Count - 1] + "`n`n" + $text
            }
            else {
                $paras.Add($text)
            }
            continue
        }
        if ($block.Kind -eq 'Heading') {
            $paras.Add((ConvertFrom-InlineMarkdown $block.Text))
            continue
        }
        $current = $null
        $breakAfter = $false
        foreach ($raw in $block.Lines) {
            $line = $raw.Trim()
            $hardBreak = $raw -match '(  |\\)$'
            if ($line.EndsWith('\')) { $line = $line.Substring(0, $line.Length - 1).TrimEnd() }
            $line = [regex]::Replace($line, '^>\s?', '')
            # A bullet or a table row starts a paragraph of its own. A number does only where
            # CommonMark lets an ordered list start: after another numbered item, or with 1;
            # otherwise it is a wrapped sentence that goes on ('... from 0.1 to' / '86400. Members').
            $number = [regex]::Match($line, '^(\d+)[.)]\s')
            $startsOwn = $line -match '^([-*+]\s|\|)' -or
                ($number.Success -and ($number.Groups[1].Value.TrimStart('0') -eq '1' -or ($null -ne $current -and $current -match '^\d+[.)]\s')))
            if ($null -eq $current -or $startsOwn -or $breakAfter -or $current.StartsWith('|')) {
                if ($null -ne $current) { $paras.Add((ConvertFrom-InlineMarkdown $current)) }
                $current = $line
            }
            else {
                $current = $current + ' ' + $line
            }
            $breakAfter = $hardBreak
        }
        if ($null -ne $current) { $paras.Add((ConvertFrom-InlineMarkdown $current)) }
    }
    return , $paras.ToArray()
}

function Get-Sections {
    # The level-2 sections of a command file, each with its blocks, keyed by upper-case name.
    param([string] $File, [object[]] $Blocks)
    $name = $null
    $sections = @{}
    $current = $null
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 1) {
            if ($null -ne $name) { throw (New-HelpError $File $block.Line '' "a second level-1 heading '# $($block.Text)': a file documents one cmdlet.") }
            $name = $block.Text
            continue
        }
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 2) {
            $key = $block.Text.ToUpperInvariant()
            if ($script:KnownSections -notcontains $key) {
                throw (New-HelpError $File $block.Line $block.Text "unknown section '## $($block.Text)'; the schema's sections are $($script:KnownSections -join ', ').")
            }
            if ($sections.ContainsKey($key)) { throw (New-HelpError $File $block.Line $key "the section appears twice.") }
            $current = @{ Name = $key; Line = $block.Line; Blocks = (New-Object 'System.Collections.Generic.List[object]') }
            $sections[$key] = $current
            continue
        }
        if ($null -eq $current) {
            if ($block.Kind -eq 'Text' -or $block.Kind -eq 'Code') {
                throw (New-HelpError $File $block.Line '' 'text before the first section (## SYNOPSIS).')
            }
            throw (New-HelpError $File $block.Line '' "heading '$($block.Text)' before the first section (## SYNOPSIS).")
        }
        $current.Blocks.Add($block)
    }
    if ($null -eq $name) { throw (New-HelpError $File 0 '' "no '# <Cmdlet-Name>' heading.") }
    foreach ($required in $script:RequiredSections) {
        if (-not $sections.ContainsKey($required)) {
            throw (New-HelpError $File 0 $required "the required section '## $required' is missing.")
        }
    }
    return @{ Name = $name; Sections = $sections }
}

function Split-BySubheading {
    # Splits a section's blocks at its level-3 headings: @{ Title; Line; Blocks } for each. Blocks
    # before the first level-3 heading are returned with a $null title.
    param([object[]] $Blocks)
    $parts = New-Object 'System.Collections.Generic.List[object]'
    $current = @{ Title = $null; Line = 0; Blocks = (New-Object 'System.Collections.Generic.List[object]') }
    $parts.Add($current)
    foreach ($block in $Blocks) {
        if ($block.Kind -eq 'Heading' -and $block.Level -eq 3) {
            $current = @{ Title = $block.Text; Line = $block.Line; Blocks = (New-Object 'System.Collections.Generic.List[object]') }
            $parts.Add($current)
        }
        else {
            $current.Blocks.Add($block)
        }
    }
    return , $parts.ToArray()
}

function Assert-NoLooseContent {
    # Fails when a section that consists of ### entries has content before its first entry.
    param([string] $File, [string] $Section, [object] $Part, [string] $Expected)
    if ($null -eq $Part.Title -and $Part.Blocks.Count -gt 0) {
        throw (New-HelpError $File $Part.Blocks[0].Line $Section "content before the first '### $Expected' heading.")
    }
}

function Read-YamlPairs {
    # The simple 'Key: value' lines of a parameter's yaml block.
    param([string] $File, [object] $Block, [string] $Parameter)
    $pairs = @{}
    $n = 0
    foreach ($line in $Block.Lines) {
        $n++
        if ($line.Trim().Length -eq 0) { continue }
        $m = [regex]::Match($line, '^\s*([^:]+?)\s*:\s*(.*?)\s*$')
        if (-not $m.Success) {
            throw (New-HelpError $File ($Block.Line + $n) 'PARAMETERS' "-${Parameter}: '$line' is not a 'Key: value' line.")
        }
        $key = $script:YamlKeys | Where-Object { $_ -eq $m.Groups[1].Value } | Select-Object -First 1
        if (-not $key) {
            throw (New-HelpError $File ($Block.Line + $n) 'PARAMETERS' "-${Parameter}: unknown yaml key '$($m.Groups[1].Value)'; the schema's keys are $($script:YamlKeys -join ', ').")
        }
        $pairs[$key] = $m.Groups[2].Value
    }
    return $pairs
}

function Split-List([string] $Value) {
    if (-not $Value) { return , @() }
    return , @($Value.Split(',') | ForEach-Object { $_.Trim() } | Where-Object { $_ })
}

function Read-Parameter {
    # One '### -Name' entry: its description and one metadata set per yaml block.
    param([string] $File, [object] $Part)
    $name = $Part.Title.Substring(1).Trim()
    $descriptionBlocks = New-Object 'System.Collections.Generic.List[object]'
    $metadata = New-Object 'System.Collections.Generic.List[object]'
    foreach ($block in $Part.Blocks) {
        if ($block.Kind -eq 'Code' -and $block.Language -eq 'yaml') {
            $pairs = Read-YamlPairs $File $block $name
            $type = '' + $pairs['Type']
            $isSwitch = $type -eq 'SwitchParameter' -or $type -eq 'System.Management.Automation.SwitchParameter' -or $type -eq 'Switch'
            if ($isSwitch) { $type = 'SwitchParameter' }
            $default = '' + $pairs['Default value']
            if ($isSwitch -and ($default -eq '' -or $default -eq 'None')) { $default = 'False' }
            if ($default -eq '') { $default = 'None' }
            $position = '' + $pairs['Position']
            if ($position -eq '') { $position = 'named' }
            $pipeline = '' + $pairs['Accept pipeline input']
            if ($pipeline -eq '') { $pipeline = 'False' }
            $sets = Split-List $pairs['Parameter Sets']
            if ($sets.Count -eq 0) { $sets = @($script:AllSets) }
            $metadata.Add(@{
                    Type           = $type
                    IsSwitch       = $isSwitch
                    Sets           = $sets
                    Aliases        = (Split-List $pairs['Aliases'])
                    AcceptedValues = (Split-List $pairs['Accepted values'])
                    Required       = ('' + $pairs['Required']) -eq 'true'
                    Position       = $position.ToLowerInvariant()
                    Default        = $default
                    Pipeline       = $pipeline
                    Globbing       = ('' + $pairs['Accept wildcard characters']) -eq 'true'
                    Line           = $block.Line
                })
        }
        elseif ($metadata.Count -gt 0) {
            throw (New-HelpError $File $block.Line 'PARAMETERS' "-${name}: text after the yaml block; the description goes before it.")
        }
        else {
            $descriptionBlocks.Add($block)
        }
    }
    if ($metadata.Count -eq 0) {
        throw (New-HelpError $File $Part.Line 'PARAMETERS' ("-$name has no " + '```yaml' + ' block (Type, Parameter Sets, Required, Position, ...).'))
    }
    return @{ Name = $name; Description = (ConvertTo-Paragraphs $descriptionBlocks.ToArray()); Metadata = $metadata.ToArray(); Line = $Part.Line }
}

function Read-CommandHelp {
    # Reads one <Cmdlet>.md into a command model.
    param([string] $File)
    $content = [IO.File]::ReadAllText($File, (New-Object System.Text.UTF8Encoding $false))
    $lines = @($content -replace "`r`n?", "`n" -split "`n")
    for ($i = 0; $i -lt $lines.Count; $i++) {
        if ($lines[$i] -match '[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]') {
            throw (New-HelpError $File ($i + 1) '' 'a control character that XML cannot hold.')
        }
    }

    # Front matter: '---', key: value lines, '---'.
    $metadata = @{}
    $start = 0
    if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
        $end = 1
        while ($end -lt $lines.Count -and $lines[$end].Trim() -ne '---') {
            $m = [regex]::Match($lines[$end], '^\s*([^:]+?)\s*:\s*(.*?)\s*$')
            if ($m.Success) { $metadata[$m.Groups[1].Value.ToLowerInvariant()] = $m.Groups[2].Value }
            $end++
        }
        if ($end -ge $lines.Count) { throw (New-HelpError $File 1 '' 'the front matter opened here is never closed with ---.') }
        $start = $end + 1
    }

    [string[]] $body = @($lines | Select-Object -Skip $start)
    $blocks = Split-MarkdownBlocks $File $body ($start + 1)
    $parsed = Get-Sections $File $blocks
    $sections = $parsed.Sections
    $name = $parsed.Name
    $expected = [IO.Path]::GetFileNameWithoutExtension($File)
    if ($name -ne $expected) {
        throw (New-HelpError $File 0 '' "the heading names '$name' but the file is $expected.md.")
    }

    $command = @{
        Name          = $name
        File          = $File
        Metadata      = $metadata
        Synopsis      = (ConvertTo-Paragraphs $sections['SYNOPSIS'].Blocks.ToArray())
        Description   = (ConvertTo-Paragraphs $sections['DESCRIPTION'].Blocks.ToArray())
        Notes         = @()
        SetOrder      = (New-Object 'System.Collections.Generic.List[string]')
        Parameters    = (New-Object 'System.Collections.Generic.List[object]')
        Examples      = (New-Object 'System.Collections.Generic.List[object]')
        Inputs        = (New-Object 'System.Collections.Generic.List[object]')
        Outputs       = (New-Object 'System.Collections.Generic.List[object]')
        Links         = (New-Object 'System.Collections.Generic.List[object]')
    }
    foreach ($key in @('SYNOPSIS', 'DESCRIPTION')) {
        if ((ConvertTo-Paragraphs $sections[$key].Blocks.ToArray()).Count -eq 0) {
            throw (New-HelpError $File $sections[$key].Line $key "the section is empty.")
        }
    }
    if ($sections.ContainsKey('NOTES')) { $command.Notes = ConvertTo-Paragraphs $sections['NOTES'].Blocks.ToArray() }

    # SYNTAX: the parameter set names, in order; the syntax blocks themselves are rebuilt from the
    # parameters' metadata, as PlatyPS does.
    foreach ($part in (Split-BySubheading $sections['SYNTAX'].Blocks.ToArray())) {
        if ($null -eq $part.Title) { continue }
        $set = $part.Title -replace '\s*\(Default\)\s*$', ''
        if ($set -ne '__AllParameterSets') { $command.SetOrder.Add($set) }
    }

    # EXAMPLES
    $parts = Split-BySubheading $sections['EXAMPLES'].Blocks.ToArray()
    foreach ($part in $parts) {
        if ($null -eq $part.Title) {
            Assert-NoLooseContent $File 'EXAMPLES' $part 'Example 1: Title'
            continue
        }
        $code = New-Object 'System.Collections.Generic.List[string]'
        $remarkBlocks = New-Object 'System.Collections.Generic.List[object]'
        foreach ($block in $part.Blocks) {
            if ($block.Kind -eq 'Code' -and $script:CodeLanguages -contains $block.Language) {
                $code.Add(($block.Lines -join "`n"))
            }
            elseif ($block.Kind -eq 'Code' -and $code.Count -gt 0 -and $remarkBlocks.Count -eq 0) {
                # Output right after the code: shown with it, its indentation whole.
                $output = (@($block.Lines | ForEach-Object { $_.TrimEnd() }) -join "`n")
                $code[$code.Count - 1] = $code[$code.Count - 1] + "`n`n" + $output
            }
            else {
                $remarkBlocks.Add($block)
            }
        }
        if ($code.Count -eq 0) {
            throw (New-HelpError $File $part.Line 'EXAMPLES' ("'### $($part.Title)' has no " + '```powershell' + ' code block.'))
        }
        $command.Examples.Add(@{ Title = $part.Title; Code = ($code -join "`n`n"); Remarks = (ConvertTo-Paragraphs $remarkBlocks.ToArray()) })
    }
    if ($command.Examples.Count -eq 0) {
        throw (New-HelpError $File $sections['EXAMPLES'].Line 'EXAMPLES' "the section has no '### Example 1: Title' entry.")
    }

    # PARAMETERS
    foreach ($part in (Split-BySubheading $sections['PARAMETERS'].Blocks.ToArray())) {
        if ($null -eq $part.Title) {
            Assert-NoLooseContent $File 'PARAMETERS' $part '-Name'
            continue
        }
        $title = $part.Title.Trim('<', '>', ' ')
        if ($title -eq 'CommonParameters' -or $title -eq 'WorkflowCommonParameters') { continue }
        if (-not $part.Title.StartsWith('-')) {
            throw (New-HelpError $File $part.Line 'PARAMETERS' "'### $($part.Title)' is not a parameter: parameter headings are '### -Name'.")
        }
        $parameter = Read-Parameter $File $part
        if ($command.Parameters | Where-Object { $_.Name -eq $parameter.Name }) {
            throw (New-HelpError $File $part.Line 'PARAMETERS' "-$($parameter.Name) is documented twice.")
        }
        foreach ($meta in $parameter.Metadata) {
            foreach ($set in $meta.Sets) {
                if ($set -ne $script:AllSets -and $command.SetOrder.Count -gt 0 -and -not ($command.SetOrder | Where-Object { $_ -eq $set })) {
                    throw (New-HelpError $File $meta.Line 'PARAMETERS' "-$($parameter.Name) names parameter set '$set', which SYNTAX does not list ($($command.SetOrder -join ', ')).")
                }
            }
        }
        $command.Parameters.Add($parameter)
    }

    # INPUTS and OUTPUTS: '### TypeName' and a description.
    foreach ($pair in @(@('INPUTS', $command.Inputs), @('OUTPUTS', $command.Outputs))) {
        if (-not $sections.ContainsKey($pair[0])) { continue }
        foreach ($part in (Split-BySubheading $sections[$pair[0]].Blocks.ToArray())) {
            if ($null -eq $part.Title) {
                Assert-NoLooseContent $File $pair[0] $part 'TypeName'
                continue
            }
            $pair[1].Add(@{ Type = (ConvertFrom-InlineMarkdown $part.Title); Description = (ConvertTo-Paragraphs $part.Blocks.ToArray()) })
        }
    }

    # RELATED LINKS: the online version first, as PlatyPS does, then '[text](uri)' lines.
    $online = '' + $metadata['online version']
    if ($online) { $command.Links.Add(@{ Text = 'Online Version:'; Uri = $online }) }
    if ($sections.ContainsKey('RELATED LINKS')) {
        foreach ($block in $sections['RELATED LINKS'].Blocks) {
            if ($block.Kind -ne 'Text') {
                throw (New-HelpError $File $block.Line 'RELATED LINKS' 'only [text](uri) lines belong here.')
            }
            $n = 0
            foreach ($line in $block.Lines) {
                $m = [regex]::Match($line.Trim(), '^(?:[-*+]\s+)?\[([^\]]+)\]\(([^)]*)\)$')
                if (-not $m.Success) {
                    throw (New-HelpError $File ($block.Line + $n) 'RELATED LINKS' "'$($line.Trim())' is not a [text](uri) link.")
                }
                # Get-Help -Online and Windows PowerShell's help engine want an absolute URI or none:
                # a relative link (another .md of these docs) keeps its text only.
                $uri = $null
                $address = ''
                if ([Uri]::TryCreate($m.Groups[2].Value, [UriKind]::Absolute, [ref] $uri)) { $address = $m.Groups[2].Value }
                $command.Links.Add(@{ Text = $m.Groups[1].Value; Uri = $address })
                $n++
            }
        }
    }
    return $command
}

function Get-SyntaxItems {
    # One syntax item per parameter set, in SYNTAX's order: the parameters that belong to it (or to
    # all sets), positional ones first by position, then the required named ones, then the optional
    # ones, each group in the order documented.
    param([hashtable] $Command)
    $sets = New-Object 'System.Collections.Generic.List[string]'
    foreach ($set in $Command.SetOrder) { $sets.Add($set) }
    foreach ($parameter in $Command.Parameters) {
        foreach ($meta in $parameter.Metadata) {
            foreach ($set in $meta.Sets) {
                if ($set -ne $script:AllSets -and -not ($sets | Where-Object { $_ -eq $set })) { $sets.Add($set) }
            }
        }
    }
    if ($sets.Count -eq 0) { $sets.Add($script:AllSets) }

    $items = New-Object 'System.Collections.Generic.List[object]'
    foreach ($set in $sets) {
        $members = New-Object 'System.Collections.Generic.List[object]'
        $index = 0
        foreach ($parameter in $Command.Parameters) {
            $chosen = $null
            foreach ($meta in $parameter.Metadata) {
                if ($meta.Sets | Where-Object { $_ -eq $set }) { $chosen = $meta; break }
            }
            if ($null -eq $chosen) {
                $chosen = $parameter.Metadata | Where-Object { $_.Sets -contains $script:AllSets } | Select-Object -First 1
            }
            if ($null -ne $chosen) {
                $order = [int]::MaxValue
                $position = 0
                if ([int]::TryParse($chosen.Position, [ref] $position)) { $order = $position }
                $optional = 0
                if ($order -eq [int]::MaxValue -and -not $chosen.Required) { $optional = 1 }
                $members.Add(@{ Parameter = $parameter; Meta = $chosen; Order = $order; Optional = $optional; Index = $index })
            }
            $index++
        }
        $sorted = @($members | Sort-Object -Property @{ Expression = { $_.Order } }, @{ Expression = { $_.Optional } }, @{ Expression = { $_.Index } })
        $items.Add($sorted)
    }
    return , $items.ToArray()
}

function Write-Paragraphs {
    param([System.Xml.XmlWriter] $Writer, [string] $Element, [string] $Namespace, [string[]] $Paragraphs)
    $Writer.WriteStartElement('maml', $Element, $Namespace)
    foreach ($para in $Paragraphs) {
        $Writer.WriteElementString('maml', 'para', $script:MamlNs, $para)
    }
    $Writer.WriteEndElement()
}

function Write-Parameter {
    # A command:parameter, for the syntax (switches without a value) or the parameters section.
    param([System.Xml.XmlWriter] $Writer, [hashtable] $Parameter, [hashtable] $Meta, [bool] $InSyntax)
    $w = $Writer
    $aliases = 'none'
    if ($Meta.Aliases.Count -gt 0) { $aliases = $Meta.Aliases -join ', ' }
    $w.WriteStartElement('command', 'parameter', $script:CommandNs)
    $w.WriteAttributeString('required', $Meta.Required.ToString().ToLowerInvariant())
    $w.WriteAttributeString('variableLength', 'true')
    $w.WriteAttributeString('globbing', $Meta.Globbing.ToString().ToLowerInvariant())
    $w.WriteAttributeString('pipelineInput', $Meta.Pipeline)
    $w.WriteAttributeString('position', $Meta.Position)
    $w.WriteAttributeString('aliases', $aliases)
    $w.WriteElementString('maml', 'name', $script:MamlNs, $Parameter.Name)
    Write-Paragraphs $w 'description' $script:MamlNs $Parameter.Description
    if ($InSyntax -and $Meta.AcceptedValues.Count -gt 0) {
        $w.WriteStartElement('command', 'parameterValueGroup', $script:CommandNs)
        foreach ($value in $Meta.AcceptedValues) {
            $w.WriteStartElement('command', 'parameterValue', $script:CommandNs)
            $w.WriteAttributeString('required', 'false')
            $w.WriteAttributeString('command', 'variableLength', $script:CommandNs, 'false')
            $w.WriteString($value)
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }
    if (-not ($InSyntax -and $Meta.IsSwitch)) {
        $w.WriteStartElement('command', 'parameterValue', $script:CommandNs)
        $w.WriteAttributeString('required', (-not $Meta.IsSwitch).ToString().ToLowerInvariant())
        $w.WriteAttributeString('variableLength', 'false')
        $w.WriteString($Meta.Type)
        $w.WriteEndElement()
    }
    $w.WriteStartElement('dev', 'type', $script:DevNs)
    $w.WriteElementString('maml', 'name', $script:MamlNs, $Meta.Type)
    $w.WriteElementString('maml', 'uri', $script:MamlNs, '')
    $w.WriteEndElement()
    $w.WriteElementString('dev', 'defaultValue', $script:DevNs, $Meta.Default)
    $w.WriteEndElement()
}

function Format-ExampleTitle([string] $Title) {
    # PlatyPS pads titles with dashes to 64 characters, as Microsoft's help shows them.
    if ([string]::IsNullOrWhiteSpace($Title) -or $Title.Length -ge 62) { return $Title }
    $pad = [int][math]::Floor((64 - $Title.Length - 2) / 2)
    return ('-' * $pad) + ' ' + $Title + ' ' + ('-' * $pad)
}

function Write-Command {
    param([System.Xml.XmlWriter] $Writer, [hashtable] $Command)
    $w = $Writer
    $verb, $noun = $Command.Name.Split('-', 2)
    if ($null -eq $noun) { $noun = '' }

    $w.WriteStartElement('command', 'command', $script:CommandNs)
    $w.WriteAttributeString('xmlns', 'maml', $null, $script:MamlNs)
    $w.WriteAttributeString('xmlns', 'command', $null, $script:CommandNs)
    $w.WriteAttributeString('xmlns', 'dev', $null, $script:DevNs)
    $w.WriteAttributeString('xmlns', 'MSHelp', $null, $script:MsHelpNs)

    $w.WriteStartElement('command', 'details', $script:CommandNs)
    $w.WriteElementString('command', 'name', $script:CommandNs, $Command.Name)
    $w.WriteElementString('command', 'verb', $script:CommandNs, $verb)
    $w.WriteElementString('command', 'noun', $script:CommandNs, $noun)
    Write-Paragraphs $w 'description' $script:MamlNs $Command.Synopsis
    $w.WriteEndElement()

    Write-Paragraphs $w 'description' $script:MamlNs $Command.Description

    $w.WriteStartElement('command', 'syntax', $script:CommandNs)
    foreach ($item in (Get-SyntaxItems $Command)) {
        $w.WriteStartElement('command', 'syntaxItem', $script:CommandNs)
        $w.WriteElementString('maml', 'name', $script:MamlNs, $Command.Name)
        foreach ($member in $item) { Write-Parameter $w $member.Parameter $member.Meta $true }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    # As PlatyPS does, the parameters section shows each parameter's first yaml block.
    $w.WriteStartElement('command', 'parameters', $script:CommandNs)
    foreach ($parameter in $Command.Parameters) { Write-Parameter $w $parameter $parameter.Metadata[0] $false }
    $w.WriteEndElement()

    foreach ($io in @(@('inputTypes', 'inputType', $Command.Inputs), @('returnValues', 'returnValue', $Command.Outputs))) {
        $w.WriteStartElement('command', $io[0], $script:CommandNs)
        foreach ($entry in $io[2]) {
            $w.WriteStartElement('command', $io[1], $script:CommandNs)
            $w.WriteStartElement('dev', 'type', $script:DevNs)
            $w.WriteElementString('maml', 'name', $script:MamlNs, $entry.Type)
            $w.WriteEndElement()
            Write-Paragraphs $w 'description' $script:MamlNs $entry.Description
            $w.WriteEndElement()
        }
        $w.WriteEndElement()
    }

    $w.WriteStartElement('maml', 'alertSet', $script:MamlNs)
    Write-Paragraphs $w 'alert' $script:MamlNs $Command.Notes
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'examples', $script:CommandNs)
    foreach ($example in $Command.Examples) {
        $w.WriteStartElement('command', 'example', $script:CommandNs)
        $w.WriteElementString('maml', 'title', $script:MamlNs, (Format-ExampleTitle $example.Title))
        $w.WriteElementString('dev', 'code', $script:DevNs, $example.Code)
        $w.WriteStartElement('dev', 'remarks', $script:DevNs)
        foreach ($para in $example.Remarks) { $w.WriteElementString('maml', 'para', $script:MamlNs, $para) }
        # An empty paragraph last, so that Get-Help leaves a blank line before the next example.
        $w.WriteElementString('maml', 'para', $script:MamlNs, '')
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'relatedLinks', $script:CommandNs)
    foreach ($link in $Command.Links) {
        $w.WriteStartElement('maml', 'navigationLink', $script:MamlNs)
        $w.WriteElementString('maml', 'linkText', $script:MamlNs, $link.Text)
        $w.WriteElementString('maml', 'uri', $script:MamlNs, $link.Uri)
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteEndElement()
}

# --- main ---------------------------------------------------------------------------------------

$folder = (Resolve-Path -LiteralPath $Path).ProviderPath
$files = @(Get-ChildItem -LiteralPath $folder -Filter '*.md' -File |
        Where-Object { $_.Name -notlike 'about_*' } |
        Sort-Object -Property Name)
if ($files.Count -eq 0) {
    throw "Convert-HelpMarkdown: no cmdlet help (<Cmdlet>.md) in $folder."
}

$outputFile = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$helpFileName = Split-Path -Leaf $outputFile
$commands = New-Object 'System.Collections.Generic.List[object]'
foreach ($file in $files) {
    $command = Read-CommandHelp $file.FullName
    $declared = '' + $command.Metadata['external help file']
    if ($declared -and $declared -ne $helpFileName) {
        Write-Warning "Convert-HelpMarkdown: $($file.Name) says its external help file is '$declared'; it goes into '$helpFileName'."
    }
    $commands.Add($command)
}

$directory = Split-Path -Parent $outputFile
if ($directory -and -not (Test-Path -LiteralPath $directory)) {
    $null = New-Item -ItemType Directory -Path $directory -Force
}

$settings = New-Object System.Xml.XmlWriterSettings
$settings.Indent = $true
$settings.IndentChars = '  '
$settings.NewLineChars = "`r`n"
$settings.NewLineHandling = [System.Xml.NewLineHandling]::Replace
$settings.Encoding = New-Object System.Text.UTF8Encoding $true
# Build in memory, so that a failure leaves no half-written help file behind.
$buffer = New-Object System.IO.MemoryStream
$writer = [System.Xml.XmlWriter]::Create($buffer, $settings)
try {
    $writer.WriteStartDocument()
    $writer.WriteStartElement('helpItems', 'http://msh')
    $writer.WriteAttributeString('schema', 'maml')
    foreach ($command in $commands) { Write-Command $writer $command }
    $writer.WriteEndElement()
    $writer.WriteEndDocument()
}
finally {
    $writer.Close()
}
[IO.File]::WriteAllBytes($outputFile, $buffer.ToArray())
Write-Verbose "Convert-HelpMarkdown: $($commands.Count) cmdlet(s) -> $outputFile"
