namespace Cordon.Ddk
{
    /// <summary>Device registers (a BAR, or a window into one). Every access
    /// is a single volatile load or store of its width, in program order
    /// with every other device and DMA access; offsets are checked.</summary>
    public sealed class MmioRegion
    {
        readonly long address;
        readonly long length;

        internal MmioRegion(long address, long length)
        {
            this.address = address;
            this.length = length;
        }

        public long Length { get { return length; } }

        /// <summary>A window of <paramref name="size"/> bytes at
        /// <paramref name="offset"/> (a virtio capability's structure).</summary>
        public MmioRegion Slice(long offset, long size)
        {
            if (offset < 0 || size < 0 || offset + size > length)
                throw new DeviceException("MMIO slice outside its region");
            return new MmioRegion(address + offset, size);
        }

        long At(long offset, int width)
        {
            if (offset < 0 || offset + width > length || (offset & (width - 1)) != 0)
                throw new DeviceException("MMIO access outside its region or unaligned");
            return address + offset;
        }

        public byte Read8(long offset) { return (byte)Native.Read8(At(offset, 1)); }
        public ushort Read16(long offset) { return (ushort)Native.Read16(At(offset, 2)); }
        public uint Read32(long offset) { return (uint)Native.Read32(At(offset, 4)); }
        public ulong Read64(long offset) { return (ulong)Native.Read64(At(offset, 8)); }
        public void Write8(long offset, byte value) { Native.Write8(At(offset, 1), value); }
        public void Write16(long offset, ushort value) { Native.Write16(At(offset, 2), value); }
        public void Write32(long offset, uint value) { Native.Write32(At(offset, 4), (int)value); }
        public void Write64(long offset, ulong value) { Native.Write64(At(offset, 8), (long)value); }

        /// <summary>Orders every earlier memory access (device or DMA) before
        /// every later one.</summary>
        public static void Barrier() { Native.Fence(); }
    }
}
