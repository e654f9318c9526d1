using System;

namespace McastCrypto.Session
{
    /// <summary>What <see cref="McastSession.MessageReceived"/> carries: the message, as Receive-McastMessage returns it.</summary>
    public sealed class McastMessageEventArgs : EventArgs
    {
        public McastMessageEventArgs(McastMessage message)
        {
            Message = message ?? throw new ArgumentNullException(nameof(message));
        }

        /// <summary>The message (Kind Message). It also stays in the session until taken.</summary>
        public McastMessage Message { get; }
    }
}
