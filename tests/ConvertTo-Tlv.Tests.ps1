BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    Import-Module (Get-McastTestModulePath) -Force
}

Describe 'ConvertTo-Tlv' {
    Context 'one record from a type and a value' {
        It 'writes type and length big-endian before the value' {
            $bytes = ConvertTo-Tlv -Type KeepAlive -Value ([byte[]](1, 2, 3))
            $bytes | Should -Be ([byte[]](0, 9, 0, 3, 1, 2, 3))
        }

        It 'returns one byte[] object, not the bytes one by one' {
            (ConvertTo-Tlv -Type KeepAlive -Value ([byte[]](1, 2, 3)) | Measure-Object).Count | Should -Be 1
            ConvertTo-Tlv KeepAlive 'x' | ForEach-Object { $_.GetType().FullName } | Should -Be 'System.Byte[]'
        }

        It 'takes the type by name or by number' {
            (ConvertTo-Tlv -Type 10 -Value '') | Should -Be ([byte[]](0, 10, 0, 0))
            (ConvertTo-Tlv -Type 65535 -Value '') | Should -Be ([byte[]](255, 255, 0, 0))
            (ConvertTo-Tlv -Type SenderInfo -Value '') | Should -Be ([byte[]](0, 10, 0, 0))
        }

        It 'refuses a type number outside 0-65535' {
            $err = { ConvertTo-Tlv -Type 65536 -Value '' } | Should -Throw -PassThru -ErrorId 'ParameterArgumentTransformationError,McastCrypto.Commands.ConvertToTlvCommand'
            $err.Exception.Message | Should -Match '0-65535'
            { ConvertTo-Tlv -Type NoSuchType -Value '' } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,McastCrypto.Commands.ConvertToTlvCommand'
        }

        It 'encodes a string value as UTF-8' {
            $bytes = ConvertTo-Tlv -Type RelayedMessage -Value 'è'
            $bytes | Should -Be ([byte[]](0, 6, 0, 2, 0xC3, 0xA8))
        }

        It 'accepts an object[] of numbers as bytes' {
            (ConvertTo-Tlv -Type 1 -Value @(1, 2)) | Should -Be ([byte[]](0, 1, 0, 2, 1, 2))
        }

        It 'writes an empty value when -Value is left out' {
            (ConvertTo-Tlv -Type RequestServerKey) | Should -Be ([byte[]](0, 7, 0, 0))
        }

        It 'accepts a value of exactly 65535 bytes' {
            (ConvertTo-Tlv -Type 1 -Value ([byte[]]::new(65535))).Length | Should -Be 65539
        }

        It 'stops with an error that names the limit for a longer value' {
            $err = { ConvertTo-Tlv -Type 1 -Value ([byte[]]::new(65536)) } | Should -Throw -PassThru -ErrorId 'TlvValueTooLong,McastCrypto.Commands.ConvertToTlvCommand'
            $err.Exception.Message | Should -Match '65535'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'refuses a value it cannot take as bytes, naming the type' {
            $err = { ConvertTo-Tlv -Type 1 -Value (Get-Date) } | Should -Throw -PassThru -ErrorId 'UnsupportedTlvValue,McastCrypto.Commands.ConvertToTlvCommand'
            $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
            $err.Exception.Message | Should -Match 'DateTime'
        }
    }

    Context 'output formats' {
        It 'writes lower-case hex with -AsHex that ConvertFrom-Tlv -Hex reads back' {
            $hex = ConvertTo-Tlv -Type ClientConnect -Value ([byte[]](127, 0, 0, 1, 0x13, 0x8F)) -AsHex
            $hex | Should -Be '000b00067f000001138f'
            $record = ConvertFrom-Tlv -Hex $hex
            $record.Type | Should -Be 'ClientConnect'
            $record.Value | Should -Be ([byte[]](127, 0, 0, 1, 0x13, 0x8F))
        }

        It 'writes Base64 with -AsBase64' {
            ConvertTo-Tlv -Type KeepAlive -AsBase64 | Should -Be ([Convert]::ToBase64String([byte[]](0, 9, 0, 0)))
        }

        It 'refuses -AsHex and -AsBase64 together' {
            { ConvertTo-Tlv -Type KeepAlive -AsHex -AsBase64 } | Should -Throw -ErrorId 'ConflictingOutputFormat,McastCrypto.Commands.ConvertToTlvCommand'
        }
    }

    Context 'records from the pipeline and nesting' {
        BeforeAll {
            $inner = ConvertFrom-Tlv -InputObject (ConvertTo-Tlv -Type RelayedMessage -Value ([byte[]](0xAA, 0xBB)))
            $keepAlive = ConvertFrom-Tlv -InputObject (ConvertTo-Tlv -Type KeepAlive)
        }

        It 'concatenates piped records in order into one byte[]' {
            ($inner, $keepAlive | ConvertTo-Tlv | Measure-Object).Count | Should -Be 1
            ($inner, $keepAlive | ConvertTo-Tlv) | Should -Be ([byte[]](0, 6, 0, 2, 0xAA, 0xBB, 0, 9, 0, 0))
        }

        It 'wraps piped records in a record of -Type' {
            ($inner | ConvertTo-Tlv -Type 99) | Should -Be ([byte[]](0, 99, 0, 6, 0, 6, 0, 2, 0xAA, 0xBB))
        }

        It 'nests records given as -Value' {
            $prefix = [byte[]](127, 0, 0, 1, 0xC3, 0x50)
            $senderInfo = ConvertTo-Tlv -Type SenderInfo -Value ($prefix + $inner.ToBytes())
            $decoded = ConvertFrom-Tlv -InputObject $senderInfo -Recurse
            $decoded.Decoded.Port | Should -Be 50000
            $decoded.Decoded.Inner.Value | Should -Be ([byte[]](0xAA, 0xBB))

            (ConvertTo-Tlv -Type 99 -Value @($inner, $keepAlive)) | Should -Be ([byte[]](0, 99, 0, 10, 0, 6, 0, 2, 0xAA, 0xBB, 0, 9, 0, 0))
        }
    }
}
