@{
    RootModule           = 'McastCrypto.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d0f4b8e-7c1a-4f0e-9a55-2b8f1d3c6e71'
    Author               = 'The McastCrypto engineers'
    CompanyName          = 'McastCrypto'
    Copyright            = '(c) 2026 The McastCrypto authors. MIT License: see the LICENSE file.'
    Description          = 'Secure group messaging over UDP multicast through a relay: members and relay, the seed article''s Classic TLV/RSA-OAEP protocol byte for byte, and TLV tools.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    CompatiblePSEditions = @('Desktop', 'Core')
    FormatsToProcess     = @('McastCrypto.Format.ps1xml')
    CmdletsToExport      = @(
        'ConvertFrom-Tlv'
        'ConvertTo-Tlv'
        'Enter-McastChat'
        'Get-McastPeer'
        'Get-McastRelay'
        'Get-McastRelayEvent'
        'Get-McastSession'
        'New-McastIdentity'
        'New-McastSession'
        'Receive-McastMessage'
        'Remove-McastSession'
        'Send-McastMessage'
        'Start-McastRelay'
        'Stop-McastRelay'
        'Watch-McastGroup'
    )
    FunctionsToExport    = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Multicast', 'UDP', 'TLV', 'Encryption', 'RSA', 'ECDSA', 'AES-GCM', 'Relay', 'Chat', 'Networking', 'Security', 'PSEdition_Desktop', 'PSEdition_Core')
            ReleaseNotes = 'Secure protocol by default (signed handshakes, AES-GCM group key that changes when members leave), the seed article''s Classic protocol byte for byte, Watch-McastGroup to see the wire, TLV tools.'
            # No ProjectUri or LicenseUri: the project has no public address yet, and an invented one
            # would mislead. The licence travels as the LICENSE file in the module folder and the package.
        }
    }
}
