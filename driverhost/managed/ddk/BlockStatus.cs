namespace Cordon.Ddk
{
    /// <summary>How a block request ended; the driver host maps these to
    /// the block protocol's typed errors.</summary>
    public enum BlockStatus { Ok = 0, IoError = 1, Unsupported = 2, NotReady = 3 }
}
