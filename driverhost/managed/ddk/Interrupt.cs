namespace Cordon.Ddk
{
    public enum InterruptKind { MsiX = 1, Msi = 2, Intx = 3 }

    /// <summary>The bound function's interrupt (MSI-X entry 0 when the
    /// device has MSI-X, else MSI, else its INTx pin).</summary>
    public sealed class Interrupt
    {
        readonly int bdf;
        readonly InterruptKind kind;

        internal Interrupt(int bdf, InterruptKind kind)
        {
            this.bdf = bdf;
            this.kind = kind;
        }

        public InterruptKind Kind { get { return kind; } }

        /// <summary>Waits up to <paramref name="timeoutMs"/> ms; false on timeout.</summary>
        public bool Wait(int timeoutMs) { return Native.IrqWait(timeoutMs) != 0; }

        /// <summary>After handling: a level-triggered INTx line is unmasked
        /// again (the device must have been told first, e.g. virtio's ISR
        /// read). Message interrupts need nothing.</summary>
        public void Ack()
        {
            if (kind == InterruptKind.Intx)
                Native.IrqAck(bdf);
        }
    }
}
