// JIT tests: the corlib's System.Collections.Generic over value and
// reference types: List<T>, Dictionary<TKey,TValue>, HashSet<T>,
// Queue<T>, Stack<T>, KeyValuePair, foreach through the struct enumerators
// and through IEnumerable<T>, `yield return` iterators, EqualityComparer<T>
// and Comparer<T>.Default, IComparable<T>/IEquatable<T>, exceptions.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;
using System.Collections;
using System.Collections.Generic;

struct Point : IEquatable<Point>
{
    public int X;
    public int Y;

    public Point(int x, int y)
    {
        X = x;
        Y = y;
    }

    public bool Equals(Point other)
    {
        return X == other.X && Y == other.Y;
    }

    public override bool Equals(object obj)
    {
        return obj is Point && Equals((Point)obj);
    }

    public override int GetHashCode()
    {
        return X * 31 + Y;
    }
}

class Version : IComparable<Version>
{
    public int Major;

    public Version(int major)
    {
        Major = major;
    }

    public int CompareTo(Version other)
    {
        return Major - other.Major;
    }
}

class Cloneable : ICloneable
{
    public int V;

    public object Clone()
    {
        Cloneable c = new Cloneable();
        c.V = V + 1;
        return c;
    }
}

static class Collections
{
    static int test_15_list_of_int()
    {
        List<int> l = new List<int>();
        for (int i = 1; i <= 5; i++)
            l.Add(i);
        int sum = 0;
        for (int i = 0; i < l.Count; i++)
            sum += l[i];
        return sum;
    }

    static int test_10_list_foreach()
    {
        List<int> l = new List<int>();
        l.Add(1);
        l.Add(2);
        l.Add(3);
        l.Add(4);
        int sum = 0;
        foreach (int x in l)
            sum += x;
        return sum;
    }

    static int test_9_list_of_strings()
    {
        List<string> l = new List<string>();
        l.Add("one");
        l.Add("three");
        l.Add("x");
        int n = 0;
        foreach (string s in l)
            n += s.Length;
        return n;
    }

    static int test_1234_list_insert_remove()
    {
        List<int> l = new List<int>();
        l.Add(1);
        l.Add(3);
        l.Insert(1, 2);
        l.Add(9);
        l.Add(4);
        l.Remove(9);
        int r = 0;
        foreach (int x in l)
            r = r * 10 + x;
        return r;
    }

    static int test_3_list_index_of_and_contains()
    {
        List<string> l = new List<string>();
        l.Add("a");
        l.Add("b");
        l.Add("c");
        return l.IndexOf("c") + (l.Contains("b") ? 1 : 0) + (l.Contains("z") ? 10 : 0);
    }

    static int test_12345_list_sort()
    {
        List<int> l = new List<int>();
        l.Add(4);
        l.Add(2);
        l.Add(5);
        l.Add(1);
        l.Add(3);
        l.Sort();
        int r = 0;
        foreach (int x in l)
            r = r * 10 + x;
        return r;
    }

    static int test_54321_list_sort_with_comparison()
    {
        List<int> l = new List<int>();
        for (int i = 1; i <= 5; i++)
            l.Add(i);
        l.Sort((a, b) => b - a);
        int r = 0;
        foreach (int x in l)
            r = r * 10 + x;
        return r;
    }

    static int test_3_sort_comparable_class()
    {
        List<Version> l = new List<Version>();
        l.Add(new Version(3));
        l.Add(new Version(1));
        l.Add(new Version(2));
        l.Sort();
        return l[0].Major + l[1].Major * 10 + l[2].Major * 100 - 318;
    }

    static int test_1_list_index_out_of_range()
    {
        List<int> l = new List<int>();
        try
        {
            return l[0];
        }
        catch (ArgumentOutOfRangeException)
        {
            return 1;
        }
    }

    static int test_1_list_modified_during_foreach()
    {
        List<int> l = new List<int>();
        l.Add(1);
        l.Add(2);
        try
        {
            foreach (int x in l)
                l.Add(x);
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
        return 0;
    }

    static int test_6_list_through_interfaces()
    {
        IList<int> l = new List<int>();
        l.Add(1);
        l.Add(2);
        ICollection<int> c = l;
        c.Add(3);
        IEnumerable<int> e = l;
        int sum = 0;
        foreach (int x in e)
            sum += x;
        return sum;
    }

    static int test_8_list_to_array_and_reverse()
    {
        List<int> l = new List<int>();
        l.Add(1);
        l.Add(2);
        l.Add(5);
        l.Reverse();
        int[] a = l.ToArray();
        return a[0] + a.Length;
    }

    static int test_30_list_find_and_foreach()
    {
        List<int> l = new List<int>();
        for (int i = 1; i <= 6; i++)
            l.Add(i * 3);
        int found = l.Find(x => x > 10);
        int total = 0;
        l.ForEach(x => total += x);
        return found + (l.Exists(x => x == 9) ? total - 63 : 0) + 18;
    }

    static int test_600_dictionary_int_keys()
    {
        Dictionary<int, int> d = new Dictionary<int, int>();
        for (int i = 0; i < 100; i++)
            d[i] = i * 2;
        int sum = 0;
        for (int i = 0; i < 100; i += 10)
            sum += d[i];
        return sum - 300;
    }

    static int test_7_dictionary_string_keys()
    {
        Dictionary<string, int> d = new Dictionary<string, int>();
        d.Add("one", 1);
        d.Add("two", 2);
        d["four"] = 4;
        int v;
        int r = d.TryGetValue("four", out v) ? v : 0;
        r += d.TryGetValue("five", out v) ? 100 : 0;
        return r + d["one"] + d["two"];
    }

    static int test_1_dictionary_missing_key_throws()
    {
        Dictionary<string, int> d = new Dictionary<string, int>();
        try
        {
            return d["nope"];
        }
        catch (KeyNotFoundException)
        {
            return 1;
        }
    }

    static int test_1_dictionary_duplicate_add_throws()
    {
        Dictionary<int, string> d = new Dictionary<int, string>();
        d.Add(1, "a");
        try
        {
            d.Add(1, "b");
        }
        catch (ArgumentException)
        {
            return 1;
        }
        return 0;
    }

    static int test_98_dictionary_remove_and_count()
    {
        Dictionary<int, string> d = new Dictionary<int, string>();
        for (int i = 0; i < 100; i++)
            d.Add(i, "v");
        d.Remove(5);
        d.Remove(50);
        d.Remove(500);
        return d.ContainsKey(5) ? -1 : d.Count;
    }

    static int test_123_dictionary_enumeration_order()
    {
        Dictionary<string, int> d = new Dictionary<string, int>();
        d["a"] = 1;
        d["b"] = 2;
        d["c"] = 3;
        int r = 0;
        foreach (KeyValuePair<string, int> kv in d)
            r = r * 10 + kv.Value;
        return r;
    }

    static int test_42_dictionary_struct_keys()
    {
        Dictionary<Point, int> d = new Dictionary<Point, int>();
        d[new Point(1, 2)] = 40;
        d[new Point(2, 1)] = 2;
        return d[new Point(1, 2)] + d[new Point(2, 1)];
    }

    static int test_5000_dictionary_grows()
    {
        Dictionary<int, int> d = new Dictionary<int, int>();
        for (int i = 0; i < 5000; i++)
            d[i * 7] = i;
        int hits = 0;
        for (int i = 0; i < 5000; i++)
        {
            if (d[i * 7] == i)
                hits++;
        }
        return hits;
    }

    static int test_3_hashset()
    {
        HashSet<string> s = new HashSet<string>();
        s.Add("a");
        s.Add("b");
        bool again = s.Add("a");
        s.Add("c");
        s.Remove("b");
        int n = 0;
        foreach (string x in s)
            n++;
        return n + (again ? 10 : 0) + (s.Contains("c") ? 1 : 0);
    }

    static int test_123_queue()
    {
        Queue<int> q = new Queue<int>();
        for (int i = 1; i <= 10; i++)
            q.Enqueue(i);
        for (int i = 0; i < 7; i++)
            q.Dequeue();
        q.Enqueue(11);
        return q.Dequeue() * 10 + q.Peek() + q.Count * 10 + 4; // 80 + 9 + 30 + 4
    }

    static int test_1_queue_empty_throws()
    {
        Queue<string> q = new Queue<string>();
        try
        {
            q.Dequeue();
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
        return 0;
    }

    static int test_321_stack()
    {
        Stack<int> s = new Stack<int>();
        for (int i = 1; i <= 3; i++)
            s.Push(i);
        int r = 0;
        while (s.Count > 0)
            r = r * 10 + s.Pop();
        return r;
    }

    static IEnumerable<int> Range(int from, int count)
    {
        for (int i = 0; i < count; i++)
            yield return from + i;
    }

    static IEnumerable<string> Words()
    {
        yield return "alpha";
        yield return "be";
        yield return "c";
    }

    static int test_45_yield_return()
    {
        int sum = 0;
        foreach (int x in Range(5, 5))
            sum += x;
        return sum + 10;
    }

    static int test_8_yield_return_strings_into_list()
    {
        List<string> l = new List<string>(Words());
        int n = 0;
        foreach (string w in l)
            n += w.Length;
        return n;
    }

    static int test_2_equality_comparer_default()
    {
        EqualityComparer<int> ci = EqualityComparer<int>.Default;
        EqualityComparer<string> cs = EqualityComparer<string>.Default;
        int r = 0;
        if (ci.Equals(3, 3) && !ci.Equals(3, 4))
            r++;
        if (cs.Equals("ab", "a" + "b") && !cs.Equals("a", null) && cs.Equals(null, null))
            r++;
        return r;
    }

    static int test_3_comparer_default()
    {
        Comparer<int> c = Comparer<int>.Default;
        Comparer<string> s = Comparer<string>.Default;
        int r = 0;
        if (c.Compare(1, 2) < 0 && c.Compare(2, 1) > 0 && c.Compare(2, 2) == 0)
            r++;
        if (s.Compare("abc", "abd") < 0 && s.Compare(null, "a") < 0)
            r++;
        if (5.CompareTo(3) > 0 && ((IComparable)7).CompareTo(7) == 0)
            r++;
        return r;
    }

    static int test_7_key_value_pair()
    {
        KeyValuePair<string, int> kv = new KeyValuePair<string, int>("abc", 4);
        return kv.Key.Length + kv.Value;
    }

    static int test_6_cloneable_and_equatable()
    {
        ICloneable c = new Cloneable();
        Cloneable copy = (Cloneable)c.Clone();
        IEquatable<Point> p = new Point(1, 2);
        return copy.V + (p.Equals(new Point(1, 2)) ? 5 : 0);
    }

    static int test_4_list_of_lists()
    {
        List<List<int>> outer = new List<List<int>>();
        for (int i = 0; i < 4; i++)
        {
            List<int> inner = new List<int>();
            inner.Add(i);
            outer.Add(inner);
        }
        return outer.Count * outer[3][0] - 8;
    }
}
