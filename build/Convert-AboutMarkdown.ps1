<#
.SYNOPSIS
    Turns an about topic written in PlatyPS's about schema (about_<Name>.md) into the text file
    Get-Help shows (about_<Name>.help.txt).
.DESCRIPTION
    Get-Help prints an about topic's text file as it is, so the file must read as an about topic:
    headings as plain titles, paragraphs wrapped and indented, no markdown marks. The layout is that
    of PowerShell's own about topics:

        TOPIC
            about_<Name>

        SHORT DESCRIPTION
            ...

        LONG DESCRIPTION
            ...

    - '# about_<Name>' (the first heading) gives the TOPIC; the schema's '## about_<Name>' that
      repeats it is dropped.
    - Other level-1 headings become upper-case titles in column 0; level-2 and deeper headings
      become titles in column 2, as written.
    - Paragraphs are joined and wrapped again to -Width columns, indented by 4. A list item
      ('- ', '* ', '+ ' or '1. ') starts a line of its own, with its continuation lines indented
      under its text; a number that starts a wrapped line of a paragraph is text, not an item
      (an ordered list can only start there with 1, as in CommonMark).
    - Code, indented by 4 spaces or fenced, keeps its lines, and its indentation, indented by 8.
    - Bold marks go; a link becomes its text, and its address when absolute.

    Runs on Windows PowerShell 5.1 and PowerShell 7.
.EXAMPLE
    ./build/Convert-AboutMarkdown.ps1 -Path docs/en-US/about_McastCrypto.md -OutputPath out/McastCrypto/en-US/about_McastCrypto.help.txt
#>
[CmdletBinding()]
param(
    # The about_<Name>.md file.
    [Parameter(Mandatory = $true)]
    [string] $Path,

    # The .help.txt file to write (its folder is created when missing).
    [Parameter(Mandatory = $true)]
    [string] $OutputPath,

    # The width to wrap paragraphs to.
    [ValidateRange(40, 200)]
    [int] $Width = 80
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

. (Join-Path $PSScriptRoot 'MarkdownText.ps1')

function Format-Wrapped {
    # Words of $Text in lines of at most $Width columns: the first line after $First, the others after $Rest.
    param([string] $Text, [string] $First, [string] $Rest)
    $lines = New-Object 'System.Collections.Generic.List[string]'
    $line = $First
    $empty = $true
    foreach ($word in ($Text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and $line.Length + 1 + $word.Length -gt $Width) {
            $lines.Add($line)
            $line = $Rest + $word
        }
        elseif ($empty) {
            $line += $word
        }
        else {
            $line += ' ' + $word
        }
        $empty = $false
    }
    $lines.Add($line.TrimEnd())
    return $lines.ToArray()
}

$source = (Resolve-Path -LiteralPath $Path).ProviderPath
$content = [IO.File]::ReadAllText($source, (New-Object System.Text.UTF8Encoding $false))
[string[]] $lines = @($content -replace "`r`n?", "`n" -split "`n")
$topic = [IO.Path]::GetFileNameWithoutExtension($source)

# Front matter, if any, is PlatyPS's and not for people.
$start = 0
if ($lines.Count -gt 0 -and $lines[0].Trim() -eq '---') {
    $start = 1
    while ($start -lt $lines.Count -and $lines[$start].Trim() -ne '---') { $start++ }
    if ($start -ge $lines.Count) { throw "Convert-AboutMarkdown: ${source}: the front matter is never closed with ---." }
    $start++
}

$out = New-Object 'System.Collections.Generic.List[string]'
$paragraph = $null        # the text paragraph or list item being gathered
$paragraphIsItem = $false
$itemMarker = ''
$sawTopic = $false

function Complete-Paragraph {
    if ($null -eq $script:paragraph) { return }
    if ($script:paragraphIsItem) {
        $hang = '    ' + (' ' * $script:itemMarker.Length)
        foreach ($l in (Format-Wrapped (ConvertFrom-InlineMarkdown $script:paragraph) ('    ' + $script:itemMarker) $hang)) { $script:out.Add($l) }
    }
    else {
        foreach ($l in (Format-Wrapped (ConvertFrom-InlineMarkdown $script:paragraph) '    ' '    ')) { $script:out.Add($l) }
    }
    $script:paragraph = $null
    $script:paragraphIsItem = $false
}

function Add-Blank {
    if ($script:out.Count -gt 0 -and $script:out[$script:out.Count - 1] -ne '') { $script:out.Add('') }
}

$i = $start
while ($i -lt $lines.Count) {
    $line = $lines[$i]

    # A fenced code block: its lines as they are.
    $fence = [regex]::Match($line, '^\s{0,3}(`{3,}|~{3,})')
    if ($fence.Success) {
        Complete-Paragraph
        Add-Blank
        $close = '^\s{0,3}' + [regex]::Escape($fence.Groups[1].Value.Substring(0, 1)) + '{' + $fence.Groups[1].Value.Length + ',}\s*$'
        $i++
        while ($i -lt $lines.Count -and $lines[$i] -notmatch $close) {
            $out.Add(('        ' + $lines[$i]).TrimEnd())
            $i++
        }
        if ($i -ge $lines.Count) { throw "Convert-AboutMarkdown: ${source}: a code fence is never closed." }
        $out.Add('')
        $i++
        continue
    }

    # An indented code block (4 spaces), outside a paragraph: its lines, blank ones inside kept.
    if ($null -eq $paragraph -and $line -match '^(    |\t)' -and $line.Trim().Length -gt 0) {
        Add-Blank
        while ($i -lt $lines.Count -and ($lines[$i] -match '^(    |\t)' -or ($lines[$i].Trim().Length -eq 0 -and $i + 1 -lt $lines.Count -and $lines[$i + 1] -match '^(    |\t)'))) {
            $code = $lines[$i] -replace '^(    |\t)', ''
            $out.Add(('        ' + $code).TrimEnd())
            $i++
        }
        $out.Add('')
        continue
    }

    $heading = [regex]::Match($line, '^(#{1,6})\s+(.*?)\s*#*\s*$')
    if ($heading.Success) {
        Complete-Paragraph
        $level = $heading.Groups[1].Value.Length
        $text = ConvertFrom-InlineMarkdown $heading.Groups[2].Value.Trim()
        if (-not $sawTopic -and $level -eq 1) {
            # '# about_<Name>': the topic itself.
            $sawTopic = $true
            $out.Add('TOPIC')
            $out.Add('    ' + $text)
            $out.Add('')
        }
        elseif ($level -ge 2 -and $text -eq $topic) {
            # The schema's '## about_<Name>', which only repeats the topic.
        }
        elseif ($level -eq 1) {
            Add-Blank
            $out.Add($text.ToUpperInvariant())
        }
        else {
            Add-Blank
            $out.Add('  ' + $text)
        }
        $i++
        continue
    }

    if ($line.Trim().Length -eq 0) {
        Complete-Paragraph
        Add-Blank
        $i++
        continue
    }

    $trimmed = $line.Trim()
    $item = [regex]::Match($trimmed, '^([-*+]|(\d+)[.)])\s+(.*)$')
    $ordered = $item.Success -and $item.Groups[2].Success
    # A bullet always starts an item; a number only where a paragraph cannot go on: at its start,
    # after another numbered item, or when it is 1 (CommonMark's rule), so that a wrapped line
    # that starts with '5. ' stays text.
    $startsItem = $item.Success -and (
        -not $ordered -or $null -eq $paragraph -or
        ($paragraphIsItem -and $itemMarker -match '^\d') -or
        $item.Groups[2].Value.TrimStart('0') -eq '1')
    if ($startsItem) {
        Complete-Paragraph
        $paragraph = $item.Groups[3].Value
        $paragraphIsItem = $true
        $itemMarker = $item.Groups[1].Value + ' '
    }
    elseif ($null -eq $paragraph) {
        $paragraph = $trimmed
    }
    else {
        $paragraph += ' ' + $trimmed
    }
    $i++
}
Complete-Paragraph
if (-not $sawTopic) { throw "Convert-AboutMarkdown: ${source}: no '# $topic' heading." }
while ($out.Count -gt 0 -and $out[$out.Count - 1] -eq '') { $out.RemoveAt($out.Count - 1) }

$target = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutputPath)
$folder = Split-Path -Parent $target
if ($folder -and -not (Test-Path -LiteralPath $folder)) { $null = New-Item -ItemType Directory -Path $folder -Force }
[IO.File]::WriteAllText($target, (($out.ToArray() -join [Environment]::NewLine) + [Environment]::NewLine), (New-Object System.Text.UTF8Encoding $false))
Write-Verbose "Convert-AboutMarkdown: $source -> $target"
