using Cordon.Ddk;

namespace Cordon.Drivers.VirtioBlk
{
    /// <summary>A split virtqueue (virtio 1.2, 2.7): the descriptor table,
    /// the available ring the driver fills and the used ring the device
    /// fills, all in one DMA buffer, plus the free-descriptor list.</summary>
    public sealed class Virtqueue
    {
        public const ushort DescNext = 1;
        public const ushort DescWrite = 2;

        const int DescSize = 16;

        readonly int size;
        readonly DmaBuffer memory;
        readonly int availOffset;
        readonly int usedOffset;
        // Free descriptors, chained through `nextFree`.
        readonly ushort[] nextFree;
        int freeHead;
        int freeCount;
        ushort availIdx;
        ushort lastUsed;

        public Virtqueue(int size)
        {
            this.size = size;
            availOffset = size * DescSize;
            // The used ring is 4-aligned; put it on its own page anyway.
            int availBytes = 6 + 2 * size;
            usedOffset = (availOffset + availBytes + 4095) & ~4095;
            int usedBytes = 6 + 8 * size;
            memory = DmaBuffer.Allocate(usedOffset + usedBytes);
            nextFree = new ushort[size];
            for (int i = 0; i < size; i++)
                nextFree[i] = (ushort)(i + 1);
            freeHead = 0;
            freeCount = size;
        }

        public int Size { get { return size; } }
        public int FreeDescriptors { get { return freeCount; } }
        public long DescriptorTable { get { return memory.PhysicalAddress; } }
        public long AvailableRing { get { return memory.PhysicalAddress + availOffset; } }
        public long UsedRing { get { return memory.PhysicalAddress + usedOffset; } }

        /// <summary>Takes a free descriptor and fills it; <paramref name="next"/>
        /// is the descriptor it chains to, or -1.</summary>
        public int AddDescriptor(long address, int length, bool deviceWrites, int next)
        {
            if (freeCount == 0)
                throw new DeviceException("virtqueue: out of descriptors");
            int d = freeHead;
            freeHead = nextFree[d];
            freeCount--;
            int at = d * DescSize;
            ushort flags = deviceWrites ? DescWrite : (ushort)0;
            if (next >= 0)
                flags |= DescNext;
            memory.Write64(at, (ulong)address);
            memory.Write32(at + 8, (uint)length);
            memory.Write16(at + 12, flags);
            memory.Write16(at + 14, next >= 0 ? (ushort)next : (ushort)0);
            return d;
        }

        /// <summary>Makes the chain starting at <paramref name="head"/>
        /// visible to the device (the caller notifies).</summary>
        public void Publish(int head)
        {
            memory.Write16(availOffset + 4 + 2 * (availIdx % size), (ushort)head);
            // The ring entry before the index that exposes it (2.7.13).
            MmioRegion.Barrier();
            availIdx++;
            memory.Write16(availOffset + 2, availIdx);
            MmioRegion.Barrier();
        }

        /// <summary>The head of the next chain the device finished, or -1.</summary>
        public int TakeUsed()
        {
            ushort idx = memory.Read16(usedOffset + 2);
            if (idx == lastUsed)
                return -1;
            MmioRegion.Barrier();
            int head = (int)memory.Read32(usedOffset + 4 + 8 * (lastUsed % size));
            lastUsed++;
            return head;
        }

        /// <summary>Returns the chain starting at <paramref name="head"/> to the free list.</summary>
        public void FreeChain(int head)
        {
            int d = head;
            while (true)
            {
                if (d < 0 || d >= size)
                    throw new DeviceException("virtqueue: the device returned a bad descriptor");
                int at = d * DescSize;
                ushort flags = memory.Read16(at + 12);
                int next = memory.Read16(at + 14);
                nextFree[d] = (ushort)freeHead;
                freeHead = d;
                freeCount++;
                if ((flags & DescNext) == 0)
                    break;
                d = next;
            }
        }
    }
}
