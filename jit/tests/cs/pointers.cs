// JIT tests: unmanaged pointers, ldind/stind at every width, pointer
// arithmetic, stackalloc (localloc), fixed (pinned locals), sizeof.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// These are what the DDK is made of: register blocks and DMA buffers are
// reached through pointers.

struct Header
{
    public uint Magic;
    public ushort Version;
    public ushort Flags;
    public ulong Length;
}

static unsafe class Pointers
{
    // Not a test (no test_ prefix): the driver host's `jit-ring3-fault`
    // QEMU test calls it so that JIT-compiled code faults in ring 3, reading
    // the address of the seed's page fault (CR2=0x300).
    public static int ReadAt0x300()
    {
        int* p = (int*)0x300;
        return *p;
    }

    static int test_1_ldind_stind_every_width()
    {
        long storage = 0;
        byte* p = (byte*)&storage;
        *(sbyte*)p = -2;
        *(p + 1) = 0xAB;
        *(short*)(p + 2) = -3;
        *(int*)(p + 4) = 0x11223344;
        bool narrow = *(sbyte*)p == -2 && p[1] == 0xAB && *(short*)(p + 2) == -3 && *(ushort*)(p + 2) == 0xFFFD
            && *(int*)(p + 4) == 0x11223344 && *(uint*)(p + 4) == 0x11223344u;
        bool whole = storage == 0x11223344FFFDABFEL && *(ulong*)p == 0x11223344FFFDABFEUL;
        double d = 0;
        *(double*)&d = 2.5;
        float f = 0;
        *(float*)&f = -1.25f;
        char c = 'a';
        *(char*)&c = 'z';
        return narrow && whole && d == 2.5 && f == -1.25f && c == 'z' ? 1 : 0;
    }

    static int test_1_pointer_arithmetic_scales_by_element_size()
    {
        long* a = stackalloc long[4];
        long* p = a + 3;
        int* q = (int*)a + 3;
        return (byte*)p - (byte*)a == 24 && (byte*)q - (byte*)a == 12 && p - a == 3 ? 1 : 0;
    }

    static int test_4950_stackalloc()
    {
        int* buf = stackalloc int[100];
        for (int i = 0; i < 100; i++)
            buf[i] = i;
        int sum = 0;
        for (int i = 0; i < 100; i++)
            sum += buf[i];
        return sum;
    }

    static int Recurse(int depth)
    {
        // Each frame has its own localloc block; deeper calls must not overwrite it.
        byte* block = stackalloc byte[64];
        for (int i = 0; i < 64; i++)
            block[i] = (byte)depth;
        int below = depth > 0 ? Recurse(depth - 1) : 0;
        int ok = 1;
        for (int i = 0; i < 64; i++)
        {
            if (block[i] != (byte)depth)
                ok = 0;
        }
        return below + ok;
    }

    static int test_11_stackalloc_per_frame()
    {
        return Recurse(10);
    }

    static int StackallocSized(int n)
    {
        // localloc with a run-time size
        short* s = stackalloc short[n];
        for (int i = 0; i < n; i++)
            s[i] = (short)(i * 2);
        return s[n - 1];
    }

    static int test_198_stackalloc_dynamic_size()
    {
        return StackallocSized(100);
    }

    static int test_1_fixed_array()
    {
        int[] arr = new int[8];
        fixed (int* p = arr)
        {
            for (int i = 0; i < 8; i++)
                p[i] = i * 3;
        }
        fixed (int* q = &arr[4])
        {
            *q = 100;
        }
        return arr[7] == 21 && arr[4] == 100 ? 1 : 0;
    }

    class Box
    {
        public long Value;
    }

    static int test_1_fixed_field_of_object()
    {
        Box b = new Box();
        fixed (long* p = &b.Value)
        {
            *p = 0x1234567887654321L;
        }
        return b.Value == 0x1234567887654321L ? 1 : 0;
    }

    static int test_1_struct_through_pointer()
    {
        Header h = new Header();
        Header* p = &h;
        p->Magic = 0x43524F44; // "DORC"
        p->Version = 2;
        (*p).Flags = 0x8001;
        p->Length = 4096;
        byte* raw = (byte*)p;
        // Little-endian layout: Magic at 0, Version at 4, Flags at 6, Length at 8.
        return raw[0] == 0x44 && raw[3] == 0x43 && raw[4] == 2 && raw[7] == 0x80 && *(ulong*)(raw + 8) == 4096
            && h.Flags == 0x8001 ? 1 : 0;
    }

    static int test_16_sizeof()
    {
        return sizeof(Header); // 4 + 2 + 2 + 8
    }

    static int test_1_sizeof_primitives()
    {
        return sizeof(byte) == 1 && sizeof(short) == 2 && sizeof(char) == 2 && sizeof(int) == 4
            && sizeof(long) == 8 && sizeof(float) == 4 && sizeof(double) == 8 && sizeof(bool) == 1
            && sizeof(void*) == 8 && sizeof(System.IntPtr) == 8 ? 1 : 0;
    }

    static void Fill(byte* dst, int n, byte v)
    {
        for (int i = 0; i < n; i++)
            *dst++ = v; // ldind/stind with post-increment
    }

    static int test_1370_pointer_walk()
    {
        byte* buf = stackalloc byte[50];
        Fill(buf, 50, 1);
        Fill(buf + 10, 10, 2);
        int sum = 0;
        byte* end = buf + 50;
        for (byte* p = buf; p < end; p++) // pointer comparison is unsigned
            sum += *p * (int)(p - buf);
        return sum; // sum of indices 0..49 plus indices 10..19 once more
    }

    static int test_1_intptr_round_trip()
    {
        int x = 99;
        System.IntPtr ip = new System.IntPtr(&x);
        int* back = (int*)ip.ToPointer();
        *back = 100;
        return x == 100 && ip != System.IntPtr.Zero ? 1 : 0;
    }

    static int test_1_null_pointer_compare()
    {
        int* p = null;
        int x = 0;
        int* q = &x;
        return p == null && q != null && (long)p == 0 ? 1 : 0;
    }

    struct Fixed
    {
        public fixed byte Data[16];
        public int After;
    }

    static int test_120_fixed_size_buffer()
    {
        Fixed f = new Fixed();
        for (int i = 0; i < 16; i++)
            f.Data[i] = (byte)i;
        f.After = 0;
        int sum = 0;
        for (int i = 0; i < 16; i++)
            sum += f.Data[i];
        return sum + f.After; // 0..15
    }
}

// Not tests (no test_ prefix): the driver host's fault-path QEMU tests call
// these, shaped like a driver's start-up (docs/driverhost.md).
namespace FaultDemo
{
    // The seed's 3-byte PCI address: { Bus = 0, Device = 3, Function = 0 }
    // is 0x000300 as a little-endian value.
    struct PciAddress
    {
        public byte Bus;
        public byte Device;
        public byte Function;
    }

    static class Device
    {
        static PciAddress Locate()
        {
            PciAddress a;
            a.Bus = 0;
            a.Device = 3;
            a.Function = 0;
            return a;
        }

        // `jit-fault-ldfld`: `a.Bus` is `ldloca a; ldfld Bus`. Compiled
        // right it is 0 and Start returns 42; with the fault injection
        // `ldfld-struct` the value 0x300 is taken as the object address and
        // the read of Bus faults at CR2=0x300, as in the seed.
        static int Initialize()
        {
            PciAddress a = Locate();
            return a.Bus + 42;
        }

        public static int Start()
        {
            return Initialize();
        }

        static int Probe(int tries)
        {
            if (tries > 2)
            {
                // `managed-exception` also checks that Console output
                // written in pieces reaches the driver host's log as one
                // line, before the exception's report.
                System.Console.Write("FaultDemo: no answer after ");
                System.Console.Write(tries);
                System.Console.WriteLine(" tries");
                System.Console.Write("FaultDemo: giving up");
                throw new System.Exception("device did not answer");
            }
            return tries;
        }

        static int Reset()
        {
            return Probe(3) * 2;
        }

        // `managed-exception`: an exception nobody catches, two frames deep.
        public static int Fail()
        {
            return Reset() + 1;
        }
    }
}
