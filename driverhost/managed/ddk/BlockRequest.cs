namespace Cordon.Ddk
{
    /// <summary>One block operation the driver host hands a driver. Each
    /// request owns a DMA buffer of the driver's MaxTransfer bytes, reused
    /// for every operation in its slot: reads land in it, writes come from it.</summary>
    public sealed class BlockRequest
    {
        internal BlockRequest(int slot, DmaBuffer buffer)
        {
            Slot = slot;
            Buffer = buffer;
        }

        public readonly int Slot;
        public readonly DmaBuffer Buffer;
        public BlockOp Op;
        /// <summary>First block.</summary>
        public long Lba;
        /// <summary>Bytes to move: a multiple of the block size.</summary>
        public int Length;
        /// <summary>The driver's own bookkeeping (e.g. its descriptor).</summary>
        public int Tag;
    }
}
