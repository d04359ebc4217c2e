// Input for jit/tests/metadata_mcs.rs: each construct here is asserted on by
// the metadata reader tests, so change both together.
using System;
using System.Runtime.InteropServices;

namespace Cordon.Sample
{
    public interface IDevice
    {
        int Id { get; }
    }

    [StructLayout(LayoutKind.Explicit, Pack = 4, Size = 24)]
    public struct Register
    {
        [FieldOffset(0)] public uint Low;
        [FieldOffset(4)] public uint High;
        [FieldOffset(0)] public ulong Whole;
        [FieldOffset(16)] public byte Flag;
    }

    public class Widget : IDevice
    {
        public const int Answer = 42;
        public static readonly byte[] Table = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

        public int Count;
        private string name;
        public long[] Samples;
        public Register Reg;

        public int Id { get { return Count; } }

        public event EventHandler Changed;

        public Widget(string name)
        {
            this.name = name;
        }

        public static int Add(int a, int b)
        {
            return a + b;
        }

        public string Greet()
        {
            return "Hello, Cordon \u00e9!" + name;
        }

        public static int Guarded(int x)
        {
            int result = 0;
            try
            {
                result = 100 / x;
            }
            catch (DivideByZeroException)
            {
                result = -1;
            }
            finally
            {
                result += 1;
            }
            return result;
        }

        public static int Switchy(int x)
        {
            switch (x)
            {
                case 0: return 10;
                case 1: return 11;
                case 2: return 12;
                case 3: return 13;
                default: return -1;
            }
        }

        public static T Pick<T>(T a, T b, bool first)
        {
            return first ? a : b;
        }

        public static string UsePick()
        {
            return Pick<string>("a", "b", true);
        }

        public void Raise()
        {
            EventHandler h = Changed;
            if (h != null) h(this, EventArgs.Empty);
        }

        public class Inner
        {
            public double Value;
        }

        [DllImport("libdevice", EntryPoint = "dev_open")]
        public static extern int Open(string path, ref int handle);
    }

    public class Box<T> where T : struct
    {
        public T Item;
        public T[,] Grid;
        public static Box<int> Make() { return new Box<int>(); }
    }
}
