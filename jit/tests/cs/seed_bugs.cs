// JIT regression tests for the five bug classes of the seed document
// (seeds/003: the earlier ring-0 C# kernel whose JIT crashed at CR2=0x300).
//
// Convention: `static int test_<N>_<name>()` passes when it returns N.
// Every test computes its answer from all the data it touched, so a JIT that
// gets one field, one element or one register wrong returns a different number.
//
// A note on bug 5's exact IL: the seed's compiler emitted `ldloc; ldfld` for
// `local.Field`. mcs never does (it spills a struct value to a temporary and
// uses `ldloca; ldfld`), so the tests below reach the same *semantics* —
// struct values copied out of locals, parameters, return values and fields —
// and the raw `ldloc; ldfld` shape belongs in an IL-level JIT test.

using System.Runtime.InteropServices;

// ---- bug 1: arrays of structs are sized by element size --------------------

// 24 bytes: an array of 6 needs 144 bytes of elements, not 6 * 8 or 6 * 0.
struct Bar24
{
    public long Base;
    public long Size;
    public int Flags;
    public int Index;
}

// The seed's PciBar shape: mixed widths, padded to 24 bytes.
struct PciBar
{
    public ulong Address;
    public ulong Size;
    public bool IsIO;
    public bool Is64Bit;
    public byte Index;
}

// A struct holding a reference: the GC must see the element's string field.
struct Named
{
    public string Name;
    public int Id;
}

// ---- bug 3: value-type field offsets start at 0, not after a header --------

// Sequential layout: A@0, B@2, C@4, D@8, E@16; 24 bytes.
struct Regs
{
    public byte A;
    public short B;
    public int C;
    public long D;
    public int E;

    public void Set(byte a, short b, int c, long d, int e)
    {
        A = a;
        B = b;
        C = c;
        D = d;
        E = e;
    }

    public long Weighted()
    {
        return A + B * 10L + C * 100L + D * 1000L + E * 10000L;
    }

    public int GetE()
    {
        return E;
    }
}

[StructLayout(LayoutKind.Explicit)]
struct Overlay
{
    [FieldOffset(0)] public uint Whole;
    [FieldOffset(0)] public byte B0;
    [FieldOffset(1)] public byte B1;
    [FieldOffset(2)] public ushort High;
}

class RegsHolder
{
    public int Before;
    public Regs R;
    public int After;
}

// ---- bug 2: `this` in parameterless instance methods and constructors ------

class Counter
{
    private int _count;
    private int _step;

    public Counter()
    {
        _count = 10;
        _step = 3;
    }

    public void Tick()
    {
        _count += _step;
    }

    public int Get()
    {
        return _count;
    }

    public Counter Self()
    {
        return this;
    }
}

class Chained
{
    public int A;
    public int B;
    public int C = 7; // field initializer: runs in every constructor, before base()

    public Chained() : this(5)
    {
        B = A * 2;
    }

    public Chained(int a)
    {
        A = a;
    }
}

class Shape
{
    protected int Side;

    public Shape()
    {
        Side = 4;
    }

    public virtual int Area()
    {
        return 0;
    }

    public int Describe()
    {
        // A parameterless instance method calling a parameterless virtual one.
        return Area() * 10 + Side;
    }
}

class Square : Shape
{
    public Square()
    {
        Side = Side + 1; // base constructor ran first: 4 + 1
    }

    public override int Area()
    {
        return Side * Side;
    }
}

struct Point
{
    public int X;
    public int Y;

    public Point(int x, int y)
    {
        X = x;
        Y = y;
    }

    public int LengthSquared()
    {
        return X * X + Y * Y;
    }

    public void Swap()
    {
        int t = X;
        X = Y;
        Y = t;
    }
}

// ---- bug 4: locals and arguments bigger than 8 bytes -----------------------

struct S16
{
    public long A;
    public long B;
}

struct S24
{
    public long A;
    public long B;
    public long C;
}

struct S40
{
    public long A;
    public long B;
    public long C;
    public long D;
    public long E;
}

// ---- bug 5: ldfld on a struct value vs through a reference -----------------

// The seed's 3-byte PCI address. Bus=0, Device=3, Function=0 read as a
// little-endian integer is 0x300: the address the old JIT dereferenced.
struct PciAddress
{
    public byte Bus;
    public byte Device;
    public byte Function;
}

class PciDevice
{
    public PciAddress Address;
    public PciBar[] Bars;
}

struct Wrapper
{
    public int Tag;
    public PciAddress Address;
    public int Tail;
}

static class SeedBugs
{
    // ---- bug 1 ----

    static int test_6_struct_array_24_byte_elements()
    {
        Bar24[] bars = new Bar24[6];
        for (int i = 0; i < bars.Length; i++)
        {
            bars[i].Base = 0x1000L * (i + 1);
            bars[i].Size = 0x100 + i;
            bars[i].Flags = i * 3;
            bars[i].Index = i;
        }
        int intact = 0;
        for (int i = 0; i < bars.Length; i++)
        {
            if (bars[i].Base == 0x1000L * (i + 1) && bars[i].Size == 0x100 + i
                && bars[i].Flags == i * 3 && bars[i].Index == i)
                intact++;
        }
        return intact;
    }

    static int test_21_struct_array_writes_do_not_overlap()
    {
        // Write each element whole, in reverse, then check each neighbour
        // survived: an undersized stride makes later writes clobber earlier ones.
        Bar24[] bars = new Bar24[6];
        for (int i = 5; i >= 0; i--)
        {
            Bar24 b;
            b.Base = -1 - i;
            b.Size = 1000 + i;
            b.Flags = 0x55 << i;
            b.Index = i;
            bars[i] = b;
        }
        int sum = 0;
        for (int i = 0; i < 6; i++)
        {
            Bar24 b = bars[i];
            if (b.Base == -1 - i && b.Size == 1000 + i && b.Flags == 0x55 << i)
                sum += b.Index; // 0+1+2+3+4+5
        }
        return sum + bars.Length; // 15 + 6
    }

    static int test_1326_pci_bars_like_the_seed()
    {
        PciDevice dev = new PciDevice();
        dev.Bars = new PciBar[6];
        for (int i = 0; i < 6; i++)
        {
            dev.Bars[i].Address = 0xFEB00000UL + (ulong)(i * 0x1000);
            dev.Bars[i].Size = 0x1000;
            dev.Bars[i].IsIO = i == 5;
            dev.Bars[i].Is64Bit = (i & 1) == 0;
            dev.Bars[i].Index = (byte)i;
        }
        int io = 0, wide = 0, idx = 0;
        ulong span = 0;
        for (int i = 0; i < 6; i++)
        {
            PciBar b = dev.Bars[i];
            if (b.IsIO)
                io++;
            if (b.Is64Bit)
                wide++;
            idx += b.Index;
            span += b.Size;
        }
        ulong last = dev.Bars[5].Address - dev.Bars[0].Address; // 0x5000
        // io=1, wide=3, idx=15, span=0x6000, last=0x5000
        return io * 1000 + wide * 100 + idx + (int)(span >> 12) + (int)(last >> 12);
    }

    static int test_332_three_byte_struct_array()
    {
        PciAddress[] addrs = new PciAddress[10];
        for (int i = 0; i < addrs.Length; i++)
        {
            addrs[i].Bus = (byte)i;
            addrs[i].Device = (byte)(2 * i + 1);
            addrs[i].Function = (byte)(i % 8);
        }
        int sum = 0;
        for (int i = 0; i < addrs.Length; i++)
            sum += addrs[i].Bus + addrs[i].Device * 2 + addrs[i].Function * 3;
        return sum; // 45 + 2*100 + 3*29
    }

    static int test_200_struct_array_with_references()
    {
        Named[] items = new Named[4];
        string s = "";
        for (int i = 0; i < items.Length; i++)
        {
            s = s + "x";
            items[i].Name = s;
            items[i].Id = i * 10;
        }
        int sum = 0;
        for (int i = 0; i < items.Length; i++)
            sum += items[i].Name.Length * items[i].Id; // 1*0 + 2*10 + 3*20 + 4*30
        return sum;
    }

    static void Grow(ref Bar24 bar, int by)
    {
        bar.Size += by;
        bar.Index++;
    }

    static int test_177_struct_array_element_by_ref()
    {
        // `ref bars[i]` is ldelema: the address must use the element size too.
        Bar24[] bars = new Bar24[6];
        for (int i = 0; i < 6; i++)
            Grow(ref bars[i], i);
        for (int i = 0; i < 6; i++)
            Grow(ref bars[i], 10 * i);
        long total = 0;
        for (int i = 0; i < 6; i++)
            total += bars[i].Size + bars[i].Index; // 11*i + 2
        return (int)total; // sum of 11*i + 2 = 165 + 12
    }

    // ---- bug 2 ----

    static int test_19_this_in_parameterless_methods()
    {
        Counter c = new Counter();
        c.Tick();
        c.Tick();
        c.Tick();
        return c.Get(); // 10 + 3*3
    }

    static int test_1_this_returned_is_the_object()
    {
        Counter c = new Counter();
        Counter other = new Counter();
        if (c.Self() == other)
            return 100;
        return c.Self() == c ? 1 : 0;
    }

    static int test_5107_constructor_chaining_and_initializers()
    {
        Chained x = new Chained();
        return x.A * 1000 + x.B * 10 + x.C; // 5000 + 100 + 7
    }

    static int test_259_base_constructor_then_virtual_via_this()
    {
        Shape s = new Square();
        Shape plain = new Shape();
        return s.Describe() + plain.Describe(); // (25*10 + 5) + (0*10 + 4)
    }

    static int test_61_struct_this_is_a_byref()
    {
        Point p = new Point(5, 6);
        int before = p.LengthSquared(); // 61
        p.Swap(); // mutates p itself through `this`
        if (p.X != 6 || p.Y != 5)
            return -1;
        return before;
    }

    // ---- bug 3 ----

    static int test_1234_struct_fields_through_instance_methods()
    {
        Regs r = new Regs();
        r.Set(1, 2, 3, 4, 5);
        long w = r.Weighted(); // 1 + 20 + 300 + 4000 + 50000
        return (int)(w - 53087);
    }

    static long ReadD(ref Regs r)
    {
        return r.D;
    }

    static void WriteC(ref Regs r, int value)
    {
        r.C = value;
    }

    static int test_77_struct_fields_through_refs()
    {
        Regs r = new Regs();
        r.Set(7, 11, 13, 17, 19);
        WriteC(ref r, 29);
        // If offsets were +8, WriteC would land on D and ReadD on E.
        return (int)ReadD(ref r) + r.C + r.A + r.B + r.E - 6; // 17 + 29 + 7 + 11 + 19 - 6
    }

    static unsafe int test_24_struct_fields_through_pointers()
    {
        Regs r = new Regs();
        r.Set(1, 2, 3, 4, 5);
        Regs* p = &r;
        byte* basePtr = (byte*)p;
        int offsets = (int)((byte*)&p->B - basePtr) + (int)((byte*)&p->C - basePtr)
                      + (int)((byte*)&p->D - basePtr) + (int)((byte*)&p->E - basePtr); // 2+4+8+16 = 30
        return offsets - 6 + (p->E - 5) + sizeof(Regs) - 24; // 24
    }

    static int test_4866_explicit_layout_offsets()
    {
        Overlay o = new Overlay();
        o.Whole = 0x12345678;
        return o.B0 + o.B1 + o.High; // 0x78 + 0x56 + 0x1234
    }

    static int test_28_struct_field_inside_class()
    {
        RegsHolder h = new RegsHolder();
        h.Before = 1;
        h.After = 2;
        h.R.Set(3, 4, 5, 6, 7);
        // Class field offsets include the header; the struct's own offsets do not.
        return h.Before + h.After + h.R.A + h.R.B + h.R.C + (int)h.R.D + h.R.GetE(); // 1+2+3+4+5+6+7 = 28
    }

    static int test_42_boxed_struct_round_trip()
    {
        Regs r = new Regs();
        r.Set(2, 4, 6, 8, 22);
        object boxed = r; // payload after the header
        r.E = 0; // the box is a copy
        Regs back = (Regs)boxed;
        return back.E + back.A + back.B + back.C + (int)back.D; // 22+2+4+6+8
    }

    // ---- bug 4 ----

    static S16 Make16(long a, long b)
    {
        S16 s;
        s.A = a;
        s.B = b;
        return s;
    }

    static S24 Make24(long a, long b, long c)
    {
        S24 s;
        s.A = a;
        s.B = b;
        s.C = c;
        return s;
    }

    static S40 Make40(long seed)
    {
        S40 s;
        s.A = seed;
        s.B = seed * 2;
        s.C = seed * 3;
        s.D = seed * 4;
        s.E = seed * 5;
        return s;
    }

    static long Sum40(S40 s)
    {
        return s.A + s.B + s.C + s.D + s.E;
    }

    static long Mutate40(S40 s)
    {
        // Writes the callee's copy only.
        s.A = 1000;
        s.E = 2000;
        return s.A + s.E;
    }

    // Busy enough to want every callee-saved register.
    static long Clobber(int n)
    {
        long a = n, b = n + 1, c = n + 2, d = n + 3, e = n + 4, f = n + 5, g = n + 6;
        for (int i = 0; i < 8; i++)
        {
            a = a * 3 + b;
            b = b ^ (c << 1);
            c = c + d * e;
            d = d - f;
            e = e + g;
            f = f * 2 - a;
            g = g + (a & 0xFF);
        }
        return a + b + c + d + e + f + g;
    }

    static long Mixed(int a, S24 s, int b, S16 t, long c)
    {
        return a + s.A + s.B + s.C + b + t.A + t.B + c;
    }

    static int test_120_large_locals_survive_calls()
    {
        S16 x = Make16(1, 2);
        S24 y = Make24(3, 4, 5);
        S40 z = Make40(6); // 6,12,18,24,30
        long noise = Clobber(3) + Clobber(7);
        S40 w = Make40(1);
        noise += Clobber(11);
        if (noise == 0)
            return -1;
        return (int)(x.A + x.B + y.A + y.B + y.C + Sum40(z) + Sum40(w)); // 3 + 12 + 90 + 15
    }

    static int test_3045_large_arguments_by_value()
    {
        S40 s = Make40(10); // 10,20,30,40,50
        long changed = Mutate40(s); // 3000
        // The caller's copy is untouched: 3000 + 10 + 50, less 15.
        return (int)(changed + s.A + s.E) - 15;
    }

    static int test_21_mixed_small_and_large_arguments()
    {
        S24 s = Make24(1, 2, 3);
        S16 t = Make16(4, 5);
        return (int)Mixed(6, s, -7, t, 7); // 6 + 6 - 7 + 9 + 7
    }

    static int test_36_callee_saved_values_across_calls()
    {
        // Eight values live across every call; a callee that does not
        // preserve RBX/R12-R15 corrupts some of them.
        int a = 1, b = 2, c = 3, d = 4, e = 5, f = 6, g = 7, h = 8;
        long acc = 0;
        for (int i = 0; i < 4; i++)
        {
            acc += Clobber(i);
            a += 1; b += 1; c += 1; d += 1; e += 1; f += 1; g += 1; h += 1;
        }
        if (acc == 0)
            return -1;
        return a + b + c + d + e + f + g + h - 32; // (36 + 32) - 32
    }

    static int test_145_large_struct_array_elements_and_copies()
    {
        S40[] arr = new S40[3];
        for (int i = 0; i < 3; i++)
            arr[i] = Make40(i + 1);
        S40 copy = arr[1];
        arr[1].A = 100; // changes the array, not the copy
        return (int)(Sum40(arr[0]) + Sum40(copy) + arr[1].A); // 15 + 30 + 100
    }

    // ---- bug 5 ----

    static int ReadAddress(PciAddress a)
    {
        return (a.Bus << 16) | (a.Device << 8) | a.Function;
    }

    static PciAddress MakeAddress(byte bus, byte device, byte function)
    {
        PciAddress a;
        a.Bus = bus;
        a.Device = device;
        a.Function = function;
        return a;
    }

    static int test_768_pci_address_by_value_cr2_0x300()
    {
        // The seed's crash: PCI.EnableBusMaster(_pciDevice.Address), where
        // the callee reads fields of a 3-byte struct passed by value.
        PciDevice dev = new PciDevice();
        dev.Address.Bus = 0;
        dev.Address.Device = 3;
        dev.Address.Function = 0;
        return ReadAddress(dev.Address); // 0x000300
    }

    static int test_3_field_of_struct_copied_to_local()
    {
        PciDevice dev = new PciDevice();
        dev.Address = MakeAddress(0, 3, 0);
        PciDevice pd = dev;
        PciAddress addr = pd.Address; // the seed's `var addr = pd.Address`
        byte b = addr.Bus;
        return b + addr.Device + addr.Function;
    }

    static int test_9_field_of_struct_return_value()
    {
        // ldfld applied to a struct value straight off a call.
        return MakeAddress(1, 3, 5).Function + MakeAddress(2, 4, 6).Device;
    }

    static int test_197121_field_through_reference()
    {
        PciDevice dev = new PciDevice();
        dev.Address = MakeAddress(3, 2, 1);
        // ldflda Address; ldfld Bus/Device/Function
        return (dev.Address.Bus << 16) | (dev.Address.Device << 8) | dev.Address.Function;
    }

    static int ReadByRef(ref PciAddress a)
    {
        return a.Bus * 100 + a.Device * 10 + a.Function;
    }

    static int test_357_value_and_reference_agree()
    {
        PciAddress a = MakeAddress(1, 2, 3);
        int byValue = ReadAddress(a); // 0x010203 = 66051
        int byRef = ReadByRef(ref a); // 123
        int viaLocal = a.Bus + a.Device + a.Function; // 6
        return byValue - 65823 + byRef + viaLocal; // 228 + 123 + 6
    }

    static int test_1131_struct_inside_struct_by_value()
    {
        Wrapper w;
        w.Tag = 1000;
        w.Address = MakeAddress(9, 3, 7);
        w.Tail = 2;
        Wrapper copy = w;
        w.Address.Device = 99; // the copy keeps 3
        int packed = ReadAddress(copy.Address); // 0x090307
        return copy.Tag + copy.Tail + (packed == 0x090307 ? 30 : 0) + w.Address.Device; // 1000 + 2 + 30 + 99
    }

    static int test_77_boxed_small_struct()
    {
        object o = MakeAddress(7, 0, 7);
        PciAddress back = (PciAddress)o;
        return back.Bus * 10 + back.Function;
    }
}
