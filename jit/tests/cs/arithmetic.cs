// JIT tests: add/sub/mul/div/rem/neg, their .un and .ovf forms, shifts.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Operands come through parameters so mcs cannot fold the arithmetic. The
// throwing cases (overflow, division by zero, MinValue / -1) live in
// exceptions.cs; everything here returns normally.

static class Arithmetic
{
    static int Add(int a, int b) { return a + b; }
    static int Sub(int a, int b) { return a - b; }
    static int Mul(int a, int b) { return a * b; }
    static int Div(int a, int b) { return a / b; }
    static int Rem(int a, int b) { return a % b; }
    static int Neg(int a) { return -a; }
    static uint DivU(uint a, uint b) { return a / b; }
    static uint RemU(uint a, uint b) { return a % b; }
    static long Add64(long a, long b) { return a + b; }
    static long Mul64(long a, long b) { return a * b; }
    static long Div64(long a, long b) { return a / b; }
    static long Rem64(long a, long b) { return a % b; }
    static ulong DivU64(ulong a, ulong b) { return a / b; }
    static ulong RemU64(ulong a, ulong b) { return a % b; }
    static int AddOvf(int a, int b) { return checked(a + b); }
    static int SubOvf(int a, int b) { return checked(a - b); }
    static int MulOvf(int a, int b) { return checked(a * b); }
    static uint AddOvfUn(uint a, uint b) { return checked(a + b); }
    static uint SubOvfUn(uint a, uint b) { return checked(a - b); }
    static uint MulOvfUn(uint a, uint b) { return checked(a * b); }
    static long MulOvf64(long a, long b) { return checked(a * b); }
    static ulong AddOvfUn64(ulong a, ulong b) { return checked(a + b); }
    static int Shl(int a, int n) { return a << n; }
    static int Shr(int a, int n) { return a >> n; }
    static uint ShrUn(uint a, int n) { return a >> n; }
    static long Shl64(long a, int n) { return a << n; }
    static long Shr64(long a, int n) { return a >> n; }
    static ulong ShrUn64(ulong a, int n) { return a >> n; }
    static double AddD(double a, double b) { return a + b; }
    static double MulD(double a, double b) { return a * b; }
    static double DivD(double a, double b) { return a / b; }
    static double RemD(double a, double b) { return a % b; }
    static float MulF(float a, float b) { return a * b; }
    static float RemF(float a, float b) { return a % b; }
    static double NegD(double a) { return -a; }

    static int test_12_add()
    {
        return Add(5, 7);
    }

    static int test_1_add_wraps_unchecked()
    {
        return Add(int.MaxValue, 1) == int.MinValue ? 1 : 0;
    }


    static int test_33_sub_negative()
    {
        return Sub(10, -23);
    }

    static int test_391_mul()
    {
        return Mul(17, 23);
    }

    static int test_1_mul_wraps_unchecked()
    {
        // 0x10000 * 0x10000 = 2^32, which wraps to 0 in 32 bits.
        return Mul(0x10000, 0x10000) == 0 ? 1 : 0;
    }

    static int test_6_div_truncates_toward_zero()
    {
        // 7/2=3, -7/2=-3, 7/-2=-3, -7/-2=3
        return Div(7, 2) - Div(-7, 2) + Div(-7, -2) - Div(7, -2) - 6; // 3+3+3+3-6
    }

    static int test_4_rem_takes_sign_of_dividend()
    {
        // 7%3=1, -7%3=-1, 7%-3=1, -7%-3=-1
        return Rem(7, 3) * 1 + Rem(-7, 3) * -1 + Rem(7, -3) * 1 + Rem(-7, -3) * -1; // 1+1+1+1
    }

    static int test_1_rem_min_value_by_minus_one()
    {
        // int.MinValue % -1 traps in x86 `idiv` (see exceptions.cs); these
        // neighbours must not.
        return Rem(int.MinValue, 1) == 0 && Rem(int.MinValue, int.MinValue) == 0 ? 1 : 0;
    }

    static int test_2147483647_neg()
    {
        return Neg(-int.MaxValue);
    }

    static int test_1_neg_min_value_wraps()
    {
        return Neg(int.MinValue) == int.MinValue ? 1 : 0;
    }

    static int test_2147483647_div_un()
    {
        // 0xFFFFFFFE / 2 unsigned, not -2 / 2 signed.
        return (int)DivU(0xFFFFFFFE, 2);
    }

    static int test_5_rem_un()
    {
        return (int)RemU(0xFFFFFFFF, 10); // 4294967295 % 10
    }

    static int test_1_int64_add_carries_between_halves()
    {
        return Add64(0xFFFFFFFFL, 1) == 0x100000000L ? 1 : 0;
    }

    static int test_1_int64_mul()
    {
        return Mul64(3000000000L, 3) == 9000000000L ? 1 : 0;
    }

    static int test_7_int64_div_rem()
    {
        long q = Div64(-9000000001L, 3000000000L); // -3
        long r = Rem64(-9000000001L, 3000000000L); // -1
        return (int)(q * r) + 4; // 3 + 4
    }

    static int test_1_uint64_div_rem()
    {
        ulong big = 0xFFFFFFFFFFFFFFFFUL;
        return DivU64(big, 0x100000000UL) == 0xFFFFFFFFUL && RemU64(big, 0x100000000UL) == 0xFFFFFFFFUL ? 1 : 0;
    }

    static int test_300_checked_ops_that_do_not_overflow()
    {
        return AddOvf(100, 200) + SubOvf(50, 50) + MulOvf(-10, -10) - 100; // 300 + 0 + 100 - 100
    }

    static int test_1_checked_at_the_edge()
    {
        return AddOvf(int.MaxValue - 1, 1) == int.MaxValue
            && SubOvf(int.MinValue + 1, 1) == int.MinValue
            && MulOvf(46340, 46340) == 2147395600 ? 1 : 0;
    }

    static int test_1_checked_unsigned_at_the_edge()
    {
        return AddOvfUn(0xFFFFFFF0, 0xF) == 0xFFFFFFFF
            && SubOvfUn(5, 5) == 0
            && MulOvfUn(65535, 65537) == 0xFFFFFFFF ? 1 : 0;
    }

    static int test_1_checked_int64()
    {
        return MulOvf64(3037000499L, 3037000499L) == 9223372030926249001L
            && AddOvfUn64(0xFFFFFFFFFFFFFFFEUL, 1) == 0xFFFFFFFFFFFFFFFFUL ? 1 : 0;
    }

    static int test_1792_shl()
    {
        return Shl(7, 8);
    }

    static int test_2_shift_count_is_masked()
    {
        // C# masks int shift counts to 5 bits: 1 << 33 is 1 << 1.
        return Shl(1, 33);
    }


    static int test_4_shr_is_arithmetic()
    {
        return -Shr(-16, 2); // -16 >> 2 = -4
    }

    static int test_1073741820_shr_un_is_logical()
    {
        return (int)ShrUn(0xFFFFFFF0, 2); // 0x3FFFFFFC
    }

    static int test_1_int64_shifts()
    {
        return Shl64(1, 40) == 0x10000000000L
            && Shr64(-0x10000000000L, 40) == -1
            && ShrUn64(0x8000000000000000UL, 63) == 1
            && Shl64(1, 65) == 2 ? 1 : 0;
    }

    static int test_1_byte_arithmetic_promotes_to_int()
    {
        byte a = 200, b = 100;
        int wide = a + b; // 300: byte + byte is int
        byte narrow = (byte)(a + b); // 44
        return wide == 300 && narrow == 44 ? 1 : 0;
    }

    static int test_1_short_wraps_when_stored()
    {
        short s = 32767;
        s++; // computed as int, truncated on store
        return s == -32768 ? 1 : 0;
    }

    // `rem` on floats is a runtime helper call (fmod): operands and result
    // cross the helper boundary in xmm registers, in both widths.
    static int test_4_float_remainder()
    {
        int r = 0;
        if (RemF(7.5f, 2.0f) == 1.5f) r += 1;
        if (RemF(-7.5f, 2.0f) == -1.5f) r += 1;
        if (RemD(-10.25, 3.0) == -1.25) r += 1;
        float nan = RemF(1.0f, 0.0f);
        if (nan != nan) r += 1;
        return r;
    }

    // The remainder takes the dividend's sign, zero included (mono found
    // Cordon giving +0.0 for -0.0 % y).
    static int test_6_float_remainder_of_negative_zero()
    {
        int r = 0;
        if (1.0 / RemD(-0.0, 3.0) < 0) r += 1;
        if (1.0f / RemF(-0.0f, 3.0f) < 0) r += 1;
        if (1.0 / RemD(-4.0, 2.0) < 0) r += 1;
        if (1.0 / RemD(0.0, -3.0) > 0) r += 1;
        if (1.0 / RemD(-0.0, double.PositiveInfinity) < 0) r += 1;
        if (1.0f / RemF(-6.0f, -3.0f) < 0) r += 1;
        return r;
    }

    static int test_7_float_arithmetic()
    {
        double a = AddD(0.1, 0.2); // not exactly 0.3
        double b = MulD(1.5, 4.0); // 6
        double c = DivD(1.0, 4.0); // 0.25
        double d = RemD(7.5, 2.0); // 1.5
        float e = MulF(0.5f, 3.0f); // 1.5
        int r = 0;
        if (a != 0.3) r += 1; // IEEE double: 0.30000000000000004
        if (b == 6.0) r += 1;
        if (c == 0.25) r += 1;
        if (d == 1.5) r += 1;
        if (e == 1.5f) r += 1;
        if (NegD(0.0) == 0.0) r += 1; // -0 == +0
        if (1.0 / NegD(0.0) < 0) r += 1; // but it is negative zero
        return r;
    }

    static int test_1_float_division_by_zero_is_infinity()
    {
        double inf = DivD(1.0, 0.0);
        double nan = DivD(0.0, 0.0);
#pragma warning disable 1718 // NaN != NaN is the point
        return inf == double.PositiveInfinity && nan != nan && DivD(-1.0, 0.0) == double.NegativeInfinity ? 1 : 0;
#pragma warning restore 1718
    }

    static int test_42_increment_decrement_compound()
    {
        int x = 10;
        x += 5; // 15
        x -= 3; // 12
        x *= 4; // 48
        x /= 2; // 24
        x %= 7; // 3
        x <<= 4; // 48
        x >>= 1; // 24
        x++;
        ++x;
        x--; // 25
        return x + 17;
    }
}
