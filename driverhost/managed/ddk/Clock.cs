namespace Cordon.Ddk
{
    public static class Clock
    {
        /// <summary>Microseconds since boot.</summary>
        public static long Microseconds { get { return Native.UptimeMicros(); } }
        public static void Sleep(int milliseconds) { Native.SleepMillis(milliseconds); }
    }
}
