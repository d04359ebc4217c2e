// JIT tests: struct sizes and array strides under [StructLayout].
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Drivers describe hardware layouts with explicit layout and a Size; mono
// (the oracle) gives such a struct exactly max(Size, end of the last field)
// bytes, not rounded up to its alignment, and arrays of it use that stride.
// Without a Size, or with sequential layout, the size is rounded up so that
// array elements stay aligned.

using System.Runtime.InteropServices;

[StructLayout(LayoutKind.Explicit, Size = 5)]
struct Reg5
{
    [FieldOffset(0)] public int Value;
}

[StructLayout(LayoutKind.Explicit, Size = 2)]
struct SizeBelowFields
{
    [FieldOffset(0)] public int A;
    [FieldOffset(4)] public byte B;
}

[StructLayout(LayoutKind.Explicit, Size = 3)]
struct LongThenShort
{
    [FieldOffset(0)] public long A;
    [FieldOffset(8)] public short B;
}

[StructLayout(LayoutKind.Explicit, Size = 6)]
struct SizeInsideField
{
    [FieldOffset(0)] public long A;
}

[StructLayout(LayoutKind.Explicit)]
struct ExplicitNoSize
{
    [FieldOffset(0)] public int A;
    [FieldOffset(4)] public byte B;
}

[StructLayout(LayoutKind.Sequential, Size = 5)]
struct Sequential5
{
    public int A;
}

[StructLayout(LayoutKind.Sequential, Size = 3)]
struct SequentialBytes
{
    public byte A;
}

struct HoldsReg5
{
    public byte Before;
    public Reg5 Reg;
    public byte After;
}

static unsafe class Layout
{
    static int test_5_explicit_size_is_not_rounded()
    {
        return sizeof(Reg5);
    }

    static int test_5_explicit_size_below_the_fields()
    {
        return sizeof(SizeBelowFields);
    }

    static int test_10_explicit_end_of_last_field()
    {
        return sizeof(LongThenShort);
    }

    static int test_8_explicit_size_inside_a_field()
    {
        return sizeof(SizeInsideField);
    }

    static int test_8_explicit_without_size_is_rounded()
    {
        return sizeof(ExplicitNoSize);
    }

    static int test_8_sequential_size_is_rounded()
    {
        return sizeof(Sequential5);
    }

    static int test_3_sequential_bytes()
    {
        return sizeof(SequentialBytes);
    }

    static long Stride(Reg5[] a)
    {
        fixed (Reg5* p0 = &a[0])
        fixed (Reg5* p1 = &a[1])
            return (byte*)p1 - (byte*)p0;
    }

    static int test_5_array_stride_of_explicit_size()
    {
        return (int)Stride(new Reg5[3]);
    }

    // Elements written through the array land 5 bytes apart: the last one's
    // value is read back through a byte pointer at 2 * 5.
    static int test_2570_elements_at_the_exact_stride()
    {
        Reg5[] a = new Reg5[3];
        a[0].Value = 1;
        a[1].Value = 0x0A0A;
        a[2].Value = 0x0A0A;
        fixed (Reg5* p = &a[0])
        {
            byte* b = (byte*)p;
            return b[10] + b[11] * 256 - b[12] + b[5] - 10 + a[0].Value - 1;
        }
    }

    static int test_12_struct_containing_explicit_size()
    {
        HoldsReg5 h = new HoldsReg5();
        h.After = 7;
        byte* p = (byte*)&h;
        // Reg at 4 (int alignment), After at 4 + 5 = 9, size rounded to 12.
        return p[9] == 7 && (byte*)&h.Reg - p == 4 ? sizeof(HoldsReg5) : 0;
    }

    static int test_15_struct_array_stride()
    {
        HoldsReg5[] a = new HoldsReg5[2];
        a[1].Before = 3;
        fixed (HoldsReg5* p = &a[0])
            return ((byte*)p)[12] + sizeof(HoldsReg5);
    }
}
