namespace Cordon.Ddk
{
    /// <summary>A PCI function's address: bus, device (slot), function —
    /// three bytes, a value type (the seed's layout; docs/driverhost.md,
    /// "The fault-injection switch").</summary>
    public struct PciAddress
    {
        public byte Bus;
        public byte Device;
        public byte Function;

        public PciAddress(byte bus, byte device, byte function)
        {
            Bus = bus;
            Device = device;
            Function = function;
        }
    }
}
