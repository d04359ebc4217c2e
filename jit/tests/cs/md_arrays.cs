// JIT tests: multi-dimensional arrays (zero lower bounds): creation,
// element get/set/address, initializers, GetLength/GetLowerBound/
// GetUpperBound/Rank/Length, foreach, struct and reference elements,
// bounds checks, arrays of three dimensions, Clone, GetValue.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

struct Cell
{
    public int A;
    public long B;
}

static class MdArrays
{
    static int test_21_create_get_set()
    {
        int[,] a = new int[3, 4];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 4; j++)
                a[i, j] = i * 10 + j;
        return a[2, 1];
    }

    static int test_50_initializer()
    {
        int[,] a = { { 1, 2, 3 }, { 4, 5, 6 } };
        int s = 0;
        foreach (int x in a)
            s += x;
        return s * 2 + a[1, 2] + a[0, 0] * 2;
    }

    static int test_342_lengths_and_bounds()
    {
        long[,] a = new long[3, 4];
        int r = a.GetLength(0) * 100 + a.GetLength(1) * 10 + a.Rank;
        if (a.GetLowerBound(0) != 0 || a.GetUpperBound(1) != 3 || a.Length != 12)
            return -1;
        return r;
    }

    static int test_1_index_out_of_range()
    {
        int[,] a = new int[2, 2];
        try
        {
            a[0, 2] = 1; // in range for the flat storage, not for dimension 1
            return 0;
        }
        catch (IndexOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_1_negative_index()
    {
        int[,] a = new int[2, 2];
        try
        {
            return a[-1, 0];
        }
        catch (IndexOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_9_strings()
    {
        string[,] s = new string[2, 2];
        s[0, 0] = "a";
        s[1, 1] = "bbbb";
        s[0, 1] = "cccc";
        return s[0, 0].Length + s[1, 1].Length + s[0, 1].Length + (s[1, 0] == null ? 0 : 100);
    }

    static int test_50_structs_and_ref()
    {
        Cell[,] c = new Cell[2, 3];
        c[1, 2].A = 7;
        c[1, 2].B = 40;
        Bump(ref c[1, 2].A);
        return c[1, 2].A + (int)c[1, 2].B + c[0, 0].A + 2;
    }

    static void Bump(ref int x)
    {
        x++;
    }

    static int test_24_three_dimensions()
    {
        int[,,] a = new int[2, 3, 4];
        int n = 0;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int k = 0; k < 4; k++)
                    a[i, j, k] = n++;
        return a[1, 2, 3] + a.GetLength(2) * 0 + a.Rank - 2 + 0 * a[0, 0, 0];
    }

    static int test_8_clone()
    {
        int[,] a = { { 1, 2 }, { 3, 4 } };
        int[,] b = (int[,])a.Clone();
        a[1, 1] = 100;
        return b[1, 1] + b.GetLength(0) + b.GetLength(1);
    }

    static int test_6_get_value()
    {
        int[,] a = { { 1, 2 }, { 3, 4 } };
        return (int)a.GetValue(1, 0) + (int)a.GetValue(0, 2 - 1) + 1;
    }

    static int test_1_type_tests()
    {
        object o = new int[2, 2];
        return o is int[,] && !(o is int[]) && !(o is int[,,]) ? 1 : 0;
    }

    static int test_12_double_and_byte()
    {
        double[,] d = new double[2, 2];
        d[1, 1] = 2.5;
        byte[,] b = new byte[3, 3];
        b[2, 2] = 200;
        b[2, 2] += 100; // wraps to 44
        return (int)(d[1, 1] * 2) + b[2, 2] - 37;
    }

    static int test_1_negative_length_throws()
    {
        int n = -1;
        try
        {
            int[,] a = new int[2, n];
            return a.Length;
        }
        catch (OverflowException)
        {
            return 1;
        }
    }

    // Array covariance: a string[,] seen as object[,] refuses an object
    // that is not a string, as a vector's stelem.ref does.
    static int test_3_covariant_store_is_checked()
    {
        object[,] m = new string[2, 2];
        m[0, 1] = "ok";
        int r = (string)m[0, 1] == "ok" ? 1 : 0;
        try
        {
            m[1, 1] = new object();
        }
        catch (ArrayTypeMismatchException)
        {
            r += 2;
        }
        return r;
    }
}
