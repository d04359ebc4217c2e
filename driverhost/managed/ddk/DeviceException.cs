using System;

namespace Cordon.Ddk
{
    /// <summary>The device did not do what the driver needed: wrong
    /// capabilities, refused features, a timeout.</summary>
    public class DeviceException : Exception
    {
        public DeviceException(string message) : base(message) { }
    }
}
