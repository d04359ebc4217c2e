// JIT tests: a T[] seen through IEnumerable<T>, ICollection<T> and
// IList<T> (the runtime gives every vector those interfaces, implemented
// by the corlib's SZArrayHelper<T>): foreach, indexers, Contains/IndexOf,
// CopyTo, the fixed-size refusals, type tests, value and reference
// elements, struct elements.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;
using System.Collections.Generic;

struct Point
{
    public int X, Y;

    public Point(int x, int y)
    {
        X = x;
        Y = y;
    }
}

static class ArrayGenericInterfaces
{
    static int Sum(IEnumerable<int> items)
    {
        int s = 0;
        foreach (int i in items)
            s += i;
        return s;
    }

    static long SumLongs(IList<long> items)
    {
        long s = 0;
        for (int i = 0; i < items.Count; i++)
            s += items[i];
        return s;
    }

    static int test_10_foreach_through_ienumerable_of_t()
    {
        return Sum(new int[] { 1, 2, 3, 4 });
    }

    static int test_0_foreach_over_empty_array()
    {
        return Sum(new int[0]);
    }

    static int test_60_ilist_of_long_indexer()
    {
        return (int)SumLongs(new long[] { 10, 20, 30 });
    }

    static int test_6_ilist_of_string()
    {
        IList<string> l = new string[] { "a", "bb", "ccc" };
        int n = 0;
        foreach (string s in l)
            n += s.Length;
        return n;
    }

    static int test_42_ilist_setter_writes_the_array()
    {
        int[] a = new int[3];
        IList<int> l = a;
        l[1] = 40;
        l[2] = 2;
        return a[1] + a[2];
    }

    static int test_3_icollection_count_and_readonly()
    {
        ICollection<double> c = new double[] { 1.5, 2.5, 3.5 };
        return c.IsReadOnly ? c.Count : -1;
    }

    static int test_12_contains_and_index_of()
    {
        IList<string> l = new string[] { "x", "y", "q", "z" };
        int r = 0;
        if (l.Contains("y"))
            r += 1;
        if (!l.Contains("w"))
            r += 2;
        if (l.IndexOf("z") == 3)
            r += 4;
        if (l.IndexOf("q") == 2)
            r += 8;
        return r - 3;
    }

    static int test_6_copy_to()
    {
        ICollection<int> c = new int[] { 1, 2, 3 };
        int[] d = new int[5];
        c.CopyTo(d, 1);
        return d[1] + d[2] + d[3] + d[0] + d[4];
    }

    static int test_1_copy_to_too_short()
    {
        ICollection<int> c = new int[] { 1, 2, 3 };
        try
        {
            c.CopyTo(new int[5], 3);
            return 0;
        }
        catch (ArgumentException)
        {
            return 1;
        }
    }

    static int test_31_fixed_size_refusals()
    {
        IList<int> l = new int[] { 1, 2 };
        int r = 0;
        try { l.Add(3); } catch (NotSupportedException) { r += 1; }
        try { l.Insert(0, 3); } catch (NotSupportedException) { r += 2; }
        try { l.RemoveAt(0); } catch (NotSupportedException) { r += 4; }
        try { l.Remove(1); } catch (NotSupportedException) { r += 8; }
        try { l.Clear(); } catch (NotSupportedException) { r += 16; }
        return l.Count == 2 ? r : -1;
    }

    static int test_1_indexer_out_of_range()
    {
        IList<int> l = new int[2];
        try
        {
            return l[2];
        }
        catch (ArgumentOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_3_enumerator_by_hand()
    {
        IEnumerator<int> it = ((IEnumerable<int>)new int[] { 7, 8, 9 }).GetEnumerator();
        int r = 0;
        try
        {
            int x = it.Current;
            r = x + 100;
        }
        catch (InvalidOperationException)
        {
            r += 1;
        }
        int n = 0;
        while (it.MoveNext())
            n++;
        try
        {
            int x = it.Current;
            r = x + 100;
        }
        catch (InvalidOperationException)
        {
            r += 1;
        }
        it.Reset();
        it.MoveNext();
        return it.Current == 7 && n == 3 ? r + 1 : -1;
    }

    static int test_7_type_tests()
    {
        object o = new int[] { 1 };
        int r = 0;
        if (o is IList<int>)
            r += 1;
        if (o is ICollection<int>)
            r += 2;
        if (o is IEnumerable<int>)
            r += 4;
        if (o is IList<long>)
            r += 8;
        if (o is IEnumerable<object>)
            r += 16;
        return r;
    }

    // Array covariance reaches the generic interfaces: a string[] is an
    // object[], so it is an IList<object> and an IEnumerable<IComparable>;
    // a store of the wrong type through it is an ArrayTypeMismatchException.
    static int test_15_covariant_type_tests()
    {
        object s = new string[] { "x", "yy" };
        int r = 0;
        if (s is IList<object>)
            r += 1;
        if (s is ICollection<object>)
            r += 2;
        if (s is IEnumerable<IComparable>)
            r += 4;
        if (!(s is IList<int>) && !(new int[1] is IList<object>))
            r += 8;
        return r;
    }

    static int test_6_covariant_foreach_and_reads()
    {
        IEnumerable<object> e = new string[] { "a", "bb", "ccc" };
        int n = 0;
        foreach (object o in e)
            n += ((string)o).Length;
        IList<object> l = (IList<object>)e;
        return l.Count == 3 && l.IndexOf("bb") == 1 && l.Contains("ccc") && (string)l[2] == "ccc" ? n : -1;
    }

    static int test_3_covariant_stores_are_checked()
    {
        string[] a = new string[2];
        IList<object> l = a;
        l[0] = "z";
        int r = a[0] == "z" ? 1 : 0;
        try
        {
            l[1] = new object();
        }
        catch (ArrayTypeMismatchException)
        {
            r += 2;
        }
        return r;
    }

    static int test_11_struct_elements()
    {
        IList<Point> l = new Point[] { new Point(1, 2), new Point(3, 4) };
        l[0] = new Point(0, 1);
        int s = 0;
        foreach (Point p in l)
            s += p.X + p.Y;
        return s + (l.Contains(new Point(3, 4)) ? 3 : 0);
    }

    static int test_5_cast_back_to_array()
    {
        IEnumerable<byte> e = new byte[] { 2, 3 };
        byte[] b = (byte[])e;
        return b[0] + b[1];
    }

    static int test_6_non_generic_foreach_still_boxes()
    {
        System.Collections.IEnumerable e = new int[] { 1, 2, 3 };
        int s = 0;
        foreach (object o in e)
            s += (int)o;
        return s;
    }
}
