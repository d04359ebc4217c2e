// JIT tests: Array.CreateInstance (vectors and two dimensions) and
// Array.SetValue: values unboxed into their element type, null storing
// the zero value, references checked against the element type.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

static class ArrayCreate
{
    static int test_15_create_vector()
    {
        Array a = Array.CreateInstance(typeof(int), 5);
        int[] v = (int[])a;
        for (int i = 0; i < v.Length; i++)
            v[i] = i;
        return v[4] + a.Length + a.Rank * 6;
    }

    static int test_34_create_two_dimensions()
    {
        Array a = Array.CreateInstance(typeof(long), 3, 4);
        long[,] m = (long[,])a;
        m[2, 3] = 30;
        return (int)m[2, 3] + a.GetLength(1) - a.Rank + 2;
    }

    static int test_3_create_strings()
    {
        string[] s = (string[])Array.CreateInstance(typeof(string), 3);
        return s.Length + (s[0] == null ? 0 : 10);
    }

    static int test_19_set_value()
    {
        int[] a = new int[3];
        a.SetValue(7, 0);
        a.SetValue(12, 2);
        a.SetValue(null, 1);
        return a[0] + a[1] + a[2];
    }

    static int test_9_set_value_two_dimensions()
    {
        double[,] d = new double[2, 2];
        d.SetValue(4.5, 1, 1);
        d.SetValue(4.5, 0, 1);
        return (int)(d[1, 1] + d[0, 1]);
    }

    static int test_1_set_value_wrong_type()
    {
        string[] s = new string[1];
        try
        {
            s.SetValue(new object(), 0);
            return 0;
        }
        catch (InvalidCastException)
        {
            return 1;
        }
    }

    static int test_1_negative_length()
    {
        try
        {
            Array.CreateInstance(typeof(int), -1);
            return 0;
        }
        catch (ArgumentOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_1_set_value_out_of_range()
    {
        int[] a = new int[2];
        try
        {
            a.SetValue(1, 2);
            return 0;
        }
        catch (IndexOutOfRangeException)
        {
            return 1;
        }
    }
}
