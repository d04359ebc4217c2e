// JIT tests: Array.SetValue with a boxed primitive of another type: it is
// widened as .NET and mono do (short into int[], int into long[] and
// double[], byte and ushort into char[], char into int[], an enum as its
// underlying type), a narrowing is an ArgumentException and a value that
// is not a primitive an InvalidCastException.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

enum Color
{
    Red = 1,
    Green = 2,
    Blue = 4,
}

enum Small : byte
{
    Seven = 7,
}

static class ArraySetValue
{
    static int test_300_short_into_int()
    {
        int[] a = new int[1];
        a.SetValue((short)300, 0);
        return a[0];
    }

    static int test_1_int_into_long_keeps_the_sign()
    {
        long[] a = new long[1];
        a.SetValue(-70000, 0);
        return a[0] == -70000L ? 1 : 0;
    }

    static int test_1_uint_into_long_stays_unsigned()
    {
        long[] a = new long[1];
        a.SetValue(4000000000u, 0);
        return a[0] == 4000000000L ? 1 : 0;
    }

    static int test_1_ulong_into_double()
    {
        double[] a = new double[1];
        a.SetValue(9000000000ul, 0);
        return a[0] == 9000000000.0 ? 1 : 0;
    }

    static int test_1_int_into_float_and_double()
    {
        float[] f = new float[1];
        double[] d = new double[1];
        f.SetValue(-70000, 0);
        d.SetValue(-70000, 0);
        return f[0] == -70000f && d[0] == -70000.0 ? 1 : 0;
    }

    static int test_1_float_into_double()
    {
        double[] d = new double[1];
        d.SetValue(1.5f, 0);
        return d[0] == 1.5 ? 1 : 0;
    }

    static int test_65_char_into_int_and_ushort()
    {
        int[] a = new int[1];
        ushort[] u = new ushort[1];
        a.SetValue('A', 0);
        u.SetValue('A', 0);
        return a[0] == u[0] ? a[0] : -1;
    }

    static int test_200_byte_into_char()
    {
        char[] c = new char[1];
        c.SetValue((byte)200, 0);
        return c[0];
    }

    static int test_60000_ushort_into_char()
    {
        char[] c = new char[1];
        c.SetValue((ushort)60000, 0);
        return c[0];
    }

    static int test_253_sbyte_into_short()
    {
        short[] s = new short[1];
        s.SetValue((sbyte)-3, 0);
        return s[0] + 256;
    }

    static int test_4_enum_into_its_underlying_type()
    {
        int[] a = new int[1];
        a.SetValue(Color.Blue, 0);
        return a[0];
    }

    static int test_7_byte_enum_widened_into_long()
    {
        long[] a = new long[1];
        a.SetValue(Small.Seven, 0);
        return (int)a[0];
    }

    static int test_2_int_into_enum_array()
    {
        Color[] a = new Color[1];
        a.SetValue(2, 0);
        return a[0] == Color.Green ? 2 : 0;
    }

    static int test_2_short_widened_into_enum_array()
    {
        Color[] a = new Color[1];
        a.SetValue((short)2, 0);
        return (int)a[0];
    }

    static int test_1_narrowing_is_an_argument_exception()
    {
        short[] a = new short[1];
        try
        {
            a.SetValue(5, 0);
            return 0;
        }
        catch (InvalidCastException)
        {
            return 2;
        }
        catch (ArgumentException)
        {
            return 1;
        }
    }

    static int test_15_no_widening_to_from_bool_double_or_signed_to_unsigned()
    {
        int r = 0;
        try { new int[1].SetValue(true, 0); } catch (ArgumentException) { r += 1; }
        try { new float[1].SetValue(2.5, 0); } catch (ArgumentException) { r += 2; }
        try { new uint[1].SetValue(5, 0); } catch (ArgumentException) { r += 4; }
        try { new char[1].SetValue((short)5, 0); } catch (ArgumentException) { r += 8; }
        return r;
    }

    static int test_1_string_into_int_array_is_invalid_cast()
    {
        int[] a = new int[1];
        try
        {
            a.SetValue("x", 0);
            return 0;
        }
        catch (InvalidCastException)
        {
            return 1;
        }
    }

    static int test_3_boxed_int_into_object_array()
    {
        object[] a = new object[1];
        a.SetValue(3, 0);
        return (int)a[0];
    }

    static int test_30_widening_into_two_dimensions()
    {
        long[,] m = new long[2, 2];
        m.SetValue((byte)10, 1, 0);
        m.SetValue((short)20, 0, 1);
        return (int)(m[1, 0] + m[0, 1]);
    }
}
