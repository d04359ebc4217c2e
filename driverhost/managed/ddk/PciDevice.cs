namespace Cordon.Ddk
{
    /// <summary>The PCI function a driver was bound to.</summary>
    public sealed class PciDevice
    {
        public const int CommandRegister = 0x04;
        public const int CommandIo = 1 << 0;
        public const int CommandMemory = 1 << 1;
        public const int CommandBusMaster = 1 << 2;
        const int StatusRegister = 0x06;
        const int StatusCapabilities = 1 << 4;
        const int CapabilitiesPointer = 0x34;
        const int FirstCapability = 0x40;

        readonly int bdf;
        readonly int vendor;
        readonly int device;
        Interrupt interrupt;

        internal PciDevice(int bdf, int ids)
        {
            this.bdf = bdf;
            vendor = ids & 0xffff;
            device = (ids >> 16) & 0xffff;
        }

        public int VendorId { get { return vendor; } }
        public int DeviceId { get { return device; } }
        public int Bus { get { return bdf >> 8; } }
        public int Slot { get { return (bdf >> 3) & 31; } }
        public int Function { get { return bdf & 7; } }
        /// <summary>Bus, slot and function as one value.</summary>
        public PciAddress Address
        {
            get { return new PciAddress((byte)(bdf >> 8), (byte)((bdf >> 3) & 31), (byte)(bdf & 7)); }
        }

        long Read(int offset, int width)
        {
            long v = Native.ConfigRead(bdf, offset, width);
            if (v < 0)
                throw new DeviceException("configuration read refused");
            return v;
        }

        public byte ReadConfig8(int offset) { return (byte)Read(offset, 1); }
        public ushort ReadConfig16(int offset) { return (ushort)Read(offset, 2); }
        public uint ReadConfig32(int offset) { return (uint)Read(offset, 4); }

        public void WriteConfig16(int offset, ushort value)
        {
            if (Native.ConfigWrite(bdf, offset, 2, value) != 0)
                throw new DeviceException("configuration write refused");
        }

        public void WriteConfig32(int offset, uint value)
        {
            if (Native.ConfigWrite(bdf, offset, 4, (int)value) != 0)
                throw new DeviceException("configuration write refused");
        }

        /// <summary>The first capability after the list position
        /// <paramref name="after"/> (0: from the start) with id
        /// <paramref name="id"/>; 0 when there is none. Pass a found
        /// offset back as <paramref name="after"/> to find the next.</summary>
        /// <remarks>Every call walks from the head and visits each
        /// position once: a list that loops, or points into the header,
        /// ends there. So a caller's own loop over the results ends too
        /// (each result lies further along one loop-free walk).</remarks>
        public int FindCapability(int id, int after)
        {
            if ((ReadConfig16(StatusRegister) & StatusCapabilities) == 0)
                return 0;
            bool passed = after == 0;
            ulong seen = 0;
            int at = ReadConfig8(CapabilitiesPointer) & 0xfc;
            // Capabilities live in 0x40..0xff, dword-aligned: 48 positions.
            while (at >= FirstCapability)
            {
                ulong bit = 1UL << ((at - FirstCapability) >> 2);
                if ((seen & bit) != 0)
                    return 0;
                seen |= bit;
                if (passed && ReadConfig8(at) == id)
                    return at;
                if (at == after)
                    passed = true;
                at = ReadConfig8(at + 1) & 0xfc;
            }
            return 0;
        }

        /// <summary>I/O BAR <paramref name="bar"/> as a port range (the
        /// kernel granted its ports with the function).</summary>
        public PortRange MapIoBar(int bar)
        {
            int length;
            int first = Native.IoBar(bdf, bar, out length);
            if (first < 0 || length <= 0)
                throw new DeviceException("BAR is not a granted I/O BAR");
            return new PortRange(first, length);
        }

        /// <summary>Lets the device decode its I/O BARs.</summary>
        public void EnableIo() { SetCommand(CommandIo, true); }

        /// <summary>Memory BAR <paramref name="bar"/> mapped uncached.</summary>
        public MmioRegion MapBar(int bar)
        {
            long length;
            long va = Native.MapBar(bdf, bar, out length);
            if (va == 0)
                throw new DeviceException("BAR is not a granted memory BAR");
            return new MmioRegion(va, length);
        }

        void SetCommand(int bits, bool on)
        {
            int cmd = ReadConfig16(CommandRegister);
            cmd = on ? cmd | bits : cmd & ~bits;
            WriteConfig16(CommandRegister, (ushort)cmd);
        }

        public void EnableMemory() { SetCommand(CommandMemory, true); }
        /// <summary>Lets the device DMA. Turn it on after resetting the
        /// device, so a state left by a predecessor cannot write memory.</summary>
        public void EnableBusMaster() { SetCommand(CommandBusMaster, true); }
        public void DisableBusMaster() { SetCommand(CommandBusMaster, false); }

        /// <summary>The function's interrupt, bound on first use.</summary>
        public Interrupt Interrupt
        {
            get
            {
                if (interrupt == null)
                {
                    int kind = Native.IrqBind(bdf);
                    if (kind <= 0)
                        throw new DeviceException("cannot bind the interrupt");
                    interrupt = new Interrupt(bdf, (InterruptKind)kind);
                }
                return interrupt;
            }
        }

        internal static PciDevice Bound()
        {
            int ids;
            int bdf = Native.BoundFunction(out ids);
            return bdf < 0 ? null : new PciDevice(bdf, ids);
        }
    }
}
