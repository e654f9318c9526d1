<#
    The repository stands on its own: a clone has nothing beside it, so no tracked file may point to
    the reference folder that sits beside the working copy, every relative link in the README and
    the docs (docs/ and its subfolders) must lead to a file of the repository and to a heading that
    exists, and docs/protocol.md, the specification, must explain every drop reason the code counts.

    Needs no build: it reads the files in the working copy, and asks git which ones it tracks.
#>

BeforeAll {
    $script:root = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..')).Path
    $script:git = Get-Command git -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
    # In a worktree .git is a file, in a clone a folder: either says this is a git working copy.
    $script:hasGit = $null -ne $git -and (Test-Path -LiteralPath (Join-Path $root '.git'))

    function Get-TrackedFile {
        # The paths git tracks, relative to the root, with '/' separators.
        $output = & $git.Source -C $root -c core.quotepath=off ls-files -z
        if ($LASTEXITCODE -ne 0) { throw "git ls-files failed in $root (exit code $LASTEXITCODE)." }
        @(($output -join '') -split "`0" | Where-Object { $_ })
    }

    function Remove-MarkdownCode {
        # The text without fenced code blocks and inline code spans, whose brackets are not links.
        param([string] $Text)
        $withoutFences = [regex]::Replace($Text, '(?ms)^[ ]{0,3}(`{3,}|~{3,}).*?^[ ]{0,3}\1[ \t]*$', '')
        [regex]::Replace($withoutFences, '(`+)(?:(?!\1).)+?\1', '', 'Singleline')
    }

    function Get-MarkdownLink {
        # The targets of the inline links and link definitions of a markdown text.
        param([string] $Text)
        $prose = Remove-MarkdownCode $Text
        foreach ($match in [regex]::Matches($prose, '\[(?:[^\[\]]|\[[^\[\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+("[^"]*"|''[^'']*''|\([^)]*\)))?\s*\)')) {
            $match.Groups[1].Value.Trim('<', '>')
        }
        foreach ($match in [regex]::Matches($prose, '(?m)^[ ]{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)')) {
            $match.Groups[1].Value.Trim('<', '>')
        }
    }

    function Get-HeadingAnchor {
        # The anchors GitHub makes of a markdown file's headings: lower case, punctuation dropped,
        # spaces to '-', a repeated one suffixed -1, -2, ...
        param([string] $Text)
        $seen = @{}
        foreach ($match in [regex]::Matches((Remove-MarkdownCode $Text), '(?m)^[ ]{0,3}#{1,6}[ \t]+(.+?)[ \t#]*$')) {
            $slug = [regex]::Replace($match.Groups[1].Value.ToLowerInvariant(), '[^\p{L}\p{Nd}\p{Mn}\p{Pc} -]', '').Replace(' ', '-')
            if ($seen.ContainsKey($slug)) {
                $seen[$slug]++
                "$slug-$($seen[$slug])"
            }
            else {
                $seen[$slug] = 0
                $slug
            }
        }
    }

    function Get-DocumentationFile {
        # README.md and the markdown files under docs/, as full paths.
        @(Join-Path $root 'README.md') + @(Get-ChildItem -LiteralPath (Join-Path $root 'docs') -Filter '*.md' -File -Recurse | ForEach-Object FullName)
    }

    function Get-RelativeLink {
        # Every link of the documentation that is not a URL: file, target path (no anchor), anchor.
        foreach ($file in Get-DocumentationFile) {
            $text = [IO.File]::ReadAllText($file)
            foreach ($target in Get-MarkdownLink $text) {
                if ($target -match '^[A-Za-z][A-Za-z0-9+.-]*:' -or $target.StartsWith('//')) { continue }
                $path, $anchor = $target -split '#', 2
                $path = [Uri]::UnescapeDataString(($path -split '\?', 2)[0])
                [pscustomobject]@{ File = $file; Target = $target; Path = $path; Anchor = $anchor }
            }
        }
    }

    function Get-RepositoryPath {
        # The path of a file relative to the root, with '/' separators; null when it lies outside.
        param([string] $FullPath)
        $prefix = $root.TrimEnd('\', '/') + [IO.Path]::DirectorySeparatorChar
        if (-not $FullPath.StartsWith($prefix, [StringComparison]::Ordinal)) { return $null }
        $FullPath.Substring($prefix.Length).Replace('\', '/')
    }

    function Resolve-LinkPath {
        # The full path a relative link of a markdown file leads to ('/...' starts at the root, as on GitHub).
        param([string] $File, [string] $Path)
        $base = if ($Path.StartsWith('/')) { $root } else { Split-Path -Parent $File }
        [IO.Path]::GetFullPath((Join-Path $base $Path.TrimStart('/')))
    }
}

Describe 'The repository' {
    It 'has no tracked file that points to the shared folder outside it' {
        if (-not $hasGit) {
            Set-ItResult -Skipped -Because 'git or the .git folder is not there, so there is no list of tracked files'
            return
        }
        # Built from pieces so that this file does not contain what it looks for.
        $shared = 'sha' + 'red'
        $patterns = @('../', '..\' | ForEach-Object { $_ + $shared }) + @('protocol', 'testvectors', 'design', 'seed' | ForEach-Object { $shared + '/' + $_ })
        $tracked = Get-TrackedFile
        $tracked | Should -Contain 'README.md' -Because 'the search must run over the repository it is in'
        $files = @($tracked | ForEach-Object { Join-Path $root $_ } | Where-Object { Test-Path -LiteralPath $_ -PathType Leaf })

        $hits = @(Select-String -LiteralPath $files -SimpleMatch -Pattern $patterns |
                ForEach-Object { '{0}:{1}: {2}' -f (Get-RepositoryPath $_.Path), $_.LineNumber, $_.Line.Trim() })

        ($hits -join [Environment]::NewLine) | Should -BeNullOrEmpty -Because 'a clone has no shared folder beside it, so what the repository needs must be in it'
    }

    It 'has every relative link of the README and docs lead to a file of the repository' {
        $links = @(Get-RelativeLink | Where-Object Path)
        $links.Count | Should -BeGreaterThan 0 -Because 'the README links to docs/protocol.md'
        $tracked = if ($hasGit) { Get-TrackedFile } else { @() }

        $broken = foreach ($link in $links) {
            $full = Resolve-LinkPath $link.File $link.Path
            $relative = Get-RepositoryPath $full
            $where = '{0}: ({1})' -f (Get-RepositoryPath $link.File), $link.Target
            if ($null -eq $relative) {
                "$where leads outside the repository"
            }
            elseif (-not (Test-Path -LiteralPath $full)) {
                "$where leads to $relative, which does not exist"
            }
            elseif ($hasGit -and (Test-Path -LiteralPath $full -PathType Leaf) -and $tracked -notcontains $relative) {
                "$where leads to $relative, which git does not track (a clone would not have it)"
            }
        }

        ($broken -join [Environment]::NewLine) | Should -BeNullOrEmpty
    }

    It 'has every link to a heading of the README and docs name a heading that exists' {
        $links = @(Get-RelativeLink | Where-Object Anchor)
        $links.Count | Should -BeGreaterThan 0 -Because 'docs/protocol.md links to its own sections'

        $broken = foreach ($link in $links) {
            $page = if ($link.Path) { Resolve-LinkPath $link.File $link.Path } else { $link.File }
            if ($page -notlike '*.md' -or -not (Test-Path -LiteralPath $page -PathType Leaf)) { continue }
            if ((Get-HeadingAnchor ([IO.File]::ReadAllText($page))) -notcontains $link.Anchor) {
                '{0}: ({1}) names no heading of {2}' -f (Get-RepositoryPath $link.File), $link.Target, (Get-RepositoryPath $page)
            }
        }

        ($broken -join [Environment]::NewLine) | Should -BeNullOrEmpty
    }

    It 'has every drop reason the code counts in the drop table of docs/protocol.md' {
        # The ways the code names a reason: DropCounter.Add("X"), a reason variable set to "X" and
        # counted later, the runner's Fail("X", e), and the session's extra counts.
        $counted = '\.Add\("([A-Z][A-Za-z]+)"\)|\breason = "([A-Z][A-Za-z]+)"|\bFail\("([A-Z][A-Za-z]+)"|KeyValuePair<string, long>\("([A-Z][A-Za-z]+)"'
        $sources = Get-ChildItem -LiteralPath (Join-Path $root 'src') -Filter '*.cs' -File -Recurse |
            Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' }
        $reasons = @($sources | Select-String -Pattern $counted -AllMatches | ForEach-Object { $_.Matches } |
                ForEach-Object { $_.Groups | Select-Object -Skip 1 | Where-Object Success | ForEach-Object Value } |
                Sort-Object -Unique)
        $reasons.Count | Should -BeGreaterThan 10 -Because 'the protocols, the runner and the session count drops under many reasons'

        # Every protocol's section has its own drop table, under a heading "### Drops".
        $page = [IO.File]::ReadAllText((Join-Path $root 'docs/protocol.md')) + "`n## end`n"
        $sections = @([regex]::Matches($page, '(?ms)^### Drops\s*$(.*?)(?=^#{1,3} )') | ForEach-Object { $_.Groups[1].Value })
        $sections.Count | Should -BeGreaterThan 1 -Because 'Classic and Secure each have a drop table'
        $listed = @($sections | ForEach-Object { [regex]::Matches($_, '(?m)^\|([^|]*)\|') } | ForEach-Object { [regex]::Matches($_.Groups[1].Value, '`([A-Za-z]+)`') } |
                ForEach-Object { $_.Groups[1].Value })

        @($reasons | Where-Object { $listed -notcontains $_ }) -join ', ' | Should -BeNullOrEmpty -Because 'every drop a user can see in Drops must be explained in the drop table'
    }
}
