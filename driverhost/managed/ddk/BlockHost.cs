namespace Cordon.Ddk
{
    /// <summary>The loop between the driver host and a bound block driver.
    /// The driver host calls <see cref="Run"/>; it starts the driver, gives
    /// each queue slot a DMA buffer, then starts the requests the host
    /// takes from its clients and reports completions, until the host ends
    /// it. Exceptions leave Run: the driver host logs them and dies.</summary>
    public sealed class BlockHost : ICompletionSink
    {
        const int NextStart = 1;
        const int NextInterrupt = 2;

        readonly BlockDriver driver;
        BlockRequest[] slots;

        BlockHost(BlockDriver driver)
        {
            this.driver = driver;
        }

        public static int Run()
        {
            BlockDriver driver = Native.BoundDriver();
            PciDevice device = PciDevice.Bound();
            if (driver == null || device == null)
                return 1;
            return new BlockHost(driver).Serve(device);
        }

        int Serve(PciDevice device)
        {
            driver.Start(device);
            int depth = driver.QueueDepth;
            slots = new BlockRequest[depth];
            for (int i = 0; i < depth; i++)
            {
                slots[i] = new BlockRequest(i, DmaBuffer.Allocate(driver.MaxTransfer));
                Native.HostSlot(i, slots[i].Buffer.Address);
            }
            Native.HostIdentity(driver.Identity);
            Native.HostReady(driver.Blocks, driver.BlockSize, driver.ReadOnly ? 1 : 0, driver.MaxTransfer, depth);
            FaultInjection inject = new FaultInjection();
            while (true)
            {
                int slot, op, length;
                long lba;
                int what = Native.HostNext(out slot, out op, out lba, out length);
                if (what == NextStart)
                {
                    BlockRequest r = slots[slot];
                    r.Op = (BlockOp)op;
                    r.Lba = lba;
                    r.Length = length;
                    // A length the slot's buffer cannot hold would let the
                    // device write past it (the campaign saw a flipped
                    // register do it: docs/campaign.md). Refused, not
                    // submitted; the block service replays it elsewhere.
                    if (length < 0 || length > r.Buffer.Length)
                    {
                        Completed(r, BlockStatus.IoError);
                        continue;
                    }
                    inject.BeforeRequest(r);
                    if (!driver.Submit(r))
                        Completed(r, BlockStatus.Ok);
                }
                else if (what == NextInterrupt)
                {
                    driver.Poll(this);
                }
                else
                {
                    return 0;
                }
            }
        }

        public void Completed(BlockRequest request, BlockStatus status)
        {
            Native.HostComplete(request.Slot, (int)status);
        }
    }
}
