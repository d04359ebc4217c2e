// JIT tests: ceq/cgt/clt and their .un forms, on ints, unsigned ints, longs,
// floats (including NaN, where the .un forms mean "unordered") and references.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Each test packs several boolean results into bits, so one wrong comparison
// changes the number.

static class Comparisons
{
    static int Bits(bool b0, bool b1, bool b2, bool b3, bool b4, bool b5)
    {
        return (b0 ? 1 : 0) | (b1 ? 2 : 0) | (b2 ? 4 : 0) | (b3 ? 8 : 0) | (b4 ? 16 : 0) | (b5 ? 32 : 0);
    }

    // ==, !=, <, <=, >, >=
    static int CmpI(int a, int b) { return Bits(a == b, a != b, a < b, a <= b, a > b, a >= b); }
    static int CmpU(uint a, uint b) { return Bits(a == b, a != b, a < b, a <= b, a > b, a >= b); }
    static int CmpL(long a, long b) { return Bits(a == b, a != b, a < b, a <= b, a > b, a >= b); }
    static int CmpUL(ulong a, ulong b) { return Bits(a == b, a != b, a < b, a <= b, a > b, a >= b); }
    static int CmpD(double a, double b) { return Bits(a == b, a != b, a < b, a <= b, a > b, a >= b); }
    static int CmpF(float a, float b) { return Bits(a == b, a != b, a < b, a <= b, a > b, a >= b); }

    // The negated forms: mcs emits the .un comparisons/branches for these on floats.
    static int NotCmpD(double a, double b) { return Bits(!(a == b), !(a != b), !(a < b), !(a <= b), !(a > b), !(a >= b)); }

    // Expected bit patterns for (==, !=, <, <=, >, >=):
    const int Less = 2 | 4 | 8;     // 14
    const int Equal = 1 | 8 | 32;   // 41
    const int Greater = 2 | 16 | 32; // 50
    const int Unordered = 2;        // only != holds for NaN

    static int test_1_signed_int()
    {
        return CmpI(-1, 1) == Less && CmpI(7, 7) == Equal && CmpI(int.MaxValue, int.MinValue) == Greater ? 1 : 0;
    }

    static int test_1_unsigned_int()
    {
        // 0xFFFFFFFF is -1 signed but the largest unsigned value.
        return CmpU(0xFFFFFFFF, 1) == Greater && CmpU(0, 0x80000000) == Less && CmpU(5, 5) == Equal ? 1 : 0;
    }

    static int test_1_signed_long()
    {
        return CmpL(-0x100000000L, 0xFFFFFFFFL) == Less && CmpL(0x100000000L, 0x100000000L) == Equal
            && CmpL(0x100000001L, 0x100000000L) == Greater ? 1 : 0;
    }

    static int test_1_unsigned_long()
    {
        return CmpUL(0x8000000000000000UL, 1) == Greater && CmpUL(1, 0xFFFFFFFFFFFFFFFFUL) == Less ? 1 : 0;
    }

    static int test_1_long_compare_needs_high_half()
    {
        // Same low 32 bits, different high halves.
        return CmpL(0x100000005L, 0x200000005L) == Less ? 1 : 0;
    }

    static int test_1_double()
    {
        return CmpD(-0.5, 0.25) == Less && CmpD(1e300, 1e-300) == Greater && CmpD(3.0, 3.0) == Equal
            && CmpD(0.0, -0.0) == Equal ? 1 : 0;
    }

    static int test_1_double_nan_is_unordered()
    {
        double nan = double.NaN;
        return CmpD(nan, 1.0) == Unordered && CmpD(1.0, nan) == Unordered && CmpD(nan, nan) == Unordered ? 1 : 0;
    }

    static int test_61_double_nan_negated()
    {
        // Every negation is true except !(a != b): 63 - 2.
        return NotCmpD(double.NaN, 0.0);
    }

    static int test_1_float_and_nan()
    {
        float nan = float.NaN;
        return CmpF(1.5f, 2.5f) == Less && CmpF(nan, 0f) == Unordered && CmpF(float.PositiveInfinity, float.MaxValue) == Greater ? 1 : 0;
    }

    static int test_1_infinities()
    {
        return CmpD(double.NegativeInfinity, double.MinValue) == Less
            && CmpD(double.PositiveInfinity, double.PositiveInfinity) == Equal ? 1 : 0;
    }

    static int test_6_nan_checks()
    {
        int r = 0;
        if (double.IsNaN(0.0 / Zero())) r += 1;
        if (!double.IsNaN(1.0)) r += 2;
        if (float.IsNaN(float.NaN)) r += 3;
        return r;
    }

    static double Zero()
    {
        return 0.0;
    }

    class Box
    {
        public int V = 0;
    }

    static int test_5_reference_equality()
    {
        Box a = new Box(), b = new Box();
        Box c = a;
        int r = 0;
        if (a == c) r += 1;
        if (a != b) r += 4;
        if ((object)a == (object)b) r += 100;
        return r + a.V + b.V;
    }

    static int test_2_bool_results_as_values()
    {
        int x = 3, y = 4;
        bool lt = x < y;
        bool eq = x == y;
        return (lt ? 1 : 0) + (eq ? 10 : 0) + (lt == !eq ? 1 : 0);
    }

    static int test_1_char_and_byte_compare_unsigned()
    {
        char hi = '\uFFFF';
        byte b = 200;
        sbyte sb = -1;
        return hi > 'a' && b > 100 && sb < 0 ? 1 : 0;
    }
}
