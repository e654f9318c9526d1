namespace McastCrypto.Commands
{
    /// <summary>What one key did to the chat's line editor.</summary>
    internal enum ChatEditResult
    {
        /// <summary>Nothing changed (an ignored key, or a move against an edge).</summary>
        None,

        /// <summary>The line or the cursor changed: redraw.</summary>
        Changed,

        /// <summary>The character was refused: the line is as long as it may be.</summary>
        Refused,

        /// <summary>Enter: the line is in <see cref="ChatLineEditor.Submitted"/> and the editor starts a new one.</summary>
        Submitted,
    }
}
