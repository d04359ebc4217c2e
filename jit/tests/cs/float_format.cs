// JIT tests: Double.ToString() and Single.ToString() in the general format
// mono prints (15 / 7 significant digits; scientific for large and small
// exponents), through ToString, string concatenation and string.Format.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

static class FloatFormat
{
    static int Check(string got, string want)
    {
        return got == want ? 1 : 0;
    }

    static int test_8_doubles()
    {
        return Check((1.0 / 3).ToString(), "0.333333333333333")
            + Check(1e20.ToString(), "1E+20")
            + Check(1e14.ToString(), "100000000000000")
            + Check(1e-7.ToString(), "1E-07")
            + Check(0.0001.ToString(), "0.0001")
            + Check((-123.456).ToString(), "-123.456")
            + Check((0.1 + 0.2).ToString(), "0.3")
            + Check(double.MaxValue.ToString(), "1.79769313486232E+308");
    }

    static int test_5_specials()
    {
        double zero = 0.0;
        return Check((zero / zero).ToString(), "NaN")
            + Check((1 / zero).ToString(), "Infinity")
            + Check((-1 / zero).ToString(), "-Infinity")
            + Check(zero.ToString(), "0")
            + Check(2.5.ToString(), "2.5");
    }

    static int test_5_singles()
    {
        return Check(0.1f.ToString(), "0.1")
            + Check((1f / 3).ToString(), "0.3333333")
            + Check(16777216f.ToString(), "1.677722E+07")
            + Check(1e-5f.ToString(), "1E-05")
            + Check(float.MaxValue.ToString(), "3.402823E+38");
    }

    static int test_2_in_strings()
    {
        double d = 1.5;
        string a = "x=" + d;
        string b = string.Format("{0}|{1}", 0.25, 3f);
        return Check(a, "x=1.5") + Check(b, "0.25|3");
    }
}
