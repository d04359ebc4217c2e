using Cordon.Ddk;

namespace Cordon.Drivers.VirtioBlk
{
    /// <summary>The virtio block device (virtio 1.2, 5.2) over modern PCI:
    /// one request queue, up to <see cref="Depth"/> requests in flight,
    /// completions from the queue's interrupt (MSI-X entry 0 when the
    /// device has MSI-X).</summary>
    [PciDriver(0x1af4, 0x1042)]
    public sealed class VirtioBlkDriver : BlockDriver
    {
        // Feature bits (5.2.3, 6).
        const int FeatureSegMax = 2;
        const int FeatureBlkSize = 6;
        const int FeatureFlush = 9;
        const int FeatureVersion1 = 32;

        // Device configuration (5.2.4).
        const int ConfigCapacity = 0;
        const int ConfigSegMax = 12;
        const int ConfigBlkSize = 20;

        const int Sector = 512;
        const int Depth = 32;
        const int Transfer = 64 * 1024;
        const int MaxQueue = 128;
        // VIRTIO_BLK_ID_BYTES (5.2.6): the identity string, NUL-padded.
        const int IdBytes = 20;

        VirtioPciTransport transport;
        Virtqueue queue;
        QueueNotifier notifier;
        Interrupt interrupt;
        RequestHeaders headers;
        BlockRequest[] inFlight;
        long capacity;
        ulong features;
        string identity;

        public static BlockDriver Create() { return new VirtioBlkDriver(); }

        public override long Blocks { get { return capacity; } }
        public override int BlockSize { get { return Sector; } }
        public override bool ReadOnly { get { return false; } }
        public override int MaxTransfer { get { return Transfer; } }
        public override int QueueDepth { get { return Depth; } }
        public override Interrupt Interrupt { get { return interrupt; } }
        public override string Identity { get { return identity; } }

        static bool Has(ulong set, int bit) { return (set & (1UL << bit)) != 0; }

        const string HexDigits = "0123456789abcdef";

        static string Hex2(int v)
        {
            return HexDigits.Substring((v >> 4) & 15, 1) + HexDigits.Substring(v & 15, 1);
        }

        public override void Start(PciDevice pci)
        {
            // The address as a struct local, read field by field: the shape
            // of the seed's bug 5 (`jit-fault-ldfld-driver` runs this with
            // the JIT's `ldfld-struct` injection, which takes the struct's
            // bytes 00 03 00 as an address and faults at 0x300).
            PciAddress addr = pci.Address;
            Log.Write("virtio-blk (C#) at " + Hex2(addr.Bus) + ":" + Hex2(addr.Device) + "." + addr.Function);
            transport = new VirtioPciTransport(pci);
            byte found = transport.Status;
            // Always: a predecessor may have died with requests in flight.
            // Bus mastering goes on only after the reset has stopped them.
            transport.Reset();
            pci.EnableBusMaster();
            transport.Status = VirtioPciTransport.StatusAcknowledge;
            transport.Status = (byte)(transport.Status | VirtioPciTransport.StatusDriver);

            ulong offered = transport.DeviceFeatures;
            if (!Has(offered, FeatureVersion1))
            {
                transport.Fail();
                throw new DeviceException("virtio-blk: the device does not offer VERSION_1");
            }
            ulong wanted = (1UL << FeatureVersion1) | (1UL << FeatureFlush) | (1UL << FeatureBlkSize) | (1UL << FeatureSegMax);
            features = offered & wanted;
            transport.AcceptFeatures(features);

            MmioRegion cfg = transport.DeviceConfig;
            capacity = (long)(cfg.Read32(ConfigCapacity) | ((ulong)cfg.Read32(ConfigCapacity + 4) << 32));
            uint blkSize = Has(features, FeatureBlkSize) ? cfg.Read32(ConfigBlkSize) : Sector;
            uint segMax = Has(features, FeatureSegMax) ? cfg.Read32(ConfigSegMax) : 1;

            int size = transport.MaxQueueSize(0);
            if (size == 0)
                throw new DeviceException("virtio-blk: the device has no request queue");
            if (size > MaxQueue)
                size = MaxQueue;
            if (size < 3 * Depth)
                throw new DeviceException("virtio-blk: the request queue is too small");
            queue = new Virtqueue(size);
            inFlight = new BlockRequest[size];
            headers = new RequestHeaders(Depth);

            interrupt = pci.Interrupt;
            ushort vector = VirtioPciTransport.NoVector;
            if (interrupt.Kind == InterruptKind.MsiX)
            {
                transport.DisableConfigInterrupt();
                vector = 0;
            }
            notifier = transport.SetUpQueue(0, queue, vector);
            transport.Status = (byte)(transport.Status | VirtioPciTransport.StatusDriverOk);
            if ((transport.Status & VirtioPciTransport.StatusNeedsReset) != 0)
                throw new DeviceException("virtio-blk: the device needs a reset after start");

            identity = ReadIdentity();
            Log.Write("virtio-blk (C#): " + capacity + " blocks of " + Sector + " B, blk_size " + blkSize
                + ", seg_max " + segMax + ", flush " + (Has(features, FeatureFlush) ? "yes" : "no")
                + ", queue " + size + ", " + Depth + " requests in flight, "
                + (interrupt.Kind == InterruptKind.MsiX ? "MSI-X" : interrupt.Kind == InterruptKind.Msi ? "MSI" : "INTx")
                + " interrupts (device reset; its status was " + found + "), id "
                + (identity == null ? "(none)" : "\"" + identity + "\""));
        }

        /// <summary>VIRTIO_BLK_T_GET_ID (5.2.6), before any I/O: the
        /// device's identity string (QEMU: the drive's <c>serial=</c>), or
        /// null if the device does not support the request. Polled, in
        /// slot 0: no request is in flight yet and the interrupt's
        /// notification, which may still arrive, finds nothing to complete.</summary>
        string ReadIdentity()
        {
            DmaBuffer id = DmaBuffer.Allocate(IdBytes);
            headers.Prepare(0, RequestHeaders.TypeGetId, 0);
            int next = queue.AddDescriptor(headers.StatusAddress(0), 1, true, -1);
            next = queue.AddDescriptor(id.PhysicalAddress, IdBytes, true, next);
            int head = queue.AddDescriptor(headers.HeaderAddress(0), RequestHeaders.HeaderSize, false, next);
            queue.Publish(head);
            notifier.Notify();
            long deadline = Clock.Microseconds + 1000000;
            int done;
            while ((done = queue.TakeUsed()) < 0)
            {
                if (Clock.Microseconds > deadline)
                    throw new DeviceException("virtio-blk: the device did not answer GET_ID");
            }
            if (done != head)
                throw new DeviceException("virtio-blk: the device completed a request it was not given");
            queue.FreeChain(done);
            if (headers.Status(0) != RequestHeaders.StatusOk)
                return null;
            char[] chars = new char[IdBytes];
            int n = 0;
            while (n < IdBytes)
            {
                byte b = id.Read8(n);
                if (b == 0)
                    break;
                // Printable ASCII only: the string goes into logs and replies.
                chars[n] = b >= 0x20 && b < 0x7f ? (char)b : '?';
                n++;
            }
            return new string(chars, 0, n);
        }

        public override bool Submit(BlockRequest r)
        {
            int type;
            if (r.Op == BlockOp.Read)
                type = RequestHeaders.TypeIn;
            else if (r.Op == BlockOp.Write)
                type = RequestHeaders.TypeOut;
            else
                type = RequestHeaders.TypeFlush;
            if (r.Op == BlockOp.Flush && !Has(features, FeatureFlush))
            {
                // Nothing to make durable: the device has no write cache.
                return false;
            }
            headers.Prepare(r.Slot, type, r.Lba);
            int next = queue.AddDescriptor(headers.StatusAddress(r.Slot), 1, true, -1);
            if (r.Op != BlockOp.Flush)
                next = queue.AddDescriptor(r.Buffer.PhysicalAddress, r.Length, r.Op == BlockOp.Read, next);
            int head = queue.AddDescriptor(headers.HeaderAddress(r.Slot), RequestHeaders.HeaderSize, false, next);
            r.Tag = head;
            inFlight[head] = r;
            queue.Publish(head);
            notifier.Notify();
            return true;
        }

        public override void Poll(ICompletionSink sink)
        {
            if (interrupt.Kind == InterruptKind.Intx)
                transport.ReadIsr();
            int head;
            while ((head = queue.TakeUsed()) >= 0)
            {
                BlockRequest r = head < inFlight.Length ? inFlight[head] : null;
                if (r == null)
                    throw new DeviceException("virtio-blk: the device completed a request it was not given");
                inFlight[head] = null;
                queue.FreeChain(head);
                sink.Completed(r, ToStatus(headers.Status(r.Slot)));
            }
            interrupt.Ack();
        }

        /// <summary>The virtio-blk status byte (5.2.6) as a DDK status.</summary>
        static BlockStatus ToStatus(byte status)
        {
            if (status == RequestHeaders.StatusOk)
                return BlockStatus.Ok;
            if (status == RequestHeaders.StatusUnsupported)
                return BlockStatus.Unsupported;
            return BlockStatus.IoError;
        }
    }
}
