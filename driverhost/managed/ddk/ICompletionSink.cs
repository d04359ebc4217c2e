namespace Cordon.Ddk
{
    /// <summary>Where a driver reports finished requests (the driver host).</summary>
    public interface ICompletionSink
    {
        void Completed(BlockRequest request, BlockStatus status);
    }
}
