namespace Cordon.Ddk
{
    /// <summary>The system log (the serial console), one line per call.</summary>
    public static class Log
    {
        public static void Write(string message) { Native.Log(message); }
    }
}
