// JIT tests: Dictionary<TKey, TValue>.Keys and .Values are live views:
// later additions and removals show through, they enumerate in entry
// order, count, copy, test membership through ICollection<T>, refuse
// changes, and a walk across a change of the dictionary throws.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;
using System.Collections.Generic;

static class DictionaryViews
{
    static Dictionary<string, int> Make()
    {
        Dictionary<string, int> d = new Dictionary<string, int>();
        d["a"] = 1;
        d["bb"] = 2;
        d["ccc"] = 3;
        return d;
    }

    static int test_6_keys_enumerate()
    {
        int n = 0;
        foreach (string k in Make().Keys)
            n += k.Length;
        return n;
    }

    static int test_6_values_enumerate()
    {
        int s = 0;
        foreach (int v in Make().Values)
            s += v;
        return s;
    }

    static int test_1_keys_see_later_additions()
    {
        Dictionary<string, int> d = Make();
        Dictionary<string, int>.KeyCollection keys = d.Keys;
        Dictionary<string, int>.ValueCollection values = d.Values;
        d["dddd"] = 10;
        d.Remove("a");
        int n = 0;
        foreach (string k in keys)
            n += k.Length;
        int s = 0;
        foreach (int v in values)
            s += v;
        return n == 9 && s == 15 && keys.Count == 3 && values.Count == 3 ? 1 : 0;
    }

    static int test_1_same_view_object()
    {
        Dictionary<int, int> d = new Dictionary<int, int>();
        return d.Keys == d.Keys && d.Values == d.Values ? 1 : 0;
    }

    static int test_321_entry_order()
    {
        Dictionary<int, int> d = new Dictionary<int, int>();
        d.Add(3, 30);
        d.Add(2, 20);
        d.Add(1, 10);
        int r = 0;
        foreach (int k in d.Keys)
            r = r * 10 + k;
        return r;
    }

    static int test_3_copy_to()
    {
        Dictionary<string, int> d = Make();
        string[] ks = new string[4];
        d.Keys.CopyTo(ks, 1);
        int[] vs = new int[3];
        d.Values.CopyTo(vs, 0);
        return ks[0] == null && ks[3] == "ccc" && vs[1] == 2 ? 3 : 0;
    }

    static int test_3_contains_through_icollection()
    {
        Dictionary<string, int> d = Make();
        ICollection<string> ks = d.Keys;
        ICollection<int> vs = d.Values;
        int r = 0;
        if (ks.Contains("bb") && !ks.Contains("b"))
            r += 1;
        if (vs.Contains(3) && !vs.Contains(4))
            r += 2;
        return r;
    }

    static int test_7_views_refuse_changes()
    {
        Dictionary<string, int> d = Make();
        ICollection<string> ks = d.Keys;
        ICollection<int> vs = d.Values;
        int r = 0;
        try { ks.Add("x"); } catch (NotSupportedException) { r += 1; }
        try { vs.Clear(); } catch (NotSupportedException) { r += 2; }
        if (ks.IsReadOnly && vs.IsReadOnly)
            r += 4;
        return d.Count == 3 ? r : -1;
    }

    static int test_1_walk_across_a_change_throws()
    {
        Dictionary<string, int> d = Make();
        try
        {
            foreach (string k in d.Keys)
                d["new" + k] = 0;
            return 0;
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
    }

    static int test_6_through_ienumerable()
    {
        IEnumerable<int> e = Make().Values;
        int s = 0;
        foreach (int v in e)
            s += v;
        return s;
    }
}
