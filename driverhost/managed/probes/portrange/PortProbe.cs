using Cordon.Ddk;

namespace Cordon.Tests
{
    /// <summary>Reads a transitional virtio device's legacy header (virtio
    /// 1.2, 4.1.4.8) through the DDK's port range: I/O BAR 0 of the bound
    /// function. Reports what it read as the disk's size and on the log;
    /// every check failure is a DeviceException.</summary>
    [PciDriver(0x1af4, 0x1001)]
    public sealed class PortProbe : BlockDriver
    {
        const int HostFeatures = 0;
        const int DeviceStatus = 18;
        const int Config = 20;

        long blocks;

        public static BlockDriver Create() { return new PortProbe(); }

        static string Hex(uint v)
        {
            const string digits = "0123456789abcdef";
            string s = "";
            for (int shift = 28; shift >= 0; shift -= 4)
                s += digits.Substring((int)((v >> shift) & 15), 1);
            return s;
        }

        public override void Start(PciDevice pci)
        {
            pci.EnableIo();
            PortRange io = pci.MapIoBar(0);
            uint features = io.In32(HostFeatures);
            io.Out8(DeviceStatus, 0);
            io.Out8(DeviceStatus, 1);
            byte status = io.In8(DeviceStatus);
            // Without MSI-X enabled the device configuration starts at 20.
            blocks = (long)io.In32(Config) | ((long)io.In32(Config + 4) << 32);
            int refused = 0;
            try { io.In32(io.Length - 2); } catch (DeviceException) { refused++; }
            try { io.In16(1); } catch (DeviceException) { refused++; }
            try { io.Out8(io.Length, 0); } catch (DeviceException) { refused++; }
            try { io.In8(-1); } catch (DeviceException) { refused++; }
            try { io.Slice(8, io.Length); } catch (DeviceException) { refused++; }
            try { pci.MapIoBar(4); } catch (DeviceException) { refused++; }
            PortRange config = io.Slice(Config, 8);
            uint low = config.In32(0);
            Log.Write("portrange: vendor " + Hex(pci.ReadConfig16(0)) + " device " + Hex(pci.ReadConfig16(2))
                + " features " + Hex(features) + " status " + status + " capacity " + blocks
                + " (slice " + low + ") refused " + refused + " of " + io.Length);
            if (status != 1)
                throw new DeviceException("portrange: the status did not read back");
        }

        public override long Blocks { get { return blocks; } }
        public override int BlockSize { get { return 512; } }
        public override bool ReadOnly { get { return true; } }
        public override int MaxTransfer { get { return 512; } }
        public override int QueueDepth { get { return 1; } }
        public override Interrupt Interrupt { get { return null; } }
        public override bool Submit(BlockRequest request) { return false; }
        public override void Poll(ICompletionSink sink) { }
    }
}
