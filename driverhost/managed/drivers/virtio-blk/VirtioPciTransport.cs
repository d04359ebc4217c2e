using Cordon.Ddk;

namespace Cordon.Drivers.VirtioBlk
{
    /// <summary>Virtio 1.x over modern PCI (virtio 1.2, 4.1): the vendor
    /// capabilities that locate the common configuration, notification,
    /// ISR and device-specific structures in the BARs, and the device
    /// status / feature handshake on the common configuration.</summary>
    public sealed class VirtioPciTransport
    {
        // Capability cfg_type values (4.1.4).
        const int CapVendor = 0x09;
        const int CfgCommon = 1;
        const int CfgNotify = 2;
        const int CfgIsr = 3;
        const int CfgDevice = 4;

        // Common configuration registers (4.1.4.3).
        const int DeviceFeatureSelect = 0x00;
        const int DeviceFeature = 0x04;
        const int DriverFeatureSelect = 0x08;
        const int DriverFeature = 0x0c;
        const int MsixConfig = 0x10;
        const int DeviceStatusReg = 0x14;
        const int QueueSelect = 0x16;
        const int QueueSizeReg = 0x18;
        const int QueueMsixVector = 0x1a;
        const int QueueEnable = 0x1c;
        const int QueueNotifyOff = 0x1e;
        const int QueueDesc = 0x20;
        const int QueueDriver = 0x28;
        const int QueueDevice = 0x30;

        public const byte StatusAcknowledge = 1;
        public const byte StatusDriver = 2;
        public const byte StatusDriverOk = 4;
        public const byte StatusFeaturesOk = 8;
        public const byte StatusNeedsReset = 64;
        public const byte StatusFailed = 128;

        public const ushort NoVector = 0xffff;

        readonly PciDevice pci;
        readonly MmioRegion[] bars = new MmioRegion[6];
        MmioRegion common;
        MmioRegion notify;
        MmioRegion isr;
        MmioRegion deviceConfig;
        uint notifyMultiplier;

        public VirtioPciTransport(PciDevice pci)
        {
            this.pci = pci;
            pci.EnableMemory();
            for (int cap = pci.FindCapability(CapVendor, 0); cap != 0; cap = pci.FindCapability(CapVendor, cap))
            {
                int type = pci.ReadConfig8(cap + 3);
                int bar = pci.ReadConfig8(cap + 4);
                uint offset = pci.ReadConfig32(cap + 8);
                uint length = pci.ReadConfig32(cap + 12);
                if (bar > 5)
                    continue;
                if (type == CfgCommon && common == null)
                    common = Bar(bar).Slice(offset, length);
                else if (type == CfgNotify && notify == null)
                {
                    notify = Bar(bar).Slice(offset, length);
                    notifyMultiplier = pci.ReadConfig32(cap + 16);
                }
                else if (type == CfgIsr && isr == null)
                    isr = Bar(bar).Slice(offset, length);
                else if (type == CfgDevice && deviceConfig == null)
                    deviceConfig = Bar(bar).Slice(offset, length);
            }
            if (common == null || notify == null || isr == null || deviceConfig == null)
                throw new DeviceException("virtio: a modern PCI capability is missing");
        }

        MmioRegion Bar(int n)
        {
            if (bars[n] == null)
                bars[n] = pci.MapBar(n);
            return bars[n];
        }

        public MmioRegion DeviceConfig { get { return deviceConfig; } }

        public byte Status
        {
            get { return common.Read8(DeviceStatusReg); }
            set { common.Write8(DeviceStatusReg, value); }
        }

        /// <summary>Writes 0 and waits until the device reads back 0
        /// (4.1.4.3.2): every queue stops and forgets its buffers.</summary>
        public void Reset()
        {
            Status = 0;
            long deadline = Clock.Microseconds + 1000000;
            while (Status != 0)
            {
                if (Clock.Microseconds > deadline)
                    throw new DeviceException("virtio: the device did not reset");
            }
        }

        public ulong DeviceFeatures
        {
            get
            {
                common.Write32(DeviceFeatureSelect, 0);
                ulong low = common.Read32(DeviceFeature);
                common.Write32(DeviceFeatureSelect, 1);
                ulong high = common.Read32(DeviceFeature);
                return low | (high << 32);
            }
        }

        /// <summary>Writes the driver's features and sets FEATURES_OK;
        /// throws if the device does not keep it set.</summary>
        public void AcceptFeatures(ulong features)
        {
            common.Write32(DriverFeatureSelect, 0);
            common.Write32(DriverFeature, (uint)features);
            common.Write32(DriverFeatureSelect, 1);
            common.Write32(DriverFeature, (uint)(features >> 32));
            Status = (byte)(Status | StatusFeaturesOk);
            if ((Status & StatusFeaturesOk) == 0)
            {
                Fail();
                throw new DeviceException("virtio: the device refused the features");
            }
        }

        /// <summary>Sets FAILED: the driver has given up on the device
        /// (3.1.1), which then stops until the next reset.</summary>
        public void Fail() { Status = (byte)(Status | StatusFailed); }

        public void DisableConfigInterrupt() { common.Write16(MsixConfig, NoVector); }

        /// <summary>The largest size the device allows for queue <paramref name="index"/> (0: none).</summary>
        public int MaxQueueSize(int index)
        {
            common.Write16(QueueSelect, (ushort)index);
            return common.Read16(QueueSizeReg);
        }

        /// <summary>Gives queue <paramref name="index"/> its rings, routes
        /// its interrupts to MSI-X entry <paramref name="vector"/> (or
        /// <see cref="NoVector"/>), enables it, and returns its notifier.</summary>
        public QueueNotifier SetUpQueue(int index, Virtqueue queue, ushort vector)
        {
            common.Write16(QueueSelect, (ushort)index);
            common.Write16(QueueSizeReg, (ushort)queue.Size);
            common.Write64(QueueDesc, (ulong)queue.DescriptorTable);
            common.Write64(QueueDriver, (ulong)queue.AvailableRing);
            common.Write64(QueueDevice, (ulong)queue.UsedRing);
            if (vector != NoVector)
            {
                // Without this write the vector stays NO_VECTOR after the
                // reset, and with MSI-X on the device raises nothing.
                common.Write16(QueueMsixVector, vector);
                if (common.Read16(QueueMsixVector) != vector)
                    throw new DeviceException("virtio: the device refused the queue's MSI-X vector");
            }
            long offset = (long)common.Read16(QueueNotifyOff) * notifyMultiplier;
            common.Write16(QueueEnable, 1);
            return new QueueNotifier(notify, offset, (ushort)index);
        }

        /// <summary>Reading the ISR status acknowledges an INTx interrupt
        /// at the device (4.1.4.5).</summary>
        public byte ReadIsr() { return isr.Read8(0); }
    }
}
