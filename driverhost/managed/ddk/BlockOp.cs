namespace Cordon.Ddk
{
    /// <summary>What a block request does (the values the driver host uses).</summary>
    public enum BlockOp { Read = 1, Write = 2, Flush = 3 }
}
