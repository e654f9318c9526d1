BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force

    # A seed-style datagram: SenderInfo(127.0.0.1:50000, RelayedMessage(aa bb)).
    $script:datagram = [byte[]](0, 10, 0, 12, 127, 0, 0, 1, 0xC3, 0x50, 0, 6, 0, 2, 0xAA, 0xBB)
}

Describe 'ConvertFrom-Tlv' {
    Context 'bytes in, records out' {
        It 'emits one TlvRecord per record with its offset' {
            $buffer = [byte[]](0, 9, 0, 0, 0, 3, 0, 1, 7)
            $records = @(ConvertFrom-Tlv -InputObject $buffer)
            $records.Count | Should -Be 2
            $records[0] | Should -BeOfType ([McastCrypto.Tlv.TlvRecord])
            $records.Offset | Should -Be @(0, 4)
            $records.TypeName | Should -Be @('KeepAlive', 'EncryptedBlock')
            $records[1].Value | Should -Be ([byte[]](7))
        }

        It 'takes a byte[] from the pipeline as one buffer' {
            $records = @(, $datagram | ConvertFrom-Tlv)
            $records.Count | Should -Be 1
            $records[0].Length | Should -Be 12
        }

        It 'gathers bytes that were piped one by one into one buffer' {
            $records = @($datagram | ConvertFrom-Tlv)
            $records.Count | Should -Be 1
            $records[0].Type | Should -Be 'SenderInfo'
        }

        It 'decodes every byte[] piped in as a buffer of its own' {
            $a = ConvertTo-Tlv KeepAlive
            $b = ConvertTo-Tlv RequestServerKey
            $records = @($a, $b | ConvertFrom-Tlv)
            $records.TypeName | Should -Be @('KeepAlive', 'RequestServerKey')
            $records.Offset | Should -Be @(0, 0)
        }

        It 'takes the Bytes property of piped objects by name, each as a buffer of its own (how Watch-McastGroup output binds)' {
            # Without the binding by property name, PowerShell would turn each object into text and read it as hex.
            $objects = [pscustomobject]@{ Bytes = (ConvertTo-Tlv KeepAlive) }, [pscustomobject]@{ Bytes = $datagram }
            $records = @($objects | ConvertFrom-Tlv -Recurse)
            $records.TypeName | Should -Be @('KeepAlive', 'SenderInfo')
            $records[1].Decoded.Inner.Type | Should -Be 'RelayedMessage'
            (ConvertFrom-Tlv -Bytes $datagram).Type | Should -Be 'SenderInfo'
        }

        It 'shows a type without a name as its number' {
            (ConvertFrom-Tlv -InputObject ([byte[]](0x10, 0x92, 0, 0))).TypeName | Should -Be '4242'
        }

        It 'round-trips what ConvertTo-Tlv wrote' {
            $value = [byte[]](1..200)
            $record = ConvertTo-Tlv -Type 300 -Value $value | ConvertFrom-Tlv
            [int]$record.Type | Should -Be 300
            $record.Value | Should -Be $value
        }
    }

    Context 'text and files' {
        It 'reads hex with separators' {
            (ConvertFrom-Tlv -Hex '00 09 00 01 ff').Value | Should -Be ([byte[]](255))
        }

        It 'reads Base64' {
            (ConvertFrom-Tlv -Base64 ([Convert]::ToBase64String($datagram))).Type | Should -Be 'SenderInfo'
        }

        It 'reads a file with -Path' {
            $file = Join-Path $TestDrive 'capture.bin'
            [IO.File]::WriteAllBytes($file, $datagram)
            (ConvertFrom-Tlv -Path $file).Type | Should -Be 'SenderInfo'
            (Get-Item $file | ConvertFrom-Tlv).Type | Should -Be 'SenderInfo'
        }

        It 'reports a missing file as ObjectNotFound' {
            $missing = Join-Path $TestDrive 'nothing-here.bin'
            ConvertFrom-Tlv -Path $missing -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'TlvFileNotFound,McastCrypto.Commands.ConvertFromTlvCommand'
            $err[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'reports bad hex as InvalidArgument with the text as target' {
            ConvertFrom-Tlv -Hex '00 0g' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'InvalidHex,McastCrypto.Commands.ConvertFromTlvCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err[0].TargetObject | Should -Be '00 0g'
        }

        It 'reports bad Base64 as InvalidArgument' {
            ConvertFrom-Tlv -Base64 '***' -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -Be 'InvalidBase64,McastCrypto.Commands.ConvertFromTlvCommand'
        }

        It 'reads strings from the pipeline as hex' {
            $records = @('00090000', '0007 0000' | ConvertFrom-Tlv)
            $records.TypeName | Should -Be @('KeepAlive', 'RequestServerKey')
        }
    }

    Context 'malformed input' {
        It 'writes the records before a malformed one, then a non-terminating InvalidData error with offset and reason' {
            $buffer = [byte[]](0, 9, 0, 0, 0, 6, 0, 9, 1, 2)
            $records = @(ConvertFrom-Tlv -InputObject $buffer -ErrorVariable err -ErrorAction SilentlyContinue)
            $records.Count | Should -Be 1
            $records[0].Type | Should -Be 'KeepAlive'
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -Be 'MalformedTlv,McastCrypto.Commands.ConvertFromTlvCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
            $err[0].Exception.Message | Should -Match 'offset 4'
            $err[0].Exception.Offset | Should -Be 4
            ,$err[0].TargetObject | Should -BeOfType [byte[]]
        }

        It 'keeps going with the next input after a malformed one' {
            $records = @(([byte[]](0, 1)), (ConvertTo-Tlv KeepAlive) | ConvertFrom-Tlv -ErrorAction SilentlyContinue -ErrorVariable err)
            $records.Count | Should -Be 1
            $err.Count | Should -Be 1
        }

        It 'reports every truncation of a valid datagram as malformed, never as an exception' {
            for ($cut = 1; $cut -lt $datagram.Length; $cut++) {
                $part = [byte[]]$datagram[0..($cut - 1)]
                $records = @(ConvertFrom-Tlv -InputObject $part -ErrorVariable err -ErrorAction SilentlyContinue)
                $records.Count | Should -Be 0
                $err[0].FullyQualifiedErrorId | Should -Be 'MalformedTlv,McastCrypto.Commands.ConvertFromTlvCommand'
            }
        }
    }

    Context '-Recurse' {
        It 'decodes SenderInfo into the sender and the inner record' {
            $record = ConvertFrom-Tlv -InputObject $datagram -Recurse
            $record.Decoded.Address | Should -Be ([ipaddress]'127.0.0.1')
            $record.Decoded.Port | Should -Be 50000
            $record.Decoded.Inner.Type | Should -Be 'RelayedMessage'
            $record.Decoded.Inner.Offset | Should -Be 10
        }

        It 'decodes FragmentedData into message id, sequence, total and chunk' {
            $value = [byte[]](0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 0, 2, 9, 8, 7)
            $fragment = (ConvertTo-Tlv FragmentedData $value | ConvertFrom-Tlv -Recurse).Decoded
            $fragment.MessageId | Should -Be 'deadbeef'
            $fragment.Sequence | Should -Be 1
            $fragment.Total | Should -Be 2
            $fragment.Chunk | Should -Be ([byte[]](9, 8, 7))
        }

        It 'decodes ClientConnect and ClientDisconnect into address and port' {
            $value = [byte[]](10, 1, 2, 3, 0x13, 0x8F)
            $joined = (ConvertTo-Tlv ClientConnect $value | ConvertFrom-Tlv -Recurse).Decoded
            $left = (ConvertTo-Tlv ClientDisconnect $value | ConvertFrom-Tlv -Recurse).Decoded
            $joined.Joined | Should -BeTrue
            $left.Joined | Should -BeFalse
            $left.Address | Should -Be ([ipaddress]'10.1.2.3')
            $left.Port | Should -Be 5007
        }

        It 'leaves Decoded empty without -Recurse' {
            (ConvertFrom-Tlv -InputObject $datagram).Decoded | Should -BeNullOrEmpty
        }

        It 'writes the record and a MalformedTlvValue error when the inner structure is broken' {
            $records = @(ConvertTo-Tlv FragmentedData ([byte[]](1, 2, 3, 4, 0, 0, 0, 0)) | ConvertFrom-Tlv -Recurse -ErrorVariable err -ErrorAction SilentlyContinue)
            $records.Count | Should -Be 1
            $records[0].Decoded | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -Be 'MalformedTlvValue,McastCrypto.Commands.ConvertFromTlvCommand'
            $err[0].CategoryInfo.Category | Should -Be 'InvalidData'
        }
    }

    Context 'display' {
        It 'shows records as a table with offset, type, name, length and a hex preview' {
            $text = ConvertFrom-Tlv -InputObject $datagram | Out-String
            $text | Should -Match 'Offset\s+Type\s+TypeName\s+Length\s+Value'
            $text | Should -Match '0\s+10\s+SenderInfo\s+12\s+7f000001c350000600'
        }
    }
}
