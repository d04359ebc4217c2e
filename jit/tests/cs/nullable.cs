// JIT tests: Nullable<T> (`int?`) and its boxing rules (ECMA-335 III.4.1):
// boxing an empty one gives null, boxing one with a value gives a boxed T;
// unboxing null gives an empty one; `is`/`as` test for T; lifted
// operators; nullable structs; GetValueOrDefault; Value on an empty one.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

using System;

struct Coord
{
    public int X;
    public int Y;
}

static class Nullables
{
    static int test_5_has_value()
    {
        int? a = 5;
        int? b = null;
        return a.HasValue && !b.HasValue ? a.Value : 0;
    }

    static int test_1_box_empty_is_null()
    {
        int? a = null;
        object o = a;
        return o == null ? 1 : 0;
    }

    static int test_7_box_value_is_boxed_t()
    {
        int? a = 7;
        object o = a;
        return o is int ? (int)o : 0;
    }

    static int test_1_boxed_type_is_t()
    {
        long? a = 3;
        object o = a;
        return o.GetType() == typeof(long) ? 1 : 0;
    }

    static int test_9_unbox_boxed_t()
    {
        object o = 9;
        int? a = (int?)o;
        return a.HasValue ? a.Value : -1;
    }

    static int test_1_unbox_null()
    {
        object o = null;
        int? a = (int?)o;
        return a.HasValue ? 0 : 1;
    }

    static int test_1_unbox_wrong_type_throws()
    {
        object o = "no";
        try
        {
            int? a = (int?)o;
            return a.HasValue ? 2 : 3;
        }
        catch (InvalidCastException)
        {
            return 1;
        }
    }

    static int test_12_as_nullable()
    {
        object a = 12;
        object b = "x";
        int? x = a as int?;
        int? y = b as int?;
        return x.HasValue && !y.HasValue ? x.Value : 0;
    }

    static int test_11_lifted_arithmetic()
    {
        int? a = 4;
        int? b = 7;
        int? n = null;
        int? c = a + b;
        int? d = a + n;
        return c.Value + (d.HasValue ? 100 : 0);
    }

    static int test_3_lifted_comparison()
    {
        int? a = 4;
        int? n = null;
        int r = 0;
        if (a > 3)
            r++;
        if (!(n > 3))
            r++;
        if (n == null)
            r++;
        return r;
    }

    static int test_42_get_value_or_default()
    {
        int? n = null;
        int? a = 2;
        return n.GetValueOrDefault(40) + a.GetValueOrDefault() + n.GetValueOrDefault();
    }

    static int test_8_coalesce()
    {
        int? n = null;
        double? d = 3.5;
        return (n ?? 4) + (int)((d ?? 0) + 0.5);
    }

    static int test_1_value_of_empty_throws()
    {
        int? n = null;
        try
        {
            return n.Value;
        }
        catch (InvalidOperationException)
        {
            return 1;
        }
    }

    static int test_7_nullable_struct()
    {
        Coord c = new Coord();
        c.X = 3;
        c.Y = 4;
        Coord? p = c;
        object o = p;
        Coord back = (Coord)o;
        return back.X + back.Y;
    }

    static int test_6_nullable_in_array_and_field()
    {
        int?[] a = new int?[3];
        a[1] = 6;
        int r = 0;
        foreach (int? x in a)
        {
            if (x.HasValue)
                r += x.Value;
        }
        return r;
    }

    static int test_1_equals_and_hash()
    {
        int? a = 5;
        int? n = null;
        return a.Equals(5) && n.Equals(null) && a.GetHashCode() == 5 && n.GetHashCode() == 0 ? 1 : 0;
    }
}
