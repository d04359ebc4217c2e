// The driver host's side of the DDK: every InternalCall the DDK's public
// types sit on, in one place. Drivers never see these; the driver host
// (driverhost/src/ddk.rs) registers a Rust body for each name.
using System.Runtime.CompilerServices;

namespace Cordon.Ddk
{
    internal static class Native
    {
        // PCI configuration space of the bound function (width 1, 2 or 4).
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long ConfigRead(int bdf, int offset, int width);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int ConfigWrite(int bdf, int offset, int width, int value);
        // A BAR mapped into this process: its virtual address, or 0 (and its
        // length through `length`).
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long MapBar(int bdf, int bar, out long length);

        // An I/O BAR opened for port access: its first port, or -1 (and its
        // length in ports through `length`).
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int IoBar(int bdf, int bar, out int length);
        // Port I/O (width 1, 2 or 4) inside an opened I/O BAR: the value, or
        // -1 when refused; PortOut: 0, or -1 when refused.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long PortIn(int port, int width);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int PortOut(int port, int width, int value);

        // Device registers: volatile accesses, in program order.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int Read8(long address);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int Read16(long address);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int Read32(long address);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long Read64(long address);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Write8(long address, int value);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Write16(long address, int value);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Write32(long address, int value);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Write64(long address, long value);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Fence();

        // DMA memory: virtual address (0 on failure), physical through `phys`.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long DmaAlloc(int length, out long phys);

        // Interrupts of the bound function: the kind bound (1 MSI-X, 2 MSI,
        // 3 INTx, negative on failure), a wait (1 arrived, 0 timed out), ack.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int IrqBind(int bdf);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int IrqWait(int timeoutMs);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void IrqAck(int bdf);

        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long UptimeMicros();
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void SleepMillis(int ms);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void Log(string message);

        // The block host (BlockHost.cs).
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern BlockDriver BoundDriver();
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int BoundFunction(out int ids);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void HostReady(long blocks, int blockSize, int readOnly, int maxTransfer, int depth);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void HostSlot(int slot, long buffer);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int HostNext(out int slot, out int op, out long lba, out int length);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void HostComplete(int slot, int status);
        // The device's identity string (null: none), before HostReady.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern void HostIdentity(string identity);
        // Requests taken from clients and not yet answered.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int HostInFlight();

        // Fault injections (FaultInjection.cs): the kind (0 none) and after
        // how many requests; the wild store's target address.
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern int InjectedFault(out int after);
        [MethodImpl(MethodImplOptions.InternalCall)]
        internal static extern long InjectTarget();
    }
}
