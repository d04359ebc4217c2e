// JIT tests: arguments, locals, constants, dup/pop.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Operands go through parameters so mcs cannot fold the arithmetic away:
// every test exercises the opcodes it names at run time.

static class Basics
{
    static int test_0_return_zero()
    {
        return 0;
    }

    static int test_42_return_constant()
    {
        return 42;
    }

    static int test_2147483647_return_int_max()
    {
        return int.MaxValue;
    }

    // ldc.i4.m1 .. ldc.i4.8, ldc.i4.s, ldc.i4: each short form once.
    static int test_132_every_small_constant_form()
    {
        int sum = -1 + 0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8; // folded by mcs: 35
        int m1 = -1, c0 = 0, c1 = 1, c2 = 2, c3 = 3, c4 = 4, c5 = 5, c6 = 6, c7 = 7, c8 = 8;
        int s = 100, big = 1000000;
        return m1 + c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + s - 35 + sum + (big - 999997) - 6; // 35+100-35+35+3-6
    }

    static long Id64(long x)
    {
        return x;
    }

    static int test_1_ldc_i8_high_bits()
    {
        long v = Id64(0x123456789ABCDEF0L);
        return (v >> 32) == 0x12345678 && (int)v == unchecked((int)0x9ABCDEF0) ? 1 : 0;
    }

    static double IdD(double x)
    {
        return x;
    }

    static float IdF(float x)
    {
        return x;
    }

    static int test_7_ldc_r8_and_r4()
    {
        double d = IdD(2.5);
        float f = IdF(1.25f);
        return (int)(d * 2.0 + f * 4.0f - 3.0); // 5 + 5 - 3
    }

    static int Args8(int a, int b, int c, int d, int e, int f, int g, int h)
    {
        // Weighted so that swapping any two arguments changes the result.
        return a * 1 + b * 2 + c * 3 + d * 4 + e * 5 + f * 6 + g * 7 + h * 8;
    }

    static int test_204_eight_int_arguments()
    {
        return Args8(1, 2, 3, 4, 5, 6, 7, 8); // sum k*k for k=1..8
    }

    static long Args10Mixed(int a, long b, byte c, short d, double e, int f, long g, float h, sbyte i, ushort j)
    {
        return a + b + c + d + (long)e + f + g + (long)h + i + j;
    }

    static int test_64909_ten_mixed_arguments_with_stack_spill()
    {
        long r = Args10Mixed(1, 10000000000L, 200, -300, 4.75, 5, -10000000000L, 6.5f, -7, 65000);
        return (int)r; // 1 + 200 - 300 + 4 + 5 + 6 - 7 + 65000; the 10^10s cancel
    }

    static int Starg(int a, int b)
    {
        a = a * 10; // starg
        b += a;
        return b;
    }

    static int test_53_starg_overwrites_argument()
    {
        return Starg(5, 3);
    }

    static int test_4950_locals_in_a_loop()
    {
        int sum = 0;
        for (int i = 0; i < 100; i++)
            sum += i;
        return sum;
    }

    static int test_300_many_locals()
    {
        // More locals than there are registers.
        int a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
        int i = 9, j = 10, k = 11, l = 12, m = 13, n = 14, o = 15, p = 16;
        int q = a * p + b * o + c * n + d * m + e * l + f * k + g * j + h * i; // 408
        int r = a + b + c + d + e + f + g + h + i + j + k + l + m + n + o + p; // 136
        return q - r + 28; // 300
    }

    static int Uninit()
    {
        // C# requires definite assignment, but locals are zeroed (localsinit):
        // a struct local is all-zero before its fields are set.
        Pair p = new Pair();
        return p.A + p.B;
    }

    static int test_0_zeroed_struct_local()
    {
        return Uninit();
    }

    struct Pair
    {
        public int A;
        public int B;
    }

    static int Twice(int x)
    {
        int y;
        return (y = x) + y; // dup
    }

    static int test_18_dup()
    {
        return Twice(9);
    }

    static int SideEffect(ref int counter)
    {
        counter++;
        return counter;
    }

    static int test_3_pop_discards_call_results()
    {
        int c = 0;
        SideEffect(ref c); // result popped
        SideEffect(ref c);
        SideEffect(ref c);
        return c;
    }

    static object NullObject()
    {
        return null;
    }

    static int test_1_ldnull()
    {
        return NullObject() == null ? 1 : 0;
    }

    static bool IdBool(bool b)
    {
        return b;
    }

    static int test_5_bool_arguments_and_locals()
    {
        bool t = IdBool(true), f = IdBool(false);
        int r = 0;
        if (t) r += 1;
        if (!f) r += 4;
        if (t && f) r += 100;
        return r;
    }

    static char IdChar(char c)
    {
        return c;
    }

    static int test_131_char_arithmetic()
    {
        char c = IdChar('A'); // 65
        return c + (char)(c + 1) - 0; // 65 + 66
    }
}
