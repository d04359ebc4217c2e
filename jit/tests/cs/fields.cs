// JIT tests: ldfld/stfld/ldflda, ldsfld/stsfld/ldsflda, on classes and on
// value types, at every field width.
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.

class AllWidths
{
    public bool Flag;
    public sbyte I1;
    public byte U1;
    public short I2;
    public ushort U2;
    public char Ch;
    public int I4;
    public uint U4;
    public long I8;
    public ulong U8;
    public float R4;
    public double R8;
    public object Ref;
    public string Str;
}

struct ValueWidths
{
    public bool Flag;
    public sbyte I1;
    public byte U1;
    public short I2;
    public ushort U2;
    public char Ch;
    public int I4;
    public uint U4;
    public long I8;
    public ulong U8;
    public float R4;
    public double R8;
    public object Ref;
}

class Inner
{
    public int Value;
}

class Outer
{
    public Inner Child;
    public ValueWidths Embedded;
    public int Tail;
}

static class Fields
{
    static int s_counter;
    static long s_wide;
    static string s_name;
    static ValueWidths s_struct;
    static readonly int s_readonly = 12;
    const int Constant = 30; // a literal: no field load at all

    static int Check(bool flag, sbyte i1, byte u1, short i2, ushort u2, char ch, int i4, uint u4, long i8, ulong u8, float r4, double r8)
    {
        int ok = 0;
        if (flag) ok |= 1;
        if (i1 == -100) ok |= 2;
        if (u1 == 200) ok |= 4;
        if (i2 == -30000) ok |= 8;
        if (u2 == 60000) ok |= 16;
        if (ch == 'Z') ok |= 32;
        if (i4 == -2000000000) ok |= 64;
        if (u4 == 4000000000) ok |= 128;
        if (i8 == -9000000000000000000L) ok |= 256;
        if (u8 == 18000000000000000000UL) ok |= 512;
        if (r4 == 1.5f) ok |= 1024;
        if (r8 == -2.25) ok |= 2048;
        return ok;
    }

    static int test_4095_class_fields_every_width()
    {
        AllWidths a = new AllWidths();
        a.Flag = true;
        a.I1 = -100;
        a.U1 = 200;
        a.I2 = -30000;
        a.U2 = 60000;
        a.Ch = 'Z';
        a.I4 = -2000000000;
        a.U4 = 4000000000;
        a.I8 = -9000000000000000000L;
        a.U8 = 18000000000000000000UL;
        a.R4 = 1.5f;
        a.R8 = -2.25;
        return Check(a.Flag, a.I1, a.U1, a.I2, a.U2, a.Ch, a.I4, a.U4, a.I8, a.U8, a.R4, a.R8);
    }

    static int test_4095_struct_fields_every_width()
    {
        ValueWidths v = new ValueWidths();
        v.Flag = true;
        v.I1 = -100;
        v.U1 = 200;
        v.I2 = -30000;
        v.U2 = 60000;
        v.Ch = 'Z';
        v.I4 = -2000000000;
        v.U4 = 4000000000;
        v.I8 = -9000000000000000000L;
        v.U8 = 18000000000000000000UL;
        v.R4 = 1.5f;
        v.R8 = -2.25;
        return Check(v.Flag, v.I1, v.U1, v.I2, v.U2, v.Ch, v.I4, v.U4, v.I8, v.U8, v.R4, v.R8);
    }

    static int test_1_narrow_stores_do_not_spill_into_neighbours()
    {
        AllWidths a = new AllWidths();
        a.I1 = -1;  // 0xFF
        a.I2 = -1;  // 0xFFFF
        a.I4 = -1;
        // Fields around them stay zero if stores use the right width.
        return a.Flag == false && a.U1 == 0 && a.U2 == 0 && a.Ch == '\0' && a.U4 == 0 ? 1 : 0;
    }

    static int test_3_reference_fields()
    {
        AllWidths a = new AllWidths();
        a.Str = "abc";
        a.Ref = a.Str;
        return a.Ref == (object)a.Str ? ((string)a.Ref).Length : -1;
    }

    static void Bump(ref int x)
    {
        x += 5;
    }

    static void BumpLong(ref long x)
    {
        x = x * 2 + 1;
    }

    static int test_28_ldflda_on_class_and_struct_fields()
    {
        AllWidths a = new AllWidths();
        a.I4 = 10;
        Bump(ref a.I4); // ldflda on a class field
        ValueWidths v = new ValueWidths();
        v.I8 = 3;
        BumpLong(ref v.I8); // ldloca + ldflda on a struct field
        Outer o = new Outer();
        o.Embedded.I4 = 1;
        Bump(ref o.Embedded.I4); // ldflda of a field inside an embedded struct
        return a.I4 + (int)v.I8 + o.Embedded.I4; // 15 + 7 + 6
    }

    static int test_47_nested_objects_and_structs()
    {
        Outer o = new Outer();
        o.Child = new Inner();
        o.Child.Value = 40;
        o.Embedded.I2 = 5;
        o.Tail = 2;
        ValueWidths copy = o.Embedded; // ldfld of a whole struct
        copy.I2 = 99; // does not write back
        return o.Child.Value + o.Embedded.I2 + o.Tail; // 40 + 5 + 2
    }

    static int test_55_static_fields()
    {
        s_counter = 0;
        for (int i = 0; i < 10; i++)
            s_counter += i + 1;
        return s_counter;
    }

    static int test_1_static_wide_and_reference_fields()
    {
        s_wide = 0x7FFFFFFF00000001L;
        s_name = "cordon";
        return s_wide == 0x7FFFFFFF00000001L && s_name.Length == 6 ? 1 : 0;
    }

    static int test_51_ldsflda_static_struct_fields()
    {
        s_struct.I4 = 7;
        Bump(ref s_counter); // ldsflda of an int
        s_counter = 2;
        Bump(ref s_counter);
        Bump(ref s_struct.I4); // ldsflda + ldflda
        s_struct.I8 = 20;
        return s_counter + s_struct.I4 + (int)s_struct.I8 + s_readonly; // 7 + 12 + 20 + 12
    }

    static int test_30_constants_are_not_fields()
    {
        return Constant;
    }

    static int test_1_default_field_values()
    {
        AllWidths a = new AllWidths();
        return a.I8 == 0 && a.R8 == 0.0 && a.Ref == null && a.Str == null && !a.Flag ? 1 : 0;
    }

    static int test_6_struct_array_field_of_class()
    {
        Holder h = new Holder();
        h.Items = new ValueWidths[3];
        for (int i = 0; i < 3; i++)
            h.Items[i].I4 = i + 1;
        return h.Items[0].I4 + h.Items[1].I4 + h.Items[2].I4;
    }

    class Holder
    {
        public ValueWidths[] Items;
    }
}
