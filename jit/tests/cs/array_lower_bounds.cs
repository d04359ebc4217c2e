// JIT tests: arrays with non-zero lower bounds, made by
// Array.CreateInstance(Type, int[] lengths, int[] lowerBounds):
// GetLowerBound/GetUpperBound, GetValue/SetValue by indices relative to
// the bounds, typed `int[,]` access to such an array (the compiled Get/Set
// subtract the bounds), out-of-range indices on both sides, Clone keeping
// the bounds, a one-dimensional array with a non-zero bound (not a T[]).
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

static class ArrayLowerBounds
{
    static Array Make()
    {
        // rows 1..3, columns -2..1
        return Array.CreateInstance(typeof(int), new int[] { 3, 4 }, new int[] { 1, -2 });
    }

    static int test_1_bounds()
    {
        Array a = Make();
        bool ok = a.GetLowerBound(0) == 1 && a.GetUpperBound(0) == 3
            && a.GetLowerBound(1) == -2 && a.GetUpperBound(1) == 1
            && a.GetLength(0) == 3 && a.GetLength(1) == 4 && a.Length == 12 && a.Rank == 2;
        return ok ? 1 : 0;
    }

    static int test_43_get_and_set_value_by_bounds()
    {
        Array a = Make();
        a.SetValue(40, 3, 1);
        a.SetValue(3, 1, -2);
        return (int)a.GetValue(3, 1) + (int)a.GetValue(1, -2);
    }

    static int test_3_out_of_range_below_and_above()
    {
        Array a = Make();
        int r = 0;
        try { a.GetValue(0, 0); } catch (IndexOutOfRangeException) { r += 1; }
        try { a.SetValue(1, 1, 2); } catch (IndexOutOfRangeException) { r += 2; }
        return r;
    }

    static int test_99_typed_access_subtracts_the_bounds()
    {
        int[,] m = (int[,])Make();
        m[2, -1] = 99;
        return (int)((Array)m).GetValue(2, -1);
    }

    static int test_1_typed_access_out_of_range()
    {
        int[,] m = (int[,])Make();
        try
        {
            m[0, 0] = 1;
            return 0;
        }
        catch (IndexOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_14_loop_over_bounds()
    {
        int[,] m = (int[,])Make();
        for (int i = m.GetLowerBound(0); i <= m.GetUpperBound(0); i++)
            for (int j = m.GetLowerBound(1); j <= m.GetUpperBound(1); j++)
                m[i, j] = i + j;
        // row 3 holds 1, 2, 3, 4 and row 1 holds -1, 0, 1, 2
        int s = 0;
        for (int j = -2; j <= 1; j++)
            s += m[3, j] - m[1, j];
        return s + 6;
    }

    static int test_7_clone_keeps_the_bounds()
    {
        Array a = Make();
        a.SetValue(7, 2, 0);
        Array c = (Array)a.Clone();
        return c.GetLowerBound(1) == -2 ? (int)c.GetValue(2, 0) : -1;
    }

    static int test_12_flat_enumeration()
    {
        Array a = Make();
        a.SetValue(5, 1, -2);
        a.SetValue(7, 3, 1);
        int s = 0;
        foreach (object o in a)
            s += (int)o;
        return s;
    }

    static int test_18_one_dimension_with_a_bound()
    {
        Array a = Array.CreateInstance(typeof(long), new int[] { 3 }, new int[] { 5 });
        a.SetValue(6L, 5);
        a.SetValue(12L, 7);
        int r = a is long[] ? 100 : 0;
        return r + (int)(long)a.GetValue(5) + (int)(long)a.GetValue(7) + a.GetLowerBound(0) - 5;
    }

    static int test_1_one_dimension_out_of_range()
    {
        Array a = Array.CreateInstance(typeof(int), new int[] { 2 }, new int[] { 5 });
        try
        {
            a.GetValue(4);
            return 0;
        }
        catch (IndexOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_1_zero_bound_is_a_vector()
    {
        Array a = Array.CreateInstance(typeof(int), new int[] { 2 }, new int[] { 0 });
        return a is int[] ? 1 : 0;
    }

    static int test_1_lengths_and_bounds_must_match()
    {
        try
        {
            Array.CreateInstance(typeof(int), new int[] { 2, 2 }, new int[] { 1 });
            return 0;
        }
        catch (ArgumentException)
        {
            return 1;
        }
    }

    static int test_9_strings_with_bounds()
    {
        Array a = Array.CreateInstance(typeof(string), new int[] { 2, 2 }, new int[] { 10, 20 });
        a.SetValue("abcd", 11, 21);
        a.SetValue("efghi", 10, 20);
        return ((string)a.GetValue(11, 21)).Length + ((string)a.GetValue(10, 20)).Length;
    }
}
