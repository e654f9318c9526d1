BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
    $script:modulePath = (Resolve-Path (Get-McastTestModulePath)).Path
    $script:tmux = Get-Command -Name tmux -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
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

Describe 'Enter-McastChat on a session that ended' {
    It 'is a SessionClosed error for a closed session' {
        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        try {
            $session = New-McastSession 'gone' @net -RelayFingerprint $relay.KeyFingerprint
            Remove-McastSession -Session $session
            Enter-McastChat -Session $session -ErrorVariable err -ErrorAction SilentlyContinue
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'SessionClosed,McastCrypto.Commands.EnterMcastChatCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
            $err[0].TargetObject | Should -Be $session
            $err[0].Exception.Message | Should -Match "Session gone \(Id $($session.Id)\) is closed"
            $err[0].ErrorDetails.RecommendedAction | Should -Match 'New-McastSession'
        }
        finally {
            $relay | Stop-McastRelay
        }
    }
}

Describe 'Enter-McastChat in a terminal (tmux)' {
    # The chat runs in a PowerShell in a tmux pane 60 x 20, driven with send-keys and read with
    # capture-pane. Each pane has a tmux server of its own (-L), started by this process so that it
    # passes on this process's environment (the build under test, the known_relays file of the tests).
    BeforeAll {
        $script:width = 60
        $script:build = Split-Path -Leaf (Split-Path ([McastCrypto.Session.McastSession].Assembly.Location))

        function Get-PwshCommandLine {
            # The PowerShell running this test, as build.ps1's Get-PwshCommand finds it: 'dotnet <pwsh.dll>'
            # when it runs as a .NET tool, the executable itself otherwise.
            $exe = [Diagnostics.Process]::GetCurrentProcess().MainModule.FileName
            if ([IO.Path]::GetFileNameWithoutExtension($exe) -eq 'dotnet') { return @($exe, [Environment]::GetCommandLineArgs()[0]) }
            return @($exe)
        }

        function Start-ChatTerminal([string] $Command) {
            $name = 'mcastchat-{0}-{1:x8}' -f $PID, (Get-Random)
            $terminal = [pscustomobject]@{ Name = $name }
            $script:terminals += $terminal
            $arguments = @('-u', '-L', $name, '-f', '/dev/null', 'new-session', '-d', '-s', $name, '-x', "$script:width", '-y', '20') +
                @(Get-PwshCommandLine) + @('-NoProfile', '-Command', $Command)
            # Started from a tmux pane itself, tmux would refuse to nest without this.
            $outer = $env:TMUX
            $env:TMUX = $null
            try {
                & $script:tmux.Source @arguments
                if ($LASTEXITCODE -ne 0) { throw "tmux new-session failed with exit code $LASTEXITCODE." }
                # The pane stays after PowerShell exits, so that its last screen and exit code can be read.
                & $script:tmux.Source -L $name set-option -g remain-on-exit on
                $terminal | Add-Member Socket "$(& $script:tmux.Source -L $name display-message -p -t $name '#{socket_path}')"
            }
            finally {
                $env:TMUX = $outer
            }
            return $terminal
        }

        function Get-ChatCommand($Net) {
            # The chat as a user starts it, after a line naming the build it loaded, which must be the
            # one under test (build.ps1 tests net8.0 and netstandard2.0 in turn).
            "Import-Module '$modulePath'; Write-Host ('build: ' + (Split-Path -Leaf (Split-Path ([McastCrypto.Session.McastSession].Assembly.Location)))); " +
            "New-McastSession chatter -Group $($Net.Group) -Port $($Net.Port) -Interface Loopback -Timeout 60 | Enter-McastChat -RemoveSession"
        }

        function Send-ChatKeys($Terminal, [string[]] $Keys, [string] $Literal) {
            if ($Literal) { & $script:tmux.Source -L $Terminal.Name send-keys -t $Terminal.Name -l $Literal }
            if ($Keys) { & $script:tmux.Source -L $Terminal.Name send-keys -t $Terminal.Name @Keys }
        }

        function Get-ChatScreen($Terminal) {
            # The pane's 20 rows as shown, trailing spaces trimmed.
            $rows = @(& $script:tmux.Source -L $Terminal.Name capture-pane -p -t $Terminal.Name | ForEach-Object { $_.TrimEnd() })
            while ($rows.Count -lt 20) { $rows += '' }
            return , $rows
        }

        function Get-ChatCursor($Terminal) {
            $at = (& $script:tmux.Source -L $Terminal.Name display-message -p -t $Terminal.Name '#{cursor_x} #{cursor_y}') -split ' '
            return , @([int]$at[0], [int]$at[1])
        }

        function Wait-ChatScreen($Terminal, [scriptblock] $Problems, [double] $TimeoutSeconds = 20) {
            # Waits until $Problems (given the rows and the cursor) has nothing to say, and returns the
            # rows; throws with what it last said and the screen when the time runs out.
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            while ($true) {
                $rows = Get-ChatScreen $Terminal
                $cursor = Get-ChatCursor $Terminal
                $said = @(& $Problems $rows $cursor)
                if ($said.Count -eq 0) { return , $rows }
                if ([DateTime]::UtcNow -ge $deadline) {
                    throw ("After $TimeoutSeconds s: $($said -join '; ')`nThe screen (cursor at $($cursor -join ',')):`n" + ($rows -join "`n"))
                }
                Start-Sleep -Milliseconds 100
            }
        }

        function Test-ChatPrompt([string[]] $Rows, [int[]] $Cursor, [string] $Line, [int] $CursorIndex = $Line.Length) {
            # The last prompt on the screen holds $Line (on one row), with the cursor before character $CursorIndex.
            $row = -1
            for ($i = $Rows.Count - 1; $i -ge 0; $i--) { if ($Rows[$i] -match '^>( |$)') { $row = $i; break } }
            if ($row -lt 0) { return 'no prompt on the screen' }
            if ($Rows[$row] -ne "> $Line".TrimEnd()) { return "the prompt shows '$($Rows[$row])', not '> $Line'" }
            if ($Cursor[0] -ne 2 + $CursorIndex -or $Cursor[1] -ne $row) { return "the cursor is at $($Cursor -join ','), not $(2 + $CursorIndex),$row" }
        }

        function Test-ChatIntact([string[]] $Rows, [int[]] $Cursor, [string] $Arrival, [string] $Typed, [int] $CursorIndex) {
            # An arrival printed while $Typed (wrapped) is being typed: the arrival on one row, right below
            # it the prompt and the whole line, blank rows below them, no piece of the line anywhere else
            # (debris), and the cursor before character $CursorIndex of the line, where it was.
            $at = @(for ($i = 0; $i -lt $Rows.Count; $i++) { if ($Rows[$i].Contains($Arrival)) { $i } })
            if ($at.Count -ne 1) { return "the arrival is on $($at.Count) rows" }
            $drawn = "> $Typed"
            $expected = @(for ($i = 0; $i -lt $drawn.Length; $i += $script:width) { $drawn.Substring($i, [Math]::Min($script:width, $drawn.Length - $i)).TrimEnd() })
            $first = $at[0] + 1
            $last = $first + $expected.Count - 1
            for ($i = 0; $i -lt $expected.Count; $i++) {
                if ($Rows[$first + $i] -ne $expected[$i]) { "row $($first + $i) is '$($Rows[$first + $i])', not '$($expected[$i])'" }
            }
            $pieces = @(for ($i = 0; $i + 8 -le $Typed.Length; $i += 8) { $Typed.Substring($i, 8) })
            for ($r = 0; $r -lt $Rows.Count; $r++) {
                if ($r -ge $first -and $r -le $last) { continue }
                if ($r -gt $last -and $Rows[$r] -ne '') { "row $r, below the line, is not blank: '$($Rows[$r])'" }
                $piece = $pieces | Where-Object { $Rows[$r].Contains($_) } | Select-Object -First 1
                if ($piece) { "row $r holds '$piece' of the typed line: '$($Rows[$r])'" }
            }
            $offset = 2 + $CursorIndex
            $x = $offset % $script:width
            $y = $first + [Math]::Floor($offset / $script:width)
            if ($Cursor[0] -ne $x -or $Cursor[1] -ne $y) { "the cursor is at $($Cursor -join ','), not $x,$y" }
        }

        function Receive-ChatText($Session, [double] $TimeoutSeconds = 15) {
            # The text of the next message (not a join or leave) the session receives, or $null in time.
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            while (($left = ($deadline - [DateTime]::UtcNow).TotalSeconds) -gt 0) {
                foreach ($message in @(Receive-McastMessage -Session $Session -Count 1 -Timeout ([Math]::Max(0.1, $left)))) {
                    if ($message.Kind -eq 'Message') { return $message.Text }
                }
            }
            return $null
        }

        function Wait-ChatEnd($Terminal, [double] $TimeoutSeconds = 20) {
            # The exit code once PowerShell in the pane has ended; throws if it has not in time.
            $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
            do {
                $dead, $status = (& $script:tmux.Source -L $Terminal.Name display-message -p -t $Terminal.Name '#{pane_dead} #{pane_dead_status}') -split ' '
                if ($dead -eq '1') { return [int]$status }
                Start-Sleep -Milliseconds 100
            } while ([DateTime]::UtcNow -lt $deadline)
            throw "The chat did not end within $TimeoutSeconds s. The screen:`n$((Get-ChatScreen $Terminal) -join "`n")"
        }
    }

    BeforeEach {
        $script:terminals = @()
    }

    AfterEach {
        # Only the tmux sessions this test started (each alone on its own server, which ends with it).
        foreach ($terminal in $script:terminals) {
            & $script:tmux.Source -L $terminal.Name kill-session -t $terminal.Name 2>$null
            # tmux leaves the socket file of a server that ended behind.
            if ($terminal.PSObject.Properties['Socket'] -and $terminal.Socket) { Remove-Item -LiteralPath $terminal.Socket -ErrorAction SilentlyContinue }
        }
    }

    It 'edits with the keys, keeps a wrapped line whole when a message arrives, sends no unknown command, and ends on /quit' {
        if (-not $script:tmux) {
            Set-ItResult -Skipped -Because 'tmux is not installed (.ci/run installs it): the chat is driven in a tmux pane'
            return
        }

        $net = New-McastTestNet
        $relay = $null
        $listener = $null
        try {
            # No relay yet: the join waits, and shows its progress bar meanwhile.
            $chat = Start-ChatTerminal (Get-ChatCommand $net)
            $null = Wait-ChatScreen $chat { param($rows) if (-not (($rows -join "`n") -match 'New-McastSession')) { 'no progress bar of the join' } } 40
            (Get-ChatScreen $chat) | Should -Contain "build: $script:build"

            $relay = Start-McastRelay @net
            # The chatter first, so that the listener's join is news to it (a member that joins
            # after another finds it in the relay's roster, with no notice of its own).
            Wait-McastCondition { @($relay.Members | Where-Object Connected).Count -eq 1 } 20 | Should -BeTrue
            $listener = New-McastSession 'listener' @net
            $joined = "* listener joined"
            $rows = Wait-ChatScreen $chat {
                param($rows, $cursor)
                $screen = $rows -join "`n"
                if (-not $screen.Contains('* you joined as chatter')) { 'no own join' }
                if (-not $screen.Contains($joined)) { "no '$joined'" }
                Test-ChatPrompt $rows $cursor ''
            } 40
            ($rows -join "`n") | Should -Not -Match 'New-McastSession|Waiting for the relay' -Because 'the join''s progress bar must not stay on screen during the chat'

            # Backspace as DEL (tmux's BSpace) and as Ctrl+H, Delete, Home, End, Left and Right, also at the edges.
            Send-ChatKeys $chat -Literal 'xhellq' -Keys BSpace, C-h
            Send-ChatKeys $chat -Literal 'o' -Keys Home, DC, End
            Send-ChatKeys $chat -Literal '!' -Keys Left, Left
            Send-ChatKeys $chat -Literal 'l'
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor 'hello!' 4 }
            Send-ChatKeys $chat -Keys Home, Left
            Send-ChatKeys $chat -Literal '[' -Keys End, Right
            Send-ChatKeys $chat -Literal ']'
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor '[hello!]' }
            Send-ChatKeys $chat -Keys Enter
            Receive-ChatText $listener | Should -Be '[hello!]'

            # Up and Down through the lines entered, and back to the line being typed.
            Send-ChatKeys $chat -Literal 'second' -Keys Enter
            Receive-ChatText $listener | Should -Be 'second'
            Send-ChatKeys $chat -Literal 'draft' -Keys Up
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor 'second' }
            Send-ChatKeys $chat -Keys Up, Up
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor '[hello!]' }
            Send-ChatKeys $chat -Keys Down
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor 'second' }
            Send-ChatKeys $chat -Keys Down
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor 'draft' }
            Send-ChatKeys $chat -Literal '!' -Keys Enter
            Receive-ChatText $listener | Should -Be 'draft!'
            Send-ChatKeys $chat -Keys Up, Up, Up, Enter
            Receive-ChatText $listener | Should -Be '[hello!]'

            # A line longer than the pane (3 rows), the cursor 5 characters from its end, and a
            # message arrives: the line stays whole below it, and the cursor where it was.
            $long = (0..39 | ForEach-Object { 'w{0:d2}' -f $_ }) -join ' '
            Send-ChatKeys $chat -Literal $long -Keys Left, Left, Left, Left, Left
            $null = Wait-ChatScreen $chat { param($rows, $cursor) if ($cursor[0] -ne (2 + $long.Length - 5) % $script:width) { 'the cursor has not moved back 5' } }
            Send-McastMessage -Session $listener -Message 'first arrival'
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatIntact $rows $cursor 'first arrival' $long ($long.Length - 5) }
            Send-ChatKeys $chat -Literal 'X' -Keys Enter
            Receive-ChatText $listener | Should -Be ($long.Insert($long.Length - 5, 'X'))

            # The same at the bottom of the pane, where printing the arrival scrolls the line up.
            Send-ChatKeys $chat -Literal '/help' -Keys Enter
            Send-ChatKeys $chat -Literal '/help' -Keys Enter
            $long = (0..39 | ForEach-Object { 'v{0:d2}' -f $_ }) -join ' '
            Send-ChatKeys $chat -Literal $long -Keys Home, Right, Right, Right
            $null = Wait-ChatScreen $chat { param($rows, $cursor) if ($cursor[0] -ne 5 -or $cursor[1] -ne 17) { 'the cursor is not on v00 at the bottom' } }
            Send-McastMessage -Session $listener -Message 'second arrival'
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatIntact $rows $cursor 'second arrival' $long 3 }
            Send-ChatKeys $chat -Literal 'Y' -Keys Enter
            Receive-ChatText $listener | Should -Be ($long.Insert(3, 'Y'))

            # A line that fills its last row exactly: the cursor waits on the next row, also after an arrival.
            $full = -join (0..($script:width * 2 - 3) | ForEach-Object { [char](97 + $_ % 26) })
            Send-ChatKeys $chat -Literal $full
            $null = Wait-ChatScreen $chat { param($rows, $cursor) if ($cursor[0] -ne 0 -or $cursor[1] -ne 19) { 'the cursor is not at the start of the last row' } }
            Send-McastMessage -Session $listener -Message 'third arrival'
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatIntact $rows $cursor 'third arrival' $full $full.Length }
            Send-ChatKeys $chat -Literal 'Z' -Keys Enter
            Receive-ChatText $listener | Should -Be ($full + 'Z')

            # A mistyped command is not sent; //etc sends /etc, so the listener's next message shows /qiut never came.
            Send-ChatKeys $chat -Literal '/qiut' -Keys Enter
            $null = Wait-ChatScreen $chat { param($rows) if (-not ($rows -contains 'Unknown command /qiut; /help lists the commands')) { 'no unknown command notice' } }
            Send-ChatKeys $chat -Literal '//etc' -Keys Enter
            Receive-ChatText $listener | Should -Be '/etc'
            Send-ChatKeys $chat -Literal '/peers' -Keys Enter
            $null = Wait-ChatScreen $chat { param($rows) if (-not (($rows -join "`n") -match '(?m)^  chatter \(you\): Joined')) { 'no /peers list' } }

            Send-ChatKeys $chat -Literal '/quit' -Keys Enter
            Wait-ChatEnd $chat | Should -Be 0
            (Get-ChatScreen $chat) -join "`n" | Should -Match '\* you left the group'
            Wait-McastCondition { @($relay.Members).Count -eq 1 } 10 | Should -BeTrue -Because '-RemoveSession closes the session, which leaves the group'
            Receive-ChatText $listener 1 | Should -BeNullOrEmpty
        }
        finally {
            if ($listener) { $listener | Remove-McastSession }
            if ($relay) { $relay | Stop-McastRelay }
        }
    }

    It 'shows bytes and files as their size and name, and says when the relay refused a message of its own' {
        if (-not $script:tmux) {
            Set-ItResult -Skipped -Because 'tmux is not installed (.ci/run installs it): the chat is driven in a tmux pane'
            return
        }

        $net = New-McastTestNet
        # A relay that passes on at most 100 bytes: a longer line typed in the chat is refused.
        $relay = Start-McastRelay @net -MaxMessageSize 100
        $listener = $null
        try {
            $listener = New-McastSession 'listener' @net
            $chat = Start-ChatTerminal (Get-ChatCommand $net)
            $null = Wait-ChatScreen $chat {
                param($rows, $cursor)
                if (-not (($rows -join "`n").Contains('* you joined as chatter'))) { 'no own join' }
                Test-ChatPrompt $rows $cursor ''
            } 40
            Wait-McastCondition { @($relay.Members).Count -eq 2 } 10 | Should -BeTrue

            Send-McastMessage -Session $listener -Data ([byte[]](1..10))
            $file = Join-Path $TestDrive 'notes.txt'
            [IO.File]::WriteAllBytes($file, [byte[]]::new(50))
            Send-McastMessage -Session $listener -Path $file
            $null = Wait-ChatScreen $chat {
                param($rows, $cursor)
                if (-not ($rows -match '^\[\d\d:\d\d:\d\d\] listener: \[10 bytes\]$')) { 'no line for the bytes' }
                if (-not ($rows -match '^\[\d\d:\d\d:\d\d\] listener: \[file notes\.txt, 50 bytes\]$')) { 'no line for the file' }
                Test-ChatPrompt $rows $cursor ''
            }

            # 120 bytes: the relay refuses it, and the chat says so (on two rows of the pane).
            $tooLong = -join (1..12 | ForEach-Object { 'too-long{0:d2}' -f $_ })
            Send-ChatKeys $chat -Literal $tooLong -Keys Enter
            $notice = 'notdelivered:"' + $tooLong.Substring(0, 40) + '…"(therelayrefusedit:largerthanitslimit)'
            $null = Wait-ChatScreen $chat {
                param($rows, $cursor)
                if (-not ((($rows -join '') -replace '\s', '').Contains($notice))) { 'no notice of the refused message' }
                Test-ChatPrompt $rows $cursor ''
            }
            # What the relay took still goes, and the refused line never reached the group.
            Send-ChatKeys $chat -Literal 'short one' -Keys Enter
            Receive-ChatText $listener | Should -Be 'short one'

            Send-ChatKeys $chat -Literal '/quit' -Keys Enter
            Wait-ChatEnd $chat | Should -Be 0
        }
        finally {
            if ($listener) { $listener | Remove-McastSession }
            $relay | Stop-McastRelay
        }
    }

    It 'ends on Ctrl+C, sending nothing of the line being typed, and closes the session with -RemoveSession' {
        if (-not $script:tmux) {
            Set-ItResult -Skipped -Because 'tmux is not installed (.ci/run installs it): the chat is driven in a tmux pane'
            return
        }

        $net = New-McastTestNet
        $relay = Start-McastRelay @net
        $listener = $null
        try {
            $listener = New-McastSession 'listener' @net
            $chat = Start-ChatTerminal (Get-ChatCommand $net)
            $null = Wait-ChatScreen $chat {
                param($rows, $cursor)
                if (-not (($rows -join "`n").Contains('* you joined as chatter'))) { 'no own join' }
                Test-ChatPrompt $rows $cursor ''
            } 40
            (Get-ChatScreen $chat) | Should -Contain "build: $script:build"
            Wait-McastCondition { @($relay.Members).Count -eq 2 } 10 | Should -BeTrue

            Send-ChatKeys $chat -Literal 'half typed'
            $null = Wait-ChatScreen $chat { param($rows, $cursor) Test-ChatPrompt $rows $cursor 'half typed' }
            Send-ChatKeys $chat -Keys C-c
            $null = Wait-ChatEnd $chat
            $screen = (Get-ChatScreen $chat) -join "`n"
            $screen | Should -Match '(?m)^> half typed$' -Because 'the line typed so far stays on screen'
            $screen | Should -Match '\* you left the group'
            Wait-McastCondition { @($relay.Members).Count -eq 1 } 10 | Should -BeTrue -Because '-RemoveSession closes the session after Ctrl+C too'
            Receive-ChatText $listener 1 | Should -BeNullOrEmpty -Because 'a line not ended with Enter is not sent'
        }
        finally {
            if ($listener) { $listener | Remove-McastSession }
            $relay | Stop-McastRelay
        }
    }
}
