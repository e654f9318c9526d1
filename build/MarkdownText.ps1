# Shared by the build's help converters (Convert-HelpMarkdown.ps1, Convert-AboutMarkdown.ps1): the
# one rule for turning a line of markdown into the plain text Get-Help shows.

function ConvertFrom-InlineMarkdown {
    # Plain text for help: bold markers go, a link becomes its text (and its address when absolute),
    # and backslash escapes are undone. Back-ticks stay, as in Microsoft's own MAML.
    param([string] $Text)
    $Text = [regex]::Replace($Text, '\*\*(.+?)\*\*', '$1')
    $Text = [regex]::Replace($Text, '(?<![A-Za-z0-9])__(.+?)__(?![A-Za-z0-9])', '$1')
    $Text = [regex]::Replace($Text, '\[([^\]]+)\]\(([^)\s]*)\)', {
            param($m)
            $uri = $null
            if ([Uri]::TryCreate($m.Groups[2].Value, [UriKind]::Absolute, [ref] $uri)) {
                return $m.Groups[1].Value + ' (' + $m.Groups[2].Value + ')'
            }
            return $m.Groups[1].Value
        })
    return [regex]::Replace($Text, '\\([\\`*_{}\[\]()#+\-.!<>|])', '$1')
}
