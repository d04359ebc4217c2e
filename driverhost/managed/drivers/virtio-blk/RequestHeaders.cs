using Cordon.Ddk;

namespace Cordon.Drivers.VirtioBlk
{
    /// <summary>The device-readable request header (type, sector) and the
    /// device-written status byte of each request slot (virtio 1.2, 5.2.6),
    /// in one DMA buffer.</summary>
    public sealed class RequestHeaders
    {
        public const int TypeIn = 0;
        public const int TypeOut = 1;
        public const int TypeFlush = 4;
        public const int TypeGetId = 8;
        public const int HeaderSize = 16;
        public const byte StatusOk = 0;
        public const byte StatusIoError = 1;
        public const byte StatusUnsupported = 2;

        readonly DmaBuffer memory;
        readonly int statusOffset;

        public RequestHeaders(int slots)
        {
            statusOffset = slots * HeaderSize;
            memory = DmaBuffer.Allocate(statusOffset + slots);
        }

        public void Prepare(int slot, int type, long sector)
        {
            int at = slot * HeaderSize;
            memory.Write32(at, (uint)type);
            memory.Write32(at + 4, 0);
            memory.Write64(at + 8, (ulong)sector);
            // Not a status the device writes: a request it never finished
            // reads as an error, not as success.
            memory.Write8(statusOffset + slot, 0xff);
        }

        public long HeaderAddress(int slot) { return memory.PhysicalAddress + slot * HeaderSize; }
        public long StatusAddress(int slot) { return memory.PhysicalAddress + statusOffset + slot; }
        public byte Status(int slot) { return memory.Read8(statusOffset + slot); }
    }
}
