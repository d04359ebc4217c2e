// Intrinsics the embedder registers (jit/tests/jit_intrinsics.rs): the
// InternalCalls of `Dev` are expanded inline as single loads/stores/fences
// when registered as intrinsics, and called when registered as bodies.
using System.Runtime.CompilerServices;

static class Dev
{
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern int Read8(long address);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern int Read16(long address);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern int Read32(long address);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern long Read64(long address);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Write8(long address, int value);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Write16(long address, int value);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Write32(long address, int value);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Write64(long address, long value);
    [MethodImpl(MethodImplOptions.InternalCall)]
    internal static extern void Fence();
}

static unsafe class Intrinsics
{
    // Writes each width into a buffer, reads them back, and checks that
    // narrow stores touch only their bytes and narrow loads zero-extend.
    static int Check()
    {
        long* buf = stackalloc long[4];
        long a = (long)buf;
        Dev.Write64(a, -1);
        Dev.Write8(a, 0x1ff);          // stores 0xff: only one byte
        Dev.Write16(a + 8, 0x12345);   // stores 0x2345
        Dev.Write32(a + 16, -2);
        Dev.Write64(a + 24, 0x0102030405060708);
        Dev.Fence();
        if (Dev.Read8(a) != 0xff) return 1;
        if (Dev.Read8(a + 1) != 0xff) return 2;     // untouched by Write8
        if (Dev.Read16(a + 8) != 0x2345) return 3;
        if (Dev.Read32(a + 16) != -2) return 4;
        if (Dev.Read64(a + 24) != 0x0102030405060708) return 5;
        if (Dev.Read16(a) != 0xffff) return 6;       // zero-extended, not -1
        if (buf[0] != -1) return 7;
        return 42;
    }
}
