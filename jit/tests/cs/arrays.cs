// JIT tests: newarr, ldelem/stelem for every element type, ldelema, ldlen,
// arrays of structs and references, array initializers, jagged arrays.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Out-of-range indices are in exceptions.cs.

struct Cell
{
    public short Tag;
    public long Payload;
}

static class Arrays
{
    static int test_1_every_element_type()
    {
        sbyte[] i1 = new sbyte[3];
        byte[] u1 = new byte[3];
        short[] i2 = new short[3];
        ushort[] u2 = new ushort[3];
        char[] ch = new char[3];
        int[] i4 = new int[3];
        uint[] u4 = new uint[3];
        long[] i8 = new long[3];
        ulong[] u8 = new ulong[3];
        float[] r4 = new float[3];
        double[] r8 = new double[3];
        bool[] b = new bool[3];
        object[] refs = new object[3];
        System.IntPtr[] ip = new System.IntPtr[3];
        for (int i = 0; i < 3; i++)
        {
            i1[i] = (sbyte)(-100 - i);
            u1[i] = (byte)(250 + i);
            i2[i] = (short)(-30000 - i);
            u2[i] = (ushort)(65000 + i);
            ch[i] = (char)('x' + i);
            i4[i] = -2000000000 - i;
            u4[i] = 4000000000u + (uint)i;
            i8[i] = -5000000000L * (i + 1);
            u8[i] = 0xF000000000000000UL + (ulong)i;
            r4[i] = 0.5f * i;
            r8[i] = -0.25 * i;
            b[i] = i == 1;
            refs[i] = i4;
            ip[i] = new System.IntPtr(i * 8);
        }
        int ok = 0;
        for (int i = 0; i < 3; i++)
        {
            if (i1[i] == -100 - i && u1[i] == 250 + i && i2[i] == -30000 - i && u2[i] == 65000 + i
                && ch[i] == 'x' + i && i4[i] == -2000000000 - i && u4[i] == 4000000000u + (uint)i
                && i8[i] == -5000000000L * (i + 1) && u8[i] == 0xF000000000000000UL + (ulong)i
                && r4[i] == 0.5f * i && r8[i] == -0.25 * i && b[i] == (i == 1) && refs[i] == (object)i4
                && ip[i].ToInt64() == i * 8)
                ok++;
        }
        return ok == 3 ? 1 : 0;
    }

    static int test_1_narrow_elements_do_not_overlap()
    {
        byte[] bytes = new byte[8];
        bytes[3] = 0xFF;
        short[] shorts = new short[4];
        shorts[1] = -1;
        return bytes[2] == 0 && bytes[4] == 0 && bytes[3] == 255 && shorts[0] == 0 && shorts[2] == 0 ? 1 : 0;
    }

    static int test_17_ldlen()
    {
        int[] a = new int[17];
        return a.Length;
    }

    static int test_0_empty_array()
    {
        long[] e = new long[0];
        return e.Length;
    }

    static int test_1_newarr_zeroes_elements()
    {
        long[] a = new long[100];
        object[] o = new object[10];
        long sum = 0;
        for (int i = 0; i < a.Length; i++)
            sum += a[i];
        return sum == 0 && o[9] == null ? 1 : 0;
    }

    static int test_1_system_array_length()
    {
        System.Array a = new short[12];
        return a.Length == 12 ? 1 : 0;
    }

    static void Inc(ref int x)
    {
        x++;
    }

    static int test_10_ldelema()
    {
        int[] a = new int[5];
        for (int i = 0; i < a.Length; i++)
        {
            Inc(ref a[i]);
            Inc(ref a[i]);
        }
        return a[0] + a[1] + a[2] + a[3] + a[4];
    }

    static int test_1_struct_array_elements()
    {
        Cell[] cells = new Cell[4];
        for (int i = 0; i < cells.Length; i++)
        {
            cells[i].Tag = (short)(i - 2);
            cells[i].Payload = 1L << (i * 16);
        }
        long sum = 0;
        int tags = 0;
        for (int i = 0; i < cells.Length; i++)
        {
            sum += cells[i].Payload;
            tags += cells[i].Tag;
        }
        return sum == 0x0001000100010001L && tags == -2 ? 1 : 0;
    }

    static int test_25_array_initializer()
    {
        // Big enough that mcs uses RuntimeHelpers.InitializeArray.
        int[] primes = new int[] { 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37 };
        int sum = 0;
        for (int i = 0; i < primes.Length; i++)
            sum += primes[i] * (i % 2 == 0 ? 1 : -1);
        return -sum + primes[11] - primes[10]; // -(2-3+5-7+11-13+17-19+23-29+31-37) + 37 - 31
    }

    static int test_1_initializers_of_other_types()
    {
        byte[] b = new byte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        long[] l = new long[] { -1, 0x100000000L, 3, 4, 5 };
        double[] d = new double[] { 0.5, 1.5, 2.5, 3.5 };
        char[] c = new char[] { 'c', 'o', 'r', 'd', 'o', 'n' };
        string[] s = new string[] { "a", "bb", "ccc" };
        int bs = 0;
        for (int i = 0; i < b.Length; i++)
            bs += b[i];
        return bs == 55 && l[0] == -1 && l[1] == 0x100000000L && d[3] == 3.5 && c[5] == 'n'
            && s[2].Length == 3 ? 1 : 0;
    }

    static int test_30_jagged_arrays()
    {
        int[][] rows = new int[4][];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = new int[i + 1];
            for (int j = 0; j <= i; j++)
                rows[i][j] = i + j;
        }
        int sum = 0;
        for (int i = 0; i < rows.Length; i++)
            for (int j = 0; j < rows[i].Length; j++)
                sum += rows[i][j];
        return sum; // 0 + (1+2) + (2+3+4) + (3+4+5+6)
    }

    static int test_120_foreach_over_array()
    {
        int product = 1;
        foreach (int v in new int[] { 1, 2, 3, 4, 5 })
            product *= v;
        return product;
    }

    static int test_2_covariant_reference_array()
    {
        object[] objs = new string[2];
        objs[0] = "x"; // stelem.ref with a type check that passes
        objs[1] = null;
        return objs.Length + (objs[1] == null ? 0 : 100);
    }

    static int test_1_array_index_with_long_and_uint()
    {
        int[] a = new int[10];
        long li = 7;
        uint ui = 8;
        a[li] = 70; // conv.ovf.i on the index
        a[ui] = 80;
        return a[7] == 70 && a[8] == 80 ? 1 : 0;
    }

    static int test_1_array_reversal()
    {
        int[] a = new int[9];
        for (int i = 0; i < a.Length; i++)
            a[i] = i * i;
        for (int i = 0, j = a.Length - 1; i < j; i++, j--)
        {
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a[0] == 64 && a[8] == 0 && a[4] == 16 ? 1 : 0;
    }
}
