namespace Cordon.Ddk
{
    /// <summary>Memory the device reads and writes: physically contiguous,
    /// zeroed, cache-coherent. Typed accesses at byte offsets are volatile
    /// (the device may change it at any time) and checked.</summary>
    public sealed class DmaBuffer
    {
        readonly long address;
        readonly long physical;
        readonly int length;

        DmaBuffer(long address, long physical, int length)
        {
            this.address = address;
            this.physical = physical;
            this.length = length;
        }

        /// <summary>A new buffer of at least <paramref name="length"/> bytes.</summary>
        public static DmaBuffer Allocate(int length)
        {
            long phys;
            long va = Native.DmaAlloc(length, out phys);
            if (va == 0)
                throw new DeviceException("out of DMA memory");
            return new DmaBuffer(va, phys, length);
        }

        public int Length { get { return length; } }
        /// <summary>The address the device uses.</summary>
        public long PhysicalAddress { get { return physical; } }
        /// <summary>Where this process sees it (for the driver host's copies).</summary>
        internal long Address { get { return address; } }

        long At(int offset, int width)
        {
            if (offset < 0 || offset > length - width)
                throw new DeviceException("DMA access outside its buffer");
            return address + offset;
        }

        public byte Read8(int offset) { return (byte)Native.Read8(At(offset, 1)); }
        public ushort Read16(int offset) { return (ushort)Native.Read16(At(offset, 2)); }
        public uint Read32(int offset) { return (uint)Native.Read32(At(offset, 4)); }
        public ulong Read64(int offset) { return (ulong)Native.Read64(At(offset, 8)); }
        public void Write8(int offset, byte value) { Native.Write8(At(offset, 1), value); }
        public void Write16(int offset, ushort value) { Native.Write16(At(offset, 2), value); }
        public void Write32(int offset, uint value) { Native.Write32(At(offset, 4), (int)value); }
        public void Write64(int offset, ulong value) { Native.Write64(At(offset, 8), (long)value); }
    }
}
