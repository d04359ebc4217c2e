// JIT tests: ldobj/stobj/initobj (struct copies through refs and pointers),
// box/unbox/unbox.any, castclass/isinst, `as`/`is`.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// mcs never emits cpobj (it copies structs with ldobj + stobj), so cpobj
// needs an IL-level test. The failing casts are in exceptions.cs.

struct Triple
{
    public long A;
    public int B;
    public byte C;
}

class Base
{
    public virtual int Id()
    {
        return 1;
    }
}

class Derived : Base
{
    public override int Id()
    {
        return 2;
    }
}

class MoreDerived : Derived
{
    public override int Id()
    {
        return 3;
    }
}

class Unrelated
{
}

interface IMarker
{
}

class Marked : Base, IMarker
{
}

enum Level : short
{
    Low = 1,
    High = 300,
}

static class Objects
{
    static void Copy(ref Triple dst, ref Triple src)
    {
        dst = src; // ldobj Triple; stobj Triple
    }

    static void Clear(ref Triple t)
    {
        t = new Triple(); // initobj through a ref
    }

    static int test_1_ldobj_stobj_through_refs()
    {
        Triple a = new Triple();
        a.A = 0x100000000L;
        a.B = -5;
        a.C = 250;
        Triple b = new Triple();
        Copy(ref b, ref a);
        a.B = 0; // b is a copy
        return b.A == 0x100000000L && b.B == -5 && b.C == 250 ? 1 : 0;
    }

    static int test_0_initobj_clears_every_field()
    {
        Triple t;
        t.A = 1;
        t.B = 2;
        t.C = 3;
        Clear(ref t);
        return (int)t.A + t.B + t.C;
    }

    static int test_9_initobj_on_local()
    {
        Triple t = new Triple(); // initobj on a local
        t.B = 9;
        Triple u = default(Triple);
        return t.B + (int)u.A + u.B + u.C;
    }

    static unsafe int test_1_ldobj_stobj_through_pointers()
    {
        Triple a = new Triple();
        a.A = -1;
        a.B = 77;
        a.C = 1;
        Triple b;
        Triple* pa = &a;
        Triple* pb = &b;
        *pb = *pa; // ldobj/stobj via pointers
        pa->B = 0;
        return b.A == -1 && b.B == 77 && b.C == 1 ? 1 : 0;
    }

    static int test_1_element_copies_between_struct_arrays()
    {
        Triple[] src = new Triple[2];
        Triple[] dst = new Triple[2];
        src[1].A = 5;
        src[1].B = 6;
        src[1].C = 7;
        dst[0] = src[1]; // ldelem/stelem of a struct (or ldobj/stobj via ldelema)
        return dst[0].A == 5 && dst[0].B == 6 && dst[0].C == 7 && dst[1].B == 0 ? 1 : 0;
    }

    static int test_47_box_unbox_int()
    {
        object o = 42; // box
        int v = (int)o; // unbox.any
        object p = v + 5;
        return (int)p;
    }

    static int test_1_box_makes_a_copy()
    {
        int x = 1;
        object o = x;
        x = 2;
        return (int)o;
    }

    static int test_1_box_every_primitive()
    {
        object[] boxes = new object[10];
        boxes[0] = (sbyte)-1;
        boxes[1] = (byte)255;
        boxes[2] = (short)-300;
        boxes[3] = (ushort)60000;
        boxes[4] = 'q';
        boxes[5] = 123456789L;
        boxes[6] = 9876543210UL;
        boxes[7] = 0.5f;
        boxes[8] = 0.25;
        boxes[9] = true;
        return (sbyte)boxes[0] == -1 && (byte)boxes[1] == 255 && (short)boxes[2] == -300
            && (ushort)boxes[3] == 60000 && (char)boxes[4] == 'q' && (long)boxes[5] == 123456789L
            && (ulong)boxes[6] == 9876543210UL && (float)boxes[7] == 0.5f && (double)boxes[8] == 0.25
            && (bool)boxes[9] ? 1 : 0;
    }

    static int test_1_box_struct_and_unbox_to_local()
    {
        Triple t = new Triple();
        t.A = 3;
        t.B = 4;
        t.C = 5;
        object o = t;
        Triple back = (Triple)o;
        return back.A == 3 && back.B == 4 && back.C == 5 ? 1 : 0;
    }

    static int test_300_box_enum()
    {
        object o = Level.High;
        Level l = (Level)o;
        return (int)l;
    }

    static int test_1_boxed_equals_and_type_checks()
    {
        object a = 5, b = 5, c = 6L;
        return a.Equals(b) && !a.Equals(c) && a is int && !(c is int) && c is long ? 1 : 0;
    }

    static int test_6_isinst_class_hierarchy()
    {
        object[] objs = new object[4];
        objs[0] = new Base();
        objs[1] = new Derived();
        objs[2] = new MoreDerived();
        objs[3] = new Unrelated();
        int r = 0;
        for (int i = 0; i < objs.Length; i++)
        {
            Base b = objs[i] as Base; // isinst
            if (b != null)
                r += b.Id() - 1; // 0 + 1 + 2
            if (objs[i] is Derived)
                r += 1; // Derived, MoreDerived
        }
        return r + 1;
    }

    static int test_1_isinst_interface()
    {
        object m = new Marked();
        object b = new Base();
        return m is IMarker && !(b is IMarker) && (m as IMarker) != null ? 1 : 0;
    }

    static int test_3_castclass_success()
    {
        object o = new MoreDerived();
        Base b = (Base)o; // castclass
        Derived d = (Derived)b;
        return d.Id();
    }

    static int test_1_casts_of_null_succeed()
    {
        object o = null;
        Base b = (Base)o; // castclass null is null
        IMarker m = (IMarker)o;
        return b == null && m == null && !(o is Base) && (o as Base) == null ? 1 : 0;
    }

    static int test_1_arrays_are_objects()
    {
        object a = new int[3];
        object s = new string[2];
        object d = new Derived[1];
        return a is int[] && !(a is long[]) && s is string[] && s is object[] && d is Base[] ? 1 : 0;
    }

    static int test_1_string_is_object()
    {
        object o = "text";
        return o is string && !(o is Base) && (o as string).Length == 4 ? 1 : 0;
    }
}
