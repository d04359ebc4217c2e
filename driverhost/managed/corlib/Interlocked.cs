// Cordon corlib: System.Threading.Interlocked. A runtime runs one managed
// thread, so these are plain reads and writes; mcs's iterators call
// CompareExchange. They stay correct only while that is so (docs/jit.md).

namespace System.Threading
{
    public static class Interlocked
    {
        public static int CompareExchange(ref int location, int value, int comparand)
        {
            int old = location;
            if (old == comparand)
                location = value;
            return old;
        }

        public static int Exchange(ref int location, int value)
        {
            int old = location;
            location = value;
            return old;
        }

        public static int Increment(ref int location)
        {
            return ++location;
        }

        public static int Decrement(ref int location)
        {
            return --location;
        }

        public static int Add(ref int location, int value)
        {
            location += value;
            return location;
        }
    }
}
