namespace McastCrypto.Commands
{
    /// <summary>What a key does to the chat's line editor.</summary>
    internal enum ChatKey
    {
        /// <summary>A key the editor does not use (a modifier alone, Tab, Escape, a function key...).</summary>
        Ignored,

        /// <summary>A printable character, inserted at the cursor.</summary>
        Character,

        /// <summary>Deletes the character before the cursor (Backspace: DEL 0x7F or Ctrl+H 0x08 on terminals).</summary>
        Backspace,

        /// <summary>Deletes the character under the cursor.</summary>
        Delete,

        Left,

        Right,

        Home,

        End,

        /// <summary>The previous line entered (history).</summary>
        Up,

        /// <summary>The next line entered, and after the newest the line that was being typed.</summary>
        Down,

        /// <summary>Ends the line.</summary>
        Enter,
    }
}
