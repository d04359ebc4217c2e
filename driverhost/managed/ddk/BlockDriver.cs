namespace Cordon.Ddk
{
    /// <summary>A block-device driver. The driver host creates one per
    /// bound function (through the driver class's public static
    /// <c>Create()</c>), calls <see cref="Start"/>, then feeds it requests
    /// and interrupts and serves the block protocol for it.</summary>
    public abstract class BlockDriver
    {
        /// <summary>Reset the device (a predecessor may have died with
        /// requests in flight), negotiate, set up queues and interrupts.
        /// Throws <see cref="DeviceException"/> when the device is unusable.</summary>
        public abstract void Start(PciDevice device);

        public abstract long Blocks { get; }
        public abstract int BlockSize { get; }
        public abstract bool ReadOnly { get; }
        /// <summary>Largest request in bytes.</summary>
        public abstract int MaxTransfer { get; }
        /// <summary>Requests the driver can have on the device at once.</summary>
        public abstract int QueueDepth { get; }
        /// <summary>The interrupt that signals completions.</summary>
        public abstract Interrupt Interrupt { get; }
        /// <summary>The device's identity (a serial number), read in
        /// <see cref="Start"/>; null if it has none. The driver host serves
        /// it on its control protocol (`DeviceId`).</summary>
        public virtual string Identity { get { return null; } }

        /// <summary>Start <paramref name="request"/> on the device and
        /// return true; it completes later through <see cref="Poll"/>.
        /// Return false for a request that is already done successfully
        /// (a flush on a device without a write cache): the host completes it.</summary>
        public abstract bool Submit(BlockRequest request);

        /// <summary>After an interrupt: hand every finished request to
        /// <paramref name="sink"/> and acknowledge the interrupt.</summary>
        public abstract void Poll(ICompletionSink sink);
    }
}
