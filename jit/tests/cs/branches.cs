// JIT tests: br, brtrue/brfalse, the compare-and-branch forms (signed,
// unsigned, float), switch, loops and nesting.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

static class Branches
{
    static int Classify(int x)
    {
        if (x < 0)
            return -1;
        else if (x == 0)
            return 0;
        else if (x <= 10)
            return 1;
        else
            return 2;
    }

    static int test_10_if_else_chain()
    {
        return Classify(-5) + Classify(0) * 3 + Classify(7) * 5 + Classify(11) * 3; // -1 + 0 + 5 + 6
    }

    static int CountBelow(uint limit, uint[] values)
    {
        int n = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] < limit) // blt.un / bge.un
                n++;
        }
        return n;
    }

    static int test_2_unsigned_branches()
    {
        uint[] v = new uint[4];
        v[0] = 1;
        v[1] = 0xFFFFFFFF; // huge, not -1
        v[2] = 5;
        v[3] = 0x80000000;
        return CountBelow(10, v);
    }

    static int FloatBranches(double a, double b)
    {
        int r = 0;
        if (a < b) r |= 1;
        if (a > b) r |= 2;
        if (a <= b) r |= 4;
        if (a >= b) r |= 8;
        if (a == b) r |= 16;
        if (a != b) r |= 32;
        if (!(a < b)) r |= 64; // bge.un-style: taken for NaN
        return r;
    }

    static int test_1_float_branches()
    {
        return FloatBranches(1.0, 2.0) == (1 | 4 | 32)
            && FloatBranches(2.0, 2.0) == (4 | 8 | 16 | 64)
            && FloatBranches(double.NaN, 2.0) == (32 | 64) ? 1 : 0;
    }

    static int Switch(int x)
    {
        switch (x)
        {
            case 0: return 10;
            case 1: return 11;
            case 2: return 12;
            case 3: return 13;
            case 5: return 15;
            case 6: return 16;
            default: return -1;
        }
    }

    static int test_74_switch_dense_with_hole_and_default()
    {
        int sum = 0;
        for (int i = 0; i <= 6; i++)
            sum += Switch(i); // 10 + 11 + 12 + 13 - 1 + 15 + 16 = 76
        return sum + Switch(-1) + Switch(100); // two defaults: -2
    }

    static int SparseSwitch(long x)
    {
        switch (x)
        {
            case 1: return 1;
            case 1000: return 2;
            case 1000000: return 3;
            case 10000000000L: return 4;
            default: return 0;
        }
    }

    static int test_10_sparse_switch_on_long()
    {
        return SparseSwitch(1) + SparseSwitch(1000) + SparseSwitch(1000000) + SparseSwitch(10000000000L) + SparseSwitch(7);
    }

    static int StringSwitch(string s)
    {
        switch (s)
        {
            case "read": return 1;
            case "write": return 2;
            case "flush": return 3;
            default: return 0;
        }
    }

    static int test_6_small_switch_on_string()
    {
        return StringSwitch("read") + StringSwitch("write") + StringSwitch("flush") + StringSwitch("trim") + StringSwitch(null);
    }

    static int SwitchFallThroughGoto(int x)
    {
        int r = 0;
        switch (x)
        {
            case 0:
                r += 1;
                goto case 1;
            case 1:
                r += 10;
                break;
            case 2:
                r += 100;
                goto default;
            default:
                r += 1000;
                break;
        }
        return r;
    }

    static int test_2121_switch_goto_case()
    {
        return SwitchFallThroughGoto(0) + SwitchFallThroughGoto(1) + SwitchFallThroughGoto(2) + SwitchFallThroughGoto(9); // 11 + 10 + 1100 + 1000
    }

    static int test_55_while_loop()
    {
        int a = 0, b = 1, n = 0;
        while (n < 9)
        {
            int t = a + b;
            a = b;
            b = t;
            n++;
        }
        return b; // fib(10)
    }

    static int test_10_do_while_runs_once()
    {
        int x = 10, runs = 0;
        do
        {
            runs++;
        } while (x < 0);
        return runs * 10;
    }

    static int test_25_break_and_continue()
    {
        int sum = 0;
        for (int i = 0; i < 100; i++)
        {
            if (i % 2 == 0)
                continue;
            if (i > 9)
                break;
            sum += i; // 1+3+5+7+9
        }
        return sum;
    }

    static int test_4_nested_loops_with_labelled_exit()
    {
        int found = -1;
        for (int i = 0; i < 10; i++)
        {
            for (int j = 0; j < 10; j++)
            {
                if (i * j == 12 && i > j)
                {
                    found = i;
                    goto done;
                }
            }
        }
    done:
        return found; // first i with i*j == 12 and i > j is 4 (4*3)
    }

    static int test_3_short_circuit()
    {
        int calls = 0;
        bool a = False(ref calls) && True(ref calls); // 1 call
        bool b = True(ref calls) || False(ref calls); // 1 call
        bool c = True(ref calls) & False(ref calls);  // 2 calls: & evaluates both
        return a || !b || c ? -1 : calls - 1;
    }

    static bool True(ref int calls)
    {
        calls++;
        return true;
    }

    static bool False(ref int calls)
    {
        calls++;
        return false;
    }

    static int test_7_conditional_operator()
    {
        int x = 5;
        int y = x > 3 ? (x < 10 ? 7 : 8) : 9;
        return y;
    }

    static int test_1000_long_loop()
    {
        // Long enough that a backward branch miscompiled by a few bytes shows.
        int count = 0;
        for (int i = 0; i < 100000; i++)
        {
            if ((i & 0x7F) == 0)
                count++;
        }
        return count + 218; // 782 multiples of 128 below 100000, + 218
    }
}
