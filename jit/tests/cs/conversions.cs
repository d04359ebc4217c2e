// JIT tests: conv.i1..conv.u8, conv.r4/r8/r.un, and the checked conv.ovf forms
// that stay in range (the overflowing ones are in exceptions.cs).
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Float-to-integer conversions of out-of-range values or NaN are unspecified
// by ECMA-335, so no test depends on them.

static class Conversions
{
    static sbyte ToI1(int v) { return (sbyte)v; }
    static byte ToU1(int v) { return (byte)v; }
    static short ToI2(int v) { return (short)v; }
    static ushort ToU2(int v) { return (ushort)v; }
    static int ToI4(long v) { return (int)v; }
    static uint ToU4(long v) { return (uint)v; }
    static long ToI8(int v) { return v; }
    static long ToI8FromU4(uint v) { return v; }
    static ulong ToU8(int v) { return (ulong)v; }
    static double ToR8(long v) { return v; }
    static float ToR4(int v) { return v; }
    static double ToR8Un(ulong v) { return v; }
    static double ToR8UnU4(uint v) { return v; }
    static float ToR4Un(ulong v) { return v; }
    static int DToI4(double d) { return (int)d; }
    static long DToI8(double d) { return (long)d; }
    static uint DToU4(double d) { return (uint)d; }
    static ulong DToU8(double d) { return (ulong)d; }
    static float DToR4(double d) { return (float)d; }
    static double FToR8(float f) { return f; }
    static byte OvfU1(int v) { return checked((byte)v); }
    static sbyte OvfI1(int v) { return checked((sbyte)v); }
    static int OvfI4(long v) { return checked((int)v); }
    static int OvfI4Un(uint v) { return checked((int)v); }
    static uint OvfU4(int v) { return checked((uint)v); }
    static ulong OvfU8(long v) { return checked((ulong)v); }
    static long OvfI8Un(ulong v) { return checked((long)v); }
    static int OvfI4FromDouble(double d) { return checked((int)d); }
    static ushort OvfU2Un(uint v) { return checked((ushort)v); }

    static int test_1_truncate_and_sign_extend()
    {
        return ToI1(0x180) == -128 && ToI1(0x7F) == 127 && ToI1(-1) == -1
            && ToU1(0x1FF) == 255 && ToU1(-1) == 255
            && ToI2(0x18000) == -32768 && ToU2(-1) == 65535 ? 1 : 0;
    }

    static int test_1_int64_to_int32()
    {
        return ToI4(0x1234567880000000L) == int.MinValue && ToI4(-1L) == -1
            && ToU4(0x1FFFFFFFFL) == 0xFFFFFFFFu ? 1 : 0;
    }

    static int test_1_widening()
    {
        return ToI8(-5) == -5L && ToI8FromU4(0xFFFFFFFF) == 4294967295L
            && ToU8(-1) == 0xFFFFFFFFFFFFFFFFUL ? 1 : 0;
    }

    static int test_1_int_to_float()
    {
        return ToR8(-3) == -3.0 && ToR8(1L << 53) == 9007199254740992.0
            && ToR4(16777217) == 16777216f ? 1 : 0; // float has 24 mantissa bits
    }

    static int test_1_unsigned_to_float_conv_r_un()
    {
        // A signed conversion would give a negative number for these.
        return ToR8Un(0xFFFFFFFFFFFFFFFFUL) == 18446744073709551615.0
            && ToR8Un(0x8000000000000000UL) == 9223372036854775808.0
            && ToR8UnU4(0xFFFFFFFF) == 4294967295.0
            && ToR4Un(0x8000000000000000UL) == 9223372036854775808f ? 1 : 0;
    }

    static int test_1_float_to_int_truncates_toward_zero()
    {
        return DToI4(2.9) == 2 && DToI4(-2.9) == -2 && DToI8(-1e15) == -1000000000000000L
            && DToI4(0.0) == 0 ? 1 : 0;
    }

    static int test_1_float_to_unsigned()
    {
        return DToU4(4000000000.0) == 4000000000u && DToU8(1e19) == 10000000000000000000UL ? 1 : 0;
    }

    static int test_1_double_float_round_trip()
    {
        float f = DToR4(0.1); // rounds to the nearest float
        return FToR8(f) != 0.1 && DToR4(FToR8(f)) == f && DToR4(1e300) == float.PositiveInfinity ? 1 : 0;
    }

    static int test_1_checked_conversions_in_range()
    {
        return OvfU1(255) == 255 && OvfI1(-128) == -128 && OvfI4(int.MinValue) == int.MinValue
            && OvfI4Un(int.MaxValue) == int.MaxValue && OvfU4(0) == 0 && OvfU8(long.MaxValue) == long.MaxValue
            && OvfI8Un(0x7FFFFFFFFFFFFFFFUL) == long.MaxValue && OvfU2Un(65535) == 65535 ? 1 : 0;
    }

    static int test_1_checked_double_to_int_in_range()
    {
        // Truncation happens before the range check: 2147483647.9 fits.
        return OvfI4FromDouble(2147483647.9) == int.MaxValue && OvfI4FromDouble(-2147483648.9) == int.MinValue ? 1 : 0;
    }

    static int test_72_char_conversions()
    {
        int code = 'H';
        char back = (char)(code + 0x10000); // truncated to 16 bits
        return back; // 'H'
    }

    static int test_7_implicit_widening_in_expressions()
    {
        byte b = 250;
        sbyte s = -3;
        short sh = -10;
        ushort us = 65530;
        long sum = b + s + sh + us; // 250 - 3 - 10 + 65530 = 65767
        return (int)(sum - 65760);
    }

    static int test_1_enum_conversions()
    {
        Color c = (Color)2;
        int back = (int)Color.Blue;
        byte small = (byte)Small.Big;
        return c == Color.Blue && back == 2 && small == 200 ? 1 : 0;
    }

    enum Color
    {
        Red,
        Green,
        Blue,
    }

    enum Small : byte
    {
        Zero = 0,
        Big = 200,
    }
}
