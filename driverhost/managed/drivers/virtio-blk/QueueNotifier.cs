using Cordon.Ddk;

namespace Cordon.Drivers.VirtioBlk
{
    /// <summary>Tells the device a queue has new buffers (4.1.4.4).</summary>
    public sealed class QueueNotifier
    {
        readonly MmioRegion notify;
        readonly long offset;
        readonly ushort queue;

        public QueueNotifier(MmioRegion notify, long offset, ushort queue)
        {
            this.notify = notify;
            this.offset = offset;
            this.queue = queue;
        }

        public void Notify() { notify.Write16(offset, queue); }
    }
}
