namespace Cordon.Ddk
{
    /// <summary>A range of I/O ports (an I/O BAR of the bound function,
    /// <see cref="PciDevice.MapIoBar"/>). Every access is one <c>in</c> or
    /// <c>out</c> of its width at a byte offset into the range, checked
    /// (inside, naturally aligned) before it reaches the port.</summary>
    public sealed class PortRange
    {
        readonly int first;
        readonly int length;

        internal PortRange(int first, int length)
        {
            this.first = first;
            this.length = length;
        }

        /// <summary>Ports in the range.</summary>
        public int Length { get { return length; } }

        /// <summary>A window of <paramref name="size"/> ports at
        /// <paramref name="offset"/>.</summary>
        public PortRange Slice(int offset, int size)
        {
            if (offset < 0 || size < 0 || offset > length - size)
                throw new DeviceException("port slice outside its range");
            return new PortRange(first + offset, size);
        }

        int At(int offset, int width)
        {
            if (offset < 0 || offset > length - width || (offset & (width - 1)) != 0)
                throw new DeviceException("port access outside its range or unaligned");
            return first + offset;
        }

        static long In(int port, int width)
        {
            long v = Native.PortIn(port, width);
            if (v < 0)
                throw new DeviceException("port access refused");
            return v;
        }

        static void Out(int port, int width, int value)
        {
            if (Native.PortOut(port, width, value) != 0)
                throw new DeviceException("port access refused");
        }

        public byte In8(int offset) { return (byte)In(At(offset, 1), 1); }
        public ushort In16(int offset) { return (ushort)In(At(offset, 2), 2); }
        public uint In32(int offset) { return (uint)In(At(offset, 4), 4); }
        public void Out8(int offset, byte value) { Out(At(offset, 1), 1, value); }
        public void Out16(int offset, ushort value) { Out(At(offset, 2), 2, value); }
        public void Out32(int offset, uint value) { Out(At(offset, 4), 4, (int)value); }
    }
}
