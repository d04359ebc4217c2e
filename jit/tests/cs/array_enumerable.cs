// JIT tests: arrays seen as System.Collections.IEnumerable (and ICloneable):
// `foreach` through the interface boxes value elements, walks reference
// elements, and Current outside the walk throws.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;
using System.Collections;

static class ArrayEnumerable
{
    static int Sum(IEnumerable items)
    {
        int s = 0;
        foreach (object o in items)
            s += (int)o;
        return s;
    }

    static int test_10_int_array_through_ienumerable()
    {
        return Sum(new int[] { 1, 2, 3, 4 });
    }

    static int test_6_string_array_through_ienumerable()
    {
        IEnumerable e = new string[] { "a", "bb", "ccc" };
        int n = 0;
        foreach (object o in e)
            n += ((string)o).Length;
        return n;
    }

    static int test_3_enumerator_by_hand()
    {
        IEnumerator it = new long[] { 5, 6, 7 }.GetEnumerator();
        int n = 0;
        while (it.MoveNext())
            n++;
        it.Reset();
        it.MoveNext();
        return (long)it.Current == 5 ? n : -1;
    }

    static int test_1_current_before_move_next_throws()
    {
        IEnumerator it = new int[1].GetEnumerator();
        try
        {
            object o = it.Current;
            return o == null ? 2 : 3;
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
    }

    static int test_9_array_is_cloneable()
    {
        ICloneable c = new int[] { 4, 5 };
        int[] copy = (int[])c.Clone();
        return copy[0] + copy[1];
    }
}
