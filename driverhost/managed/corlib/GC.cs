// System.GC: the collector's managed face (docs/gc.md). Collect and
// CollectionCount are runtime InternalCalls; GetTotalMemory collects first
// when asked, then reads the heap's byte count.

using System.Runtime.CompilerServices;

namespace System
{
    public static class GC
    {
        public static int MaxGeneration { get { return 0; } }

        // A full collection now (the collector has one generation).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern void Collect();

        public static void Collect(int generation)
        {
            Collect();
        }

        // How many collections have run (every collection counts for
        // every generation).
        [MethodImpl(MethodImplOptions.InternalCall)]
        public static extern int CollectionCount(int generation);

        public static long GetTotalMemory(bool forceFullCollection)
        {
            if (forceFullCollection)
                Collect();
            return GetTotalMemoryCore();
        }

        [MethodImpl(MethodImplOptions.InternalCall)]
        private static extern long GetTotalMemoryCore();

        public static void KeepAlive(object obj)
        {
        }
    }
}
