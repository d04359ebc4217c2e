using System;

namespace Cordon.Ddk
{
    /// <summary>Names a PCI function a driver class drives. The driver host
    /// reads it from the metadata and binds the class to a granted function
    /// with these ids.</summary>
    [AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
    public sealed class PciDriverAttribute : Attribute
    {
        public readonly int Vendor;
        public readonly int Device;

        public PciDriverAttribute(int vendor, int device)
        {
            Vendor = vendor;
            Device = device;
        }
    }
}
